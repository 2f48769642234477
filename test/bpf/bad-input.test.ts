// Bad input end to end: what a user sees (the one-line diagnostic) for broken bytecode and broken
// assembly. Every message names where the problem is.
import { describe, expect, it } from "vitest";
import { assembleLlvm } from "../../src/bpf/asm/llvm.js";
import { assembleUbpf } from "../../src/bpf/asm/ubpf.js";
import { decode, encode } from "../../src/bpf/insn.js";
import { validate } from "../../src/bpf/validate.js";
import { renderOneLine, toDiagnostics } from "../../src/diagnostics.js";

function diagnose(action: () => unknown): string {
  try {
    action();
  } catch (err) {
    const [d] = toDiagnostics(err);
    return renderOneLine(d);
  }
  return "no error";
}
const bytes = (...words: string[]) => Uint8Array.from(Buffer.from(words.join(""), "hex"));
const load = (data: Uint8Array) => () => validate(decode(data, "prog.bin"), "prog.bin");

describe("broken bytecode", () => {
  it("truncated bytecode", () =>
    expect(diagnose(load(bytes("b700000000000000", "9500")))).toBe(
      "error[E0101]: prog.bin: bytecode length 10 is not a multiple of 8 (truncated instruction at byte 8)",
    ));
  it("a wide instruction cut in half", () =>
    expect(diagnose(load(bytes("b700000000000000", "1801000001000000")))).toBe(
      "error[E0102]: prog.bin: instruction 1: lddw is cut in half (its second 8-byte slot is missing)",
    ));
  it("an unknown opcode", () =>
    expect(diagnose(load(bytes("b700000000000000", "e700000000000000", "9500000000000000")))).toBe(
      "error[E0103]: prog.bin: instruction 1: unknown opcode 0xe7 (no such ALU operation)",
    ));
  it("a bad register", () =>
    expect(diagnose(load(bytes("bfc0000000000000", "9500000000000000")))).toBe(
      "error[E0104]: prog.bin: instruction 0: invalid source register r12 (valid: r0..r10)",
    ));
  it("a jump out of range", () =>
    expect(
      diagnose(
        load(bytes("1801000001000000", "0000000000000000", "05000a0000000000", "9500000000000000")),
      ),
    ).toBe(
      "error[E0106]: prog.bin: instruction 2: jump +10 lands at 13, outside the program (0..3)",
    ));
  it("a jump into the middle of an lddw", () =>
    expect(
      diagnose(
        load(bytes("0500010000000000", "1801000001000000", "0000000000000000", "9500000000000000")),
      ),
    ).toBe(
      "error[E0107]: prog.bin: instruction 0: jump +1 lands at 2, the second half of an lddw",
    ));
  it("a program that falls off its end", () =>
    expect(diagnose(load(bytes("b700000000000000")))).toBe(
      "error[E0109]: prog.bin: instruction 0: the program can fall off its end: the last instruction must be exit or an unconditional jump",
    ));
});

describe("problems found in assembled programs point at the source line", () => {
  it("uBPF syntax", () =>
    expect(diagnose(() => validate(assembleUbpf("mov %r0, 0\n  ja +5\nexit", "p.s")))).toBe(
      "p.s:2:3: error[E0106]: instruction 1: jump +5 lands at 7, outside the program (0..2)",
    ));
  it("LLVM syntax", () =>
    expect(diagnose(() => validate(assembleLlvm("r0 = 0\nr10 = 1\nexit", "p.s")))).toBe(
      "p.s:2:1: error[E0105]: instruction 1: r10 is the read-only frame pointer; this instruction writes it",
    ));
  it("assembled bytes carry no positions once encoded and decoded", () => {
    const insns = decode(encode(assembleUbpf("mov %r11, 1\nexit", "p.s")), "p.bin");
    expect(diagnose(() => validate(insns, "p.bin"))).toBe(
      "error[E0104]: p.bin: instruction 0: invalid destination register r11 (valid: r0..r10)",
    );
  });
});

describe("malformed assembly lines", () => {
  const ubpf: [string, string][] = [
    [
      "mov %r0, 0\nmov %r0 %r1",
      "u.s:2:9: error[E0120]: expected `,` after the destination register, found `%r1`",
    ],
    [
      "ldxw %r0, %r1+4",
      "u.s:1:11: error[E0120]: expected `[` to open the memory operand, found `%r1+4`",
    ],
    [
      "jeq %r0, 1",
      "u.s:1:11: error[E0120]: expected `,` before the jump target, found end of line",
    ],
    ["add32 %r0, 1.5", "u.s:1:12: error[E0120]: expected a register or an immediate, found `1.5`"],
    ["exit\n\n   bogus", "u.s:3:4: error[E0120]: unknown instruction `bogus`"],
  ];
  for (const [text, message] of ubpf)
    it(`uBPF: ${message}`, () => expect(diagnose(() => assembleUbpf(text, "u.s"))).toBe(message));

  const llvm: [string, string][] = [
    [
      "r0 = 0\nr0 = *(u64 *)r1",
      "l.s:2:14: error[E0120]: expected `(` to open the address, found `r1`",
    ],
    [
      "if r0 == 1 goto",
      "l.s:1:16: error[E0120]: expected a label or a +/- offset, found end of line",
    ],
    [
      "lock *(u64 *)(r1 + 0) -= r2",
      "l.s:1:23: error[E0120]: expected +=, |=, &= or ^= after the address, found `-=`",
    ],
    [
      "*(u128 *)(r1 + 0) = r2",
      "l.s:1:2: error[E0120]: expected a type like (u32 *), found `(u128`",
    ],
    [
      "   1:\tb7 00 00 00 00 00 00 00\tr0 = ",
      "l.s:1:36: error[E0120]: expected a register, a number or a load after `=`, found end of line",
    ],
  ];
  for (const [text, message] of llvm)
    it(`LLVM: ${message}`, () => expect(diagnose(() => assembleLlvm(text, "l.s"))).toBe(message));
});
