// How the CLI reports: colour only on a terminal or when forced, usage errors with codes and
// hints, option help without placeholders, `-` for standard input and output.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { colourise, wantColour } from "../../src/cli/report.js";
import { iochainBin, repoRoot, runCliAsync } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

const dir = tempDir("iochain-report-");
const bad = path.join(dir, "bad.ioc");
writeFileSync(bad, "storage fn f() -> u64 {\n  return nodee;\n}\n");
const good = path.join(dir, "good.ioc");
writeFileSync(good, "storage fn f(key: u64) -> u64 block 64 {\n  return key;\n}\n");

function cliWithEnv(args: string[], env: Record<string, string | undefined>, input?: string) {
  const r = spawnSync(iochainBin, args, {
    cwd: repoRoot,
    input,
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}

describe("colour", () => {
  it("on a terminal only; NO_COLOR turns it off, FORCE_COLOR on", async () => {
    expect(wantColour({ isTTY: true }, {})).toBe(true);
    expect(wantColour({ isTTY: false }, {})).toBe(false);
    expect(wantColour({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(wantColour({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(wantColour({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(wantColour({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
    expect(wantColour({ isTTY: true }, { TERM: "dumb" })).toBe(false);
  });

  it("a pipe gets plain text; FORCE_COLOR colours the severity, the underline and the hint", async () => {
    const plain = cliWithEnv(["compile", bad], {});
    expect(plain.stderr).not.toContain("\x1b[");
    const forced = cliWithEnv(["compile", bad], { FORCE_COLOR: "1" });
    expect(forced.stderr).toContain("\x1b[1;31merror[E0401]\x1b[0m");
    expect(colourise("x\n   = hint: y")).toBe("x\n\x1b[1;36m   = hint:\x1b[0m y");
  });
});

describe("usage", () => {
  it("a missing --data is E0913 with a hint; --target kernel's hint lists the targets", async () => {
    const missing = await runCliAsync(["run", good]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "error[E0913]: required option '--data <file>' not specified\n   = hint: iochain run --help lists what it needs\n",
    );
    const kernel = await runCliAsync(["run", good, "--data", good, "--target", "kernel"]);
    expect(kernel.stderr).toMatch(
      /hint: --target takes vm, linux \(the kernel is --target linux\)/,
    );
  });

  it("run --help has no `(default: {})`; the clashing --extents says what replaced it", async () => {
    const help = await runCliAsync(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).not.toContain("(default: {})");
    expect(help.stdout).toContain("--data-extents");
    expect(help.stdout).toContain("--bind-extents");
    const old = await runCliAsync(["compile", good, "--extents", "x.json"]);
    expect(old.stderr).toMatch(/error\[E0914\]: --extents is gone.*\n.*hint: use --bind-extents/);
  });
});

describe("- for standard input and output", () => {
  it("compile - reads the source from standard input; -o - writes the object to standard output", async () => {
    const r = cliWithEnv(
      ["compile", "-", "--target", "linux", "-o", "-"],
      {},
      "storage fn f(key: u64) -> u64 block 64 {\n  return key;\n}\n",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(r.stderr).toMatch(/^-: f, 6 instructions \(elf, target linux\)/);
    expect((await runCliAsync(["compile", "-o", "-", "-"], "storage fn f( {")).stderr).toMatch(
      /^<stdin>:1:\d+: error\[E03/,
    );
  });
});
