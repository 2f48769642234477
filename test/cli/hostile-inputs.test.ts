// Hostile inputs through every command, as a user's shell would pass them: character devices,
// FIFOs, directories, empty, huge and binary files, deep nesting, control characters, out-of-range
// and ill-typed arguments. Each must end within 5 s with a one-line error (`error[E0xxx]`), a
// documented exit code (docs/cli.md), no stack trace, no raw control byte on the terminal and no
// half-written output file.
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { readdirSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ensureBuilt, iochainBin, repoRoot } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

const dir = tempDir("iochain-hostile-");
const at = (name: string): string => path.join(dir, name);

const ok = at("ok.ioc");
const data = at("data.bin");
writeFileSync(ok, "storage fn f(key: u64) -> u64 block 64 {\n  return key;\n}\n");
writeFileSync(data, Buffer.alloc(4096));
writeFileSync(at("empty"), "");
writeFileSync(
  at("binary"),
  Buffer.from(Array.from({ length: 4400 }, (_, i) => (i * 131 + 7) % 256)),
);
writeFileSync(at("huge"), "");
truncateSync(at("huge"), 100 * 1024 * 1024); // sparse: over the 64 MiB input limit
execFileSync("mkfifo", [at("fifo")]);
const fn = (body: string): string => `storage fn f(key: u64) -> u64 {\n  ${body}\n}\n`;
writeFileSync(at("parens.ioc"), fn(`return ${"(".repeat(1000)}key${")".repeat(1000)};`));
writeFileSync(at("terms.ioc"), fn(`return ${Array(150_000).fill("1").join(" + ")};`));
writeFileSync(at("escape.ioc"), fn("return \x1b]0;pwned\x07 key;\x1b[2J"));
writeFileSync(at("control-name-\x1b[31m.ioc"), "\x1b[31m");
// Valid and large (half a megabyte, 12,000 statements): copy propagation and the register
// allocator were quadratic in a function's size (12 s for this); the compile must end in time.
writeFileSync(
  at("long.ioc"),
  fn(
    ["var x: u64 = key;"]
      .concat(Array.from({ length: 12_000 }, (_, i) => `x = x + ${i} * (key & 0xff) - (x >> 3);`))
      .concat("return x;")
      .join("\n  "),
  ),
);

/** Inputs that are not regular files or not what a command reads. */
const HOSTILE_FILES = [
  "/dev/zero",
  "/dev/urandom",
  at("fifo"),
  dir,
  at("empty"),
  at("huge"),
  at("binary"),
];

interface Case {
  args: string[];
  /** The documented exit codes this case may end with (1: an error; 2: the chain failed). */
  codes?: number[];
}

const cases: Case[] = [];
for (const f of HOSTILE_FILES) {
  const out = at(`out-${path.basename(f)}`);
  // Regular files: `extents` maps any of them, and 4400 bytes of binary may well be bytecode.
  const regular = [at("empty"), at("huge"), at("binary")].includes(f);
  cases.push(
    { args: ["compile", f] },
    { args: ["compile", f, "--target", "linux", "-o", out] },
    { args: ["asm", f, "-o", out] },
    { args: ["disasm", f], codes: f === at("binary") ? [0, 1] : [1] },
    { args: ["vm", f] },
    { args: ["load", f] },
    { args: ["extents", f, "-o", at(`extents-${path.basename(f)}`)], codes: regular ? [0] : [1] },
    { args: ["run", f, "--data", data, "--arg", "key=1"] },
    { args: ["run", ok, "--data", f, "--arg", "key=1"], codes: [0, 1, 2] },
    { args: ["run", ok, "--data", data, "--data-extents", f, "--arg", "key=1"] },
    // An empty arguments file is zero chains: nothing to do, and that is not an error.
    { args: ["run", ok, "--data", data, "--args-file", f], codes: f === at("empty") ? [0] : [1] },
    { args: ["compile", ok, "--bind-extents", f] },
  );
}
for (const f of ["parens.ioc", "terms.ioc", "escape.ioc", "control-name-\x1b[31m.ioc"])
  cases.push({ args: ["compile", at(f)] }, { args: ["run", at(f), "--data", data] });
for (const arg of ["key=true", "key=-1", "key=18446744073709551616", "key=abc", "key", "=1"])
  cases.push({ args: ["run", ok, "--data", data, "--arg", arg] });
cases.push(
  { args: ["run", ok, "--arg", "key=1"] }, // no --data
  { args: ["run", ok, "--data", data, "--arg", "key=1", "--target", "kernel"] },
  { args: ["run", ok, "--data", data, "--arg", "key=1", "--batch", "0"] },
  { args: ["run", ok, "--data", data, "--arg", "key=1", "--threads", "1e9"] },
  { args: ["vm", ok, "--budget", "-1"] },
  { args: ["vm", ok, "--mem", "zz"] },
  { args: ["compile", ok, "--emit", "elf"] },
  { args: ["compile", ok, "--extents", data] },
  { args: ["compile", ok, "--bogus"] },
  { args: ["frobnicate"] },
  { args: ["compile", at("long.ioc"), "-o", at("long.bin")], codes: [0] },
);

/** Runs the CLI with a 5 s limit; stdin is a pipe that stays open, as a terminal's would. */
function run(
  args: string[],
): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer; ms: number }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(iochainBin, args, { cwd: repoRoot, timeout: 5000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        ms: Date.now() - start,
      }),
    );
  });
}

// A raw control byte a terminal would act on (newline and tab are text).
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/; // C1 controls are multi-byte in UTF-8

describe("hostile inputs through every command", () => {
  ensureBuilt();
  it.each(cases.map((c) => [c.args.map((a) => path.basename(a)).join(" "), c] as const))(
    "%s",
    async (_name, c) => {
      const r = await run(c.args);
      const stderr = r.stderr.toString("utf8");
      const stdout = r.stdout.toString("utf8");
      expect(r.ms, "ends within 5 s").toBeLessThan(5000);
      expect(c.codes ?? [1]).toContain(r.code);
      expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
      expect(stderr).not.toMatch(/E0999/);
      expect(stderr).not.toMatch(RAW_CONTROL);
      expect(stdout).not.toMatch(RAW_CONTROL);
      if (r.code === 1) expect(stderr.split("\n")[0]).toMatch(/(^|: )error\[E0\d{3}\]: \S/);
      if (r.code === 2) expect(stdout).toMatch(/^failed: /);
    },
    15_000,
  );

  it("leaves no half-written or temporary output files", () => {
    const leftovers = readdirSync(dir).filter((n) => n.endsWith(".tmp") || n.startsWith("out-"));
    expect(leftovers).toEqual([]);
  });
});
