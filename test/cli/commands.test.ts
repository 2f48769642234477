// The eBPF-core commands as a user runs them: asm → disasm → vm, and their errors.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

const dir = tempDir("iochain-cli-");
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

// Sums the bytes of the memory (r1 = mem, r2 = length).
const sumUbpf = `mov %r0, 0
loop:
jeq %r2, 0, done
ldxb %r3, [%r1]
add %r0, %r3
add %r1, 1
sub %r2, 1
ja loop
done:
exit
`;

describe("iochain asm / disasm / vm", () => {
  it("assembles, lists and runs a program", () => {
    const src = file("sum.s", sumUbpf);
    const bin = path.join(dir, "sum.bin");
    const asm = runCli(["asm", src, "-o", bin]);
    expect(asm.stderr).toBe("");
    expect(asm.stdout).toBe(`${bin}: 8 instructions, 64 bytes\n`);
    expect(readFileSync(bin).length).toBe(64);

    const listing = runCli(["disasm", "--no-raw-insn", bin]);
    expect(listing.code).toBe(0);
    expect(listing.stdout.split("\n")[0].trim()).toBe("0:\tr0 = 0x0");

    const run = runCli(["vm", bin, "--mem", "01020304", "--json"]);
    expect(JSON.parse(run.stdout)).toEqual({
      r0: 10,
      r0_hex: "0xa",
      insns: 2 + 6 * 4 + 1,
      mem: "01020304",
    });
  });

  it("runs LLVM-syntax text directly, with both engines agreeing", () => {
    const src = file("const.s", "r0 = 0x1122334455667788 ll\nr0 ^= 0xff\nexit\n");
    const fast = runCli(["vm", src, "--json"]);
    const ref = runCli(["vm", src, "--json", "--engine", "reference"]);
    expect(JSON.parse(fast.stdout).r0_hex).toBe("0x1122334455667777");
    expect(JSON.parse(ref.stdout)).toEqual(JSON.parse(fast.stdout));
  });

  it("reports a malformed assembly line with its location and writes nothing", () => {
    const src = file("bad.s", "mov %r0, 1\nfoo %r1\nexit\n");
    const out = path.join(dir, "bad.bin");
    const r = runCli(["asm", src, "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`${src}:2:1: error[E0120]: unknown instruction \`foo\``);
    expect(r.stderr).not.toMatch(/at .*\.js/); // no stack trace
    expect(existsSync(out)).toBe(false);
  });

  it("refuses truncated bytecode, empty files and bad options with one clear line", () => {
    const trunc = path.join(dir, "trunc.bin");
    writeFileSync(trunc, Buffer.from("b700000001000000950000", "hex"));
    expect(runCli(["vm", trunc]).stderr).toMatch(
      /^error\[E0101\]: .*trunc\.bin: bytecode length 11 is not a multiple of 8/,
    );
    const empty = file("empty.bin", "");
    expect(runCli(["disasm", empty]).stderr).toMatch(/^error\[E0906\]: .*the file is empty/);
    expect(runCli(["vm", empty]).stderr).toMatch(/^error\[E0906\]: .*the file is empty/);
    const src = file("ok.s", "r0 = 1\nexit\n");
    expect(runCli(["vm", src, "--engine", "turbo"]).stderr).toMatch(
      /^error\[E0907\]: --engine must be one of fast, reference/,
    );
    expect(runCli(["vm", src, "--mem", "abc"]).stderr).toMatch(/^error\[E0905\]/);
    expect(runCli(["vm", path.join(dir, "missing.bin")]).stderr).toMatch(
      /^error\[E0901\]: .*missing\.bin: cannot read program: ENOENT/,
    );
  });

  it("reports a VM fault with the faulting instruction, not a crash", () => {
    const src = file("oob.s", "r0 = *(u64 *)(r1 + 0x8)\nexit\n");
    const r = runCli(["vm", src, "--mem", "0011"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E02\d\d\]/);
    expect(r.stderr).toMatch(/r0 = \*\(u64 \*\)\(r1 \+ 0x8\)/);
  });
});

describe("iochain disasm --lossless", () => {
  it("lists a local call so that it assembles back to the same bytes", () => {
    const src = file("call.s", "call local f\nexit\nf:\nmov %r0, 7\nexit\n");
    const bin = path.join(dir, "call.bin");
    expect(runCli(["asm", src, "-o", bin]).code).toBe(0);
    const listing = runCli(["disasm", "--lossless", "--no-raw-insn", bin]).stdout;
    const again = file("again.s", listing);
    const bin2 = path.join(dir, "again.bin");
    expect(runCli(["asm", again, "--syntax", "llvm", "-o", bin2]).stderr).toBe("");
    expect(readFileSync(bin2)).toEqual(readFileSync(bin));
    expect(JSON.parse(runCli(["vm", bin2, "--json"]).stdout).r0).toBe(7);
  });
});
