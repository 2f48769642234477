// `iochain lint --format sarif` checked by a real validator: Microsoft's SARIF multitool (from npm,
// @microsoft/sarif-multitool; its Linux build is a self-contained .NET program). Its postinstall
// only sets the executable bit, which npm here does not run: the test sets it when missing.
// Also the CLI's exit codes and text findings.
import { spawnSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const require = createRequire(import.meta.url);

/** The multitool's executable, made executable, or why it cannot run here. */
function multitool(): { bin?: string; skip?: string } {
  let bin: string;
  try {
    bin = require("@microsoft/sarif-multitool") as string;
  } catch {
    return { skip: "@microsoft/sarif-multitool has no build for this platform" };
  }
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    try {
      chmodSync(bin, 0o755);
    } catch (err) {
      return { skip: `cannot make ${bin} executable: ${(err as Error).message}` };
    }
  }
  const probe = spawnSync(bin, ["--version"], {
    encoding: "utf8",
    env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: "1" },
  });
  if (probe.status !== 0)
    return { skip: `the SARIF multitool does not run here: ${probe.stderr || probe.error}` };
  return { bin };
}

const tool = multitool();
if (tool.skip) console.warn(`skipping SARIF validation: ${tool.skip}`);

const tmp = mkdtempSync(path.join(tmpdir(), "iochain-lint-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FINDINGS = `storage fn f(a: u64, b: u64, spare: u64) -> u64 block 64 {
    return a / b;
}
`;
const ERROR = `storage fn f(key: u64) -> u64 block 4096 {
    return key + (u64le at 0);
}
`;

/** Validation results of the multitool for a SARIF file: [level, ruleId, message]. */
function validate(file: string): string[][] {
  const out = path.join(tmp, `${path.basename(file)}.validation.sarif`);
  const r = spawnSync(tool.bin!, ["validate", file, "-o", out, "--log", "ForceOverwrite"], {
    encoding: "utf8",
    env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: "1" },
  });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const log = JSON.parse(readFileSync(out, "utf8")) as {
    runs: {
      results?: { level?: string; ruleId: string; message: { text?: string; id?: string } }[];
    }[];
  };
  return (log.runs[0].results ?? []).map((x) => [
    x.level ?? "warning",
    x.ruleId,
    x.message.text ?? x.message.id ?? "",
  ]);
}

describe("iochain lint", () => {
  const findings = path.join(tmp, "findings.ioc");
  const error = path.join(tmp, "error.ioc");
  writeFileSync(findings, FINDINGS);
  writeFileSync(error, ERROR);

  it("prints findings as diagnostics and exits 0 on warnings alone, 1 with --deny-warnings", () => {
    const r = runCli(["lint", findings]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("findings.ioc:2:12: warning[E0711]: division by a run-time value");
    expect(r.stdout).toContain("2 |     return a / b;");
    expect(r.stdout).toMatch(/warning\[E0710\]: parameter `spare` is never used/);
    expect(r.stdout).toMatch(/processed-instruction estimate \d+ of 1,000,000; needs Linux 5\.14/);
    expect(runCli(["lint", "--deny-warnings", findings]).code).toBe(1);
  });

  it("exits 1 on an error finding, 2 on usage and input errors", () => {
    const r = runCli(["lint", "--target", "xrp", error]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error[E0708]");
    expect(runCli(["lint", "--format", "xml", error]).code).toBe(2);
    expect(runCli(["lint", "--kernel", "six", error]).code).toBe(2);
    expect(runCli(["lint", path.join(tmp, "missing.ioc")]).code).toBe(2);
    const bad = path.join(tmp, "bad.ioc");
    writeFileSync(bad, "storage fn f( {");
    const b = runCli(["lint", bad]);
    expect(b.code).toBe(2);
    expect(b.stdout).toMatch(/error\[E03\d\d\]/);
  });

  it("--report bounds adds a note per bounds check; an unknown view is a usage error", () => {
    const reads = path.join(tmp, "reads.ioc");
    writeFileSync(
      reads,
      "storage fn f(i: u32, j: u32) -> u64 block 512 {\n    return (u8 at (i & 255)) as u64 + (u8 at j) as u64;\n}\n",
    );
    const r = runCli(["lint", "--report", "bounds", reads]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reads\.ioc:2:\d+: note\[E0718\]: bounds: the check \(≤ 511\) elided/);
    expect(r.stdout).toMatch(
      /note\[E0718\]: bounds: the check \(≤ 511\) kept: the value is a parameter of the chain/,
    );
    expect(runCli(["lint", reads]).stdout).not.toContain("E0718");
    expect(runCli(["lint", "--report", "speed", reads]).code).toBe(2);
  });

  it("--format json gives each file's findings and estimate", () => {
    const r = runCli(["lint", "--format", "json", findings]);
    const [entry] = JSON.parse(r.stdout) as {
      findings: { code: string }[];
      processedEstimate: number;
    }[];
    expect(entry.findings.map((f) => f.code).sort()).toEqual(["E0709", "E0710", "E0711"]);
    expect(entry.processedEstimate).toBeGreaterThan(0);
  });

  it.skipIf(tool.skip !== undefined)(
    "--format sarif passes the SARIF multitool's validation",
    () => {
      const r = runCli([
        "lint",
        "--format",
        "sarif",
        "--target",
        "xrp",
        findings,
        error,
        "examples/bptree/lookup.ioc",
      ]);
      expect(r.code).toBe(1);
      const file = path.join(tmp, "lint.sarif");
      writeFileSync(file, r.stdout);
      const log = JSON.parse(r.stdout) as {
        version: string;
        runs: { results: { ruleId: string }[] }[];
      };
      expect(log.version).toBe("2.1.0");
      expect(log.runs[0].results.map((x) => x.ruleId)).toContain("E0708");
      expect(validate(file).filter(([level]) => level === "error")).toEqual([]);
    },
  );

  it.skipIf(tool.skip !== undefined)(
    "the validator does reject a broken log (it is not a no-op)",
    () => {
      const file = path.join(tmp, "broken.sarif");
      writeFileSync(file, JSON.stringify({ version: "2.1.0", runs: [{ tool: {} }] }));
      expect(validate(file).filter(([level]) => level === "error").length).toBeGreaterThan(0);
    },
  );
});
