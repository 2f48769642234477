// Issue 4: a program the verifier must reject (an unchecked read, with the compiler's bounds checks
// turned off by the explicit unsafe option) yields a diagnostic naming its .ioc line and the
// reason in plain words, with a hint; the CLI prints it without the raw log, and writes the log to
// a file when asked.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../../src/compiler/pipeline.js";
import { render, toDiagnostics, type Diagnostic } from "../../../src/diagnostics.js";
import { LoadError } from "../../../src/runtime/linux/errors.js";
import { LinuxTarget } from "../../../src/runtime/linux/target.js";
import { runCli } from "../../support/cli.js";
import { noBpf } from "./kernel-fixtures.js";

const source = `// Reads the block at the offset the caller gives.
storage fn peek(k: u64) -> u64 block 512 {
    let v = u64le at k;
    return v;
}
`;
const READ_LINE = 3;

const dir = mkdtempSync(path.join(tmpdir(), "iochain-verifier-"));
const file = path.join(dir, "peek.ioc");
writeFileSync(file, source);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compileUnsafe(): { artifact: ReturnType<typeof compile>; warnings: Diagnostic[] } {
  const warnings: Diagnostic[] = [];
  const artifact = compile(source, file, {
    target: "linux",
    unsafeNoBoundsChecks: true,
    onWarning: (d) => warnings.push(d),
  });
  return { artifact, warnings };
}

function loadFailure(artifact: ReturnType<typeof compile>): LoadError {
  try {
    LinuxTarget.create(artifact).close();
  } catch (err) {
    if (err instanceof LoadError) return err;
    throw err;
  }
  throw new Error("the kernel accepted the unchecked read");
}

describe("the unsafe switch (no kernel needed)", () => {
  it("leaves the read unchecked and warns at it, without failing the compile", () => {
    const { artifact, warnings } = compileUnsafe();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      severity: "warning",
      code: "E0520",
      pos: { file, line: READ_LINE, col: 13 },
    });
    expect(render(warnings[0], source)).toContain(`warning[E0520]`);
    // The checked program has a compare against 512 - 8 before the load; this one has none.
    const safe = compile(source, file, { target: "linux" });
    const cmp504 = (insns: typeof artifact.insns) => insns.filter((i) => i.imm === 504).length;
    expect(cmp504(safe.insns)).toBeGreaterThan(0);
    expect(cmp504(artifact.insns)).toBe(0);
  });

  it("`iochain compile --unsafe-no-bounds-checks` prints the warning and still compiles", () => {
    const out = path.join(dir, "peek.bin");
    const r = runCli(["compile", file, "--unsafe-no-bounds-checks", "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${file}:${READ_LINE}:13: warning[E0520]: bounds checks are off`);
    expect(r.stderr).toContain(` ${READ_LINE} |     let v = u64le at k;`);
    expect(r.stdout).toMatch(/peek, \d+ instructions/);
    expect(runCli(["compile", file, "-o", out]).stderr).toBe("");
  });

  it("says nothing when every read is at a constant offset (nothing was left out)", () => {
    const warnings: Diagnostic[] = [];
    compile("storage fn f() -> u64 block 512 { return u64le at 8; }", "c.ioc", {
      unsafeNoBoundsChecks: true,
      onWarning: (d) => warnings.push(d),
    });
    expect(warnings).toEqual([]);
  });
});

describe.skipIf(noBpf)("the verifier's rejection, mapped to the source", () => {
  it("names the .ioc line of the read, the reason in plain words, and a hint", () => {
    const err = loadFailure(compileUnsafe().artifact);
    expect(err.code).toBe("E0801");
    expect(err.pos).toMatchObject({ file, line: READ_LINE });
    const [d] = toDiagnostics(err);
    const text = render(d, source);
    const [head, ...rest] = text.split("\n");
    expect(head).toBe(
      `${file}:${READ_LINE}:13: error[E0801]: an offset with no known lower bound is added to a ` +
        "pointer into a map value (the block, scratch or extents map): the access could land anywhere",
    );
    expect(rest[0]).toBe(` ${READ_LINE} |     let v = u64le at k;`);
    expect(rest[1]).toBe("   |             ^^^^^^^^^^");
    expect(text).toMatch(/= hint: check the offset against the size of what it reads/);
    // The verifier's own words and the instruction, as a note; no raw log.
    expect(text).toMatch(
      /= note: the verifier stopped at instruction \d+ \(`r\d \+= r\d`\): math between map_value pointer and register with unbounded min value is not allowed/,
    );
    expect(text).not.toMatch(/processed \d+ insns|R1=ctx|R10=fp0/);
    expect(err.log).toMatch(/processed \d+ insns/);
  });

  it("`iochain run --target linux --unsafe-no-bounds-checks` prints it; --verifier-log gets the log", () => {
    const data = path.join(dir, "data.bin");
    const bytes = new Uint8Array(512);
    new DataView(bytes.buffer).setBigUint64(8, 4660n, true);
    writeFileSync(data, bytes);
    const log = path.join(dir, "verifier.log");
    const args = ["run", file, "--target", "linux", "--data", data, "--arg", "k=8"];
    const r = runCli([...args, "--unsafe-no-bounds-checks", "--verifier-log", log]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${file}:${READ_LINE}:13: warning[E0520]: bounds checks are off`);
    expect(r.stderr).toContain(
      `${file}:${READ_LINE}:13: error[E0801]: an offset with no known lower bound is added to a pointer`,
    );
    expect(r.stderr).toContain(` ${READ_LINE} |     let v = u64le at k;`);
    expect(r.stderr).toContain("= hint: check the offset");
    expect(r.stderr).toContain(`= note: the verifier's whole log is in ${log}`);
    expect(r.stderr).not.toMatch(/processed \d+ insns|R1=ctx|at Object\.|\.js:\d+/);
    expect(readFileSync(log, "utf8")).toMatch(
      /math between map_value pointer[^]*processed \d+ insns/,
    );

    // Without --verifier-log: the note says how to get the log.
    const plain = runCli([...args, "--unsafe-no-bounds-checks"]);
    expect(plain.stderr).toContain("= note: --verifier-log FILE writes the verifier's whole log");
    // Without the unsafe switch the same program loads and reads the block.
    const safe = runCli([...args, "--json"]);
    expect(safe.code).toBe(0);
    expect(JSON.parse(safe.stdout)).toMatchObject({ status: "done", value: 4660 });
  });
});
