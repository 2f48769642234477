import { describe, expect, it } from "vitest";
import { assembleUbpf } from "../../../src/bpf/asm/ubpf.js";
import { encode } from "../../../src/bpf/insn.js";
import {
  conformanceInsns,
  listConformanceFiles,
  readConformanceData,
} from "../support/conformance-data.js";
import { BpfError, renderOneLine } from "../../../src/diagnostics.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const asm = (text: string): string => hex(encode(assembleUbpf(text)));

/** Catches the BpfError an action throws and renders it on one line. */
function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (err) {
    if (err instanceof BpfError) return renderOneLine(err.diagnostic);
    throw err;
  }
  throw new Error("expected a BpfError");
}

describe("assembleUbpf encodings", () => {
  // Expected bytes cross-checked with `llvm-mc-19 --disassemble -triple bpfel -mcpu=v4`.
  const cases: [string, string][] = [
    ["mov32 %r0, 0", "b400000000000000"],
    ["mov %r1, -1", "b7010000ffffffff"],
    ["add32 %r0, %r1", "0c10000000000000"],
    ["mov32 %r1, 0x87654321", "b401000021436587"],
    ["ldxdw %r1, [%r10-8]", "79a1f8ff00000000"],
    ["ldxsb %r0, [%r10-1]", "91a0ffff00000000"],
    ["stxw [%r1+4], %r2", "6321040000000000"],
    ["stb [%r10-1], 0x80", "720affff80000000"],
    ["lock fetch add [%r10-8], %r1", "db1af8ff01000000"],
    ["lock cmpxchg32 [%r10-8], %r1", "c31af8fff1000000"],
    ["lock xchg [%r10-8], %r1", "db1af8ffe1000000"],
    ["lock or32 [%r10-4], %r1", "c31afcff40000000"],
    ["call 5", "8500000005000000"],
    ["call %r2", "8d02000000000000"],
    ["callx %r2", "8d02000000000000"],
    ["movsx832 %r0, %r1", "bc10080000000000"],
    ["movsx3264 %r0, %r1", "bf10200000000000"],
    ["sdiv %r1, %r2", "3f21010000000000"],
    ["smod32 %r0, -1", "94000100ffffffff"],
    ["be16 %r0", "dc00000010000000"],
    ["le32 %r0", "d400000020000000"],
    ["bswap64 %r0", "d700000040000000"],
    ["swap16 %r0", "d700000010000000"],
    ["neg %r0", "8700000000000000"],
    ["neg32 %r0", "8400000000000000"],
    ["exit", "9500000000000000"],
    ["jeq %r1, 0x80000000, +1", "1501010000000080"],
    ["jsle32 %r1, %r2, -2", "de21feff00000000"],
    ["ja +3", "0500030000000000"],
    ["ja32 -1", "06000000ffffffff"],
    ["gotol +2", "0600000002000000"],
  ];
  for (const [text, bytes] of cases) {
    it(text, () => expect(asm(text)).toBe(bytes));
  }

  it("lddw takes two slots and splits its constant", () => {
    expect(asm("lddw %r0, 0x1122334455667788")).toBe("18000000887766550000000044332211");
    expect(asm("lddw %r1, -1")).toBe("18010000ffffffff00000000ffffffff");
  });

  it("lddw pseudo kinds (our extension) set src", () => {
    expect(asm("lddw %r1, 0x800000003, map_value")).toBe("18210000030000000000000008000000");
  });
});

describe("assembleUbpf labels and positions", () => {
  it("resolves forward and backward labels in slots, counting lddw as two", () => {
    const insns = assembleUbpf(
      ["ja L2", "L1:", "lddw %r0, 1", "exit", "L2: ja L1", "call local L1"].join("\n"),
    );
    expect(insns.map((i) => [i.off, i.imm])).toEqual([
      [3, 0],
      [0, 1],
      [0, 0],
      [-4, 0],
      [0, -5],
    ]);
  });

  it("`exit` without a label means the first exit instruction", () => {
    const insns = assembleUbpf("jne %r1, 0, exit\nmov %r0, 1\nexit\nmov %r0, 2\nexit");
    expect(insns[0].off).toBe(1);
  });

  it("an explicit exit label wins over the implicit one", () => {
    const insns = assembleUbpf("ja exit\nexit\nexit:\nexit");
    expect(insns[0].off).toBe(1);
  });

  it("records file, line and column of every instruction", () => {
    const insns = assembleUbpf("# header\n\n  mov %r0, 1 # set\nlbl: exit", "t.s", 10);
    expect(insns[0].pos).toMatchObject({ file: "t.s", line: 12, col: 3, endCol: 13 });
    expect(insns[1].pos).toMatchObject({ file: "t.s", line: 13, col: 6 });
  });

  it("accepts registers without % and mixed-case mnemonics", () => {
    expect(asm("MOV r1, r2")).toBe(asm("mov %r1, %r2"));
  });
});

describe("assembleUbpf errors carry their location", () => {
  const cases: [string, string][] = [
    ["mov %r0, 0\nfrob %r1, 2", "a.s:2:1: error[E0120]: unknown instruction `frob`"],
    ["mov %r16, 0", "a.s:1:5: error[E0124]: register r16 does not exist (the field holds r0..r15)"],
    ["mov %r1 2", "a.s:1:9: error[E0120]: expected `,` after the destination register, found `2`"],
    [
      "mov %r1, 0x100000000",
      "a.s:1:10: error[E0121]: immediate 4294967296 does not fit in 32 bits",
    ],
    [
      "ldxw %r1, [%r2+40000]",
      "a.s:1:15: error[E0121]: offset 40000 does not fit in a signed 16-bit field",
    ],
    [
      "ldxw %r1, [%r2+4",
      "a.s:1:17: error[E0120]: expected `]` to close the memory operand, found end of line",
    ],
    ["ja nowhere", "a.s:1:4: error[E0122]: undefined label `nowhere`"],
    ["L: exit\nL: exit", "a.s:2:1: error[E0123]: label `L` is defined twice (first at line 1)"],
    ["exit %r0", "a.s:1:6: error[E0120]: unexpected `%r0` after the instruction"],
    [
      "lock frob [%r1], %r2",
      "a.s:1:6: error[E0120]: expected an atomic operation (add, or, and, xor, xchg, cmpxchg) after `lock`",
    ],
    ["stw [%r1], %r2", "a.s:1:12: error[E0120]: expected an immediate, found `%r2`"],
    [
      "lddw %r1, 0x10000000000000000",
      "a.s:1:11: error[E0121]: constant 18446744073709551616 does not fit in 64 bits",
    ],
  ];
  for (const [text, message] of cases) {
    it(message, () => expect(errorOf(() => assembleUbpf(text, "a.s"))).toBe(message));
  }
});

describe("conformance programs", () => {
  const files = listConformanceFiles();
  it.skipIf(files.length === 0)("all 313 .data files assemble", () => {
    if (files.length === 0) console.warn("conformance data not found; set IOCHAIN_SHARED");
    expect(files.length).toBe(313);
    for (const file of files) {
      const insns = conformanceInsns(readConformanceData(file));
      expect(insns.length, file).toBeGreaterThan(0);
    }
  });

  it.skipIf(files.length === 0)("lddw.data: the asm and the raw words agree", () => {
    const data = readConformanceData(files.find((f) => f.endsWith("/lddw.data"))!);
    expect(data.raw).toBeDefined();
    expect(hex(encode(assembleUbpf(data.asm!)))).toBe(hex(encode(conformanceInsns(data))));
  });
});
