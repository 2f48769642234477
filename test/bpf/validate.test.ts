import { describe, expect, it } from "vitest";
import { assembleUbpf } from "../../src/bpf/asm/ubpf.js";
import {
  conformanceInsns,
  listConformanceFiles,
  readConformanceData,
} from "./support/conformance-data.js";
import { decode, type Insn } from "../../src/bpf/insn.js";
import { validate, validationDiagnostics } from "../../src/bpf/validate.js";
import { BpfError, renderOneLine } from "../../src/diagnostics.js";

const EXIT: Insn = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
const raw = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({
  code,
  dst,
  src,
  off,
  imm,
});

function errorOf(insns: Insn[], file?: string): string {
  try {
    validate(insns, file);
  } catch (err) {
    if (err instanceof BpfError) return renderOneLine(err.diagnostic);
    throw err;
  }
  return "valid";
}
const errorOfAsm = (text: string): string => errorOf(assembleUbpf(text, "v.s"));

describe("validate accepts every RFC 9669 instruction", () => {
  const ok = [
    "add %r1, 1",
    "add32 %r1, %r2",
    "sdiv %r1, %r2",
    "smod32 %r1, -1",
    "neg %r1",
    "neg32 %r1",
    "movsx832 %r1, %r2",
    "movsx1632 %r1, %r2",
    "movsx864 %r1, %r2",
    "movsx1664 %r1, %r2",
    "movsx3264 %r1, %r2",
    "be16 %r1",
    "le64 %r1",
    "bswap32 %r1",
    "ldxsb %r1, [%r10-1]",
    "ldxsh %r1, [%r10-2]",
    "ldxsw %r1, [%r10-4]",
    "ldxdw %r1, [%r10-8]",
    "stb [%r10-1], 1",
    "stxdw [%r10-8], %r1",
    "lddw %r1, 0x1122334455667788",
    "lock add [%r10-8], %r1",
    "lock fetch xor32 [%r10-4], %r1",
    "lock xchg [%r10-8], %r1",
    "lock cmpxchg32 [%r10-8], %r1",
    "jeq %r1, 1, +0",
    "jsle32 %r1, %r2, +0",
    "ja +0",
    "ja32 +0",
    "call 1",
    "call local f",
    "call runtime 7",
    "callx %r3",
  ];
  for (const text of ok) {
    it(text, () => expect(errorOfAsm(`${text}\nexit\nf: exit`)).toBe("valid"));
  }
  it("lddw with every pseudo source 0..6", () => {
    for (let src = 0; src <= 6; src++) {
      const imm = src === 4 ? 1 : 0; // a function reference must point at an instruction
      expect(errorOf([{ code: 0x18, dst: 1, src, off: 0, imm, imm2: 0 }, EXIT, EXIT])).toBe(
        "valid",
      );
    }
  });
});

describe("validate rejects", () => {
  const cases: [string, Insn[] | string, string][] = [
    [
      "an unknown ALU op",
      [raw(0xe7, 1), EXIT],
      "error[E0103]: instruction 0: unknown opcode 0xe7 (no such ALU operation)",
    ],
    [
      "an unknown class-LD opcode",
      [raw(0x00), EXIT],
      "error[E0103]: instruction 0: unknown opcode 0x00",
    ],
    [
      "legacy packet loads",
      [raw(0x20), EXIT],
      "error[E0103]: instruction 0: unknown opcode 0x20 (legacy packet access (ABS/IND) is not supported)",
    ],
    [
      "ldxsdw",
      [raw(0x99, 1, 2), EXIT],
      "error[E0103]: instruction 0: unknown opcode 0x99 (no such load)",
    ],
    [
      "a 16-bit atomic",
      [raw(0xcb, 1, 2), EXIT],
      "error[E0103]: instruction 0: unknown opcode 0xcb (atomics are 32 or 64 bits wide)",
    ],
    [
      "an unknown atomic imm",
      [raw(0xdb, 1, 2, 0, 0x10), EXIT],
      "error[E0103]: instruction 0: unknown atomic operation imm=0x10",
    ],
    [
      "bswap with a register source",
      [raw(0xdf, 1, 0, 0, 16), EXIT],
      "error[E0103]: instruction 0: unknown opcode 0xdf (bswap has no register-source form)",
    ],
    [
      "a byte swap of 8 bits",
      [raw(0xdc, 1, 0, 0, 8), EXIT],
      "error[E0103]: instruction 0: byte swap width must be 16, 32 or 64 (is 8)",
    ],
    [
      "sdiv with offset 2",
      [raw(0x3f, 1, 2, 2), EXIT],
      "error[E0103]: instruction 0: div offset must be 0 (unsigned) or 1 (signed), is 2",
    ],
    [
      "movsx32 in the 32-bit class",
      [raw(0xbc, 1, 2, 32), EXIT],
      "error[E0103]: instruction 0: movsx sign-extends from 8, 16 bits; offset 32 is not one of them",
    ],
    [
      "a call with src 3",
      [raw(0x85, 0, 3, 0, 1), EXIT],
      "error[E0103]: instruction 0: call with unknown source 3 (0 helper, 1 local, 2 kfunc)",
    ],
    [
      "a JMP32 call",
      [raw(0x86, 0, 0, 0, 1), EXIT],
      "error[E0103]: instruction 0: unknown opcode 0x86 (call exists only in the JMP class)",
    ],
    [
      "a JMP32 exit",
      [raw(0x96)],
      "error[E0103]: instruction 0: unknown opcode 0x96 (exit exists only as 0x95)",
    ],
    [
      "jump op 0xe0",
      [raw(0xe5, 1, 0, 0, 0), EXIT],
      "error[E0103]: instruction 0: unknown opcode 0xe5 (no such jump)",
    ],
    [
      "a non-zero unused field",
      [raw(0x07, 1, 3, 0, 1), EXIT],
      "error[E0111]: instruction 0: 0x07 does not use its src field, which must be 0 (is 3)",
    ],
    [
      "exit with an imm",
      [raw(0x95, 0, 0, 0, 1)],
      "error[E0111]: instruction 0: 0x95 does not use its imm field, which must be 0 (is 1)",
    ],
    [
      "register r11",
      "mov %r11, 1\nexit",
      "v.s:1:1: error[E0104]: instruction 0: invalid destination register r11 (valid: r0..r10)",
    ],
    [
      "source register r15",
      "add %r1, %r15\nexit",
      "v.s:1:1: error[E0104]: instruction 0: invalid source register r15 (valid: r0..r10)",
    ],
    [
      "a write to r10",
      "exit\nmov %r10, 0\nexit",
      "v.s:2:1: error[E0105]: instruction 1: r10 is the read-only frame pointer; this instruction writes it",
    ],
    [
      "a load into r10",
      "ldxdw %r10, [%r1]\nexit",
      "v.s:1:1: error[E0105]: instruction 0: r10 is the read-only frame pointer; this instruction writes it",
    ],
    [
      "a fetching atomic into r10",
      "lock fetch add [%r1], %r10\nexit",
      "v.s:1:1: error[E0105]: instruction 0: r10 is the read-only frame pointer; this instruction writes it",
    ],
    [
      "a jump past the end",
      "ja +1\nexit",
      "v.s:1:1: error[E0106]: instruction 0: jump +1 lands at 2, outside the program (0..1)",
    ],
    [
      "a jump before the start",
      "exit\nja -3",
      "v.s:2:1: error[E0106]: instruction 1: jump -3 lands at -1, outside the program (0..1)",
    ],
    [
      "a gotol out of range",
      "ja32 +5\nexit",
      "v.s:1:1: error[E0106]: instruction 0: gotol +5 lands at 6, outside the program (0..1)",
    ],
    [
      "a local call out of range",
      "call local +9\nexit",
      "v.s:1:1: error[E0106]: instruction 0: local call +9 lands at 10, outside the program (0..1)",
    ],
    [
      "a jump into an lddw",
      "ja +1\nlddw %r0, 1\nexit",
      "v.s:1:1: error[E0107]: instruction 0: jump +1 lands at 2, the second half of an lddw",
    ],
    [
      "an unknown lddw pseudo source",
      [{ ...raw(0x18, 1, 7), imm2: 0 }, EXIT],
      "error[E0108]: instruction 0: lddw with unknown pseudo source 7 (known: 0..6)",
    ],
    [
      "a program ending in a conditional jump",
      "jeq %r1, 0, -1",
      "v.s:1:1: error[E0109]: instruction 0: the program can fall off its end: the last instruction must be exit or an unconditional jump",
    ],
    [
      "a program ending in mov",
      "mov %r0, 0",
      "v.s:1:1: error[E0109]: instruction 0: the program can fall off its end: the last instruction must be exit or an unconditional jump",
    ],
    ["an empty program", [], "error[E0110]: the program is empty"],
  ];
  for (const [name, program, message] of cases) {
    it(name, () => {
      const got = typeof program === "string" ? errorOfAsm(program) : errorOf(program);
      expect(got).toBe(message);
    });
  }

  it("names the file for bytecode without positions, and counts slots not records", () => {
    const bytes = new Uint8Array(24);
    bytes.set([0x18, 0x01], 0); // lddw r1, 0
    bytes.set([0x07, 0x0b], 16); // add r11, 0
    expect(errorOf(decode(bytes, "p.bin"), "p.bin")).toBe(
      "error[E0104]: p.bin: instruction 2: invalid destination register r11 (valid: r0..r10)",
    );
  });

  it("validationDiagnostics lists every problem", () => {
    const all = validationDiagnostics(assembleUbpf("mov %r11, 0\nja +9\nmov %r0, 0", "m.s"));
    expect(all.map((d) => d.code)).toEqual(["E0104", "E0106", "E0109"]);
  });
});

describe("the conformance suite", () => {
  const files = listConformanceFiles();
  it.skipIf(files.length === 0)("every conformance program validates", () => {
    if (files.length === 0) console.warn("conformance data not found; set IOCHAIN_SHARED");
    for (const file of files) {
      expect(() => validate(conformanceInsns(readConformanceData(file)), file), file).not.toThrow();
    }
  });
});
