import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assembleLlvm } from "../../../src/bpf/asm/llvm.js";
import { readElfFile } from "../../../src/bpf/elf/reader.js";
import { encode } from "../../../src/bpf/insn.js";
import { BpfError, renderOneLine } from "../../../src/diagnostics.js";
import { run, toolsOrWarn } from "../support/tools.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const asm = (text: string): string => hex(encode(assembleLlvm(text)));
const FIXTURES = path.resolve(__dirname, "../../fixtures/clang");

function errorOf(text: string): string {
  try {
    assembleLlvm(text, "a.s");
  } catch (err) {
    if (err instanceof BpfError) return renderOneLine(err.diagnostic);
    throw err;
  }
  throw new Error("expected a BpfError");
}

describe("assembleLlvm: the syntax llvm-objdump and clang print", () => {
  // Bytes cross-checked with `llvm-mc-19 -triple bpfel -mcpu=v4 -show-encoding`.
  const cases: [string, string][] = [
    ["r0 = 0", "b700000000000000"],
    ["w1 += w2", "0c21000000000000"],
    ["r1 = *(u64 *)(r10 - 8)", "79a1f8ff00000000"],
    ["*(u32 *)(r1 + 4) = w2", "6321040000000000"],
    ["*(u64 *)(r10 - 0x8) = 0x7", "7a0af8ff07000000"],
    ["if r1 > r2 goto +3", "2d21030000000000"],
    ["if w1 s< 5 goto -2 <LBB0_2>", "c601feff05000000"],
    ["if w1 s< -0x5 goto +0x2 <prog+0x2a0>", "c6010200fbffffff"],
    ["goto +1", "0500010000000000"],
    ["gotol +3", "0600000003000000"],
    ["call 1", "8500000001000000"],
    ["call -1", "85100000ffffffff"],
    ["callx r2", "8d02000000000000"],
    ["r0 = 0x1122334455667788 ll", "18000000887766550000000044332211"],
    ["r1 = -0x778899aabbccddef ll", "18010000112233440000000055667788"],
    ["r1 = be16 r1", "dc01000010000000"],
    ["r1 = le64 r1", "d401000040000000"],
    ["r1 = bswap32 r1", "d701000020000000"],
    ["r1 = (s8)r2", "bf21080000000000"],
    ["w1 = (s16)w2", "bc21100000000000"],
    ["r1 = *(s16 *)(r2 + 0)", "8921000000000000"],
    ["w1 = *(u8 *)(r2 + 0x3)", "7121030000000000"],
    ["lock *(u64 *)(r1 + 0) += r2", "db21000000000000"],
    ["lock *(u32 *)(r10 - 0x8) |= w1", "c31af8ff40000000"],
    ["r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)", "db01000001000000"],
    ["w5 = atomic_fetch_xor((u32 *)(r4 + 0x0), w5)", "c3540000a1000000"],
    ["r0 = xchg_64(r1 + 0, r0)", "db010000e1000000"],
    ["w5 = xchg32_32(r4 + 0x0, w5)", "c3540000e1000000"],
    ["r0 = cmpxchg_64(r1 + 0, r0, r2)", "db210000f1000000"],
    ["w0 = cmpxchg32_32(r4 + 0x0, w0, w3)", "c3340000f1000000"],
    ["r1 s/= r2", "3f21010000000000"],
    ["w4 s%= 0x7", "9404010007000000"],
    ["r1 s>>= 3", "c701000003000000"],
    ["r3 = -r3", "8703000000000000"],
    ["w1 = -0x1", "b4010000ffffffff"],
    ["exit", "9500000000000000"],
    ["ld_pseudo\tr1, 0x2, 0x3", "18210000030000000000000000000000"],
    ["r0 = *(u32 *)skb[0x4]", "2000000004000000"],
    ["may_goto +0x3", "e500030000000000"],
  ];
  for (const [text, bytes] of cases) it(text, () => expect(asm(text)).toBe(bytes));

  it("reads llvm-objdump lines with addresses, raw bytes, headers and relocation lines", () => {
    const listing = [
      "",
      "t1.o:\tfile format elf64-bpf",
      "",
      "Disassembly of section syscall:",
      "",
      "0000000000000000 <prog>:",
      "       0:\tb7 00 00 00 00 00 00 00\tr0 = 0x0",
      "       1:\t18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00\tr1 = 0x0 ll",
      "\t\t0000000000000008:  R_BPF_64_64\tcounter",
      "       3:\t05 00 ff ff 00 00 00 00\tgoto -0x1 <prog+0x18>",
      "       4:\tif r0 == 0x0 goto -0x5 <prog>",
      "       5:\t95 00 00 00 00 00 00 00\texit",
    ].join("\n");
    expect(asm(listing)).toBe(
      "b700000000000000" +
        "18010000000000000000000000000000" +
        "0500ffff00000000" +
        "1500fbff00000000" +
        "9500000000000000",
    );
  });

  it("reads kernel verifier log lines", () => {
    const log = [
      "0: R1=ctx() R10=fp0",
      "0: (bf) r6 = r1                       ; R1=ctx() R6_w=ctx()",
      "1: (18) r1 = 0xffff888100000000",
      "3: (7b) *(u64 *)(r10 -8) = r1",
      "4: (61) r0 = *(u32 *)(r6 +4)",
      "5: (85) call bpf_ktime_get_ns#5",
      "6: (85) call pc+2",
      "7: (15) if r0 == 0x0 goto pc+1",
      "8: (db) r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)",
      "9: (db) r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)",
      "10: (c3) w2 = atomic_xchg((u32 *)(r1 +0), w2)",
      "11: (95) exit",
    ].join("\n");
    // The first line has no instruction: only the state note after `;`... it starts with `0:` then
    // register states, which are not an instruction, so the log is fed without it.
    const insns = assembleLlvm(log.split("\n").slice(1).join("\n"));
    expect(insns.map((i) => i.code.toString(16))).toEqual([
      "bf",
      "18",
      "7b",
      "61",
      "85",
      "85",
      "15",
      "db",
      "db",
      "c3",
      "95",
    ]);
    expect(insns[1].imm2).toBe(-0x777f);
    expect(insns[4].imm).toBe(5);
    expect([insns[5].src, insns[5].imm]).toEqual([1, 2]);
    expect(insns[7].imm).toBe(0x01);
    expect(insns[9].imm).toBe(0xe1);
  });

  it("reads the verifier's liveness dump (bpftool -d prog load)", () => {
    const dump = [
      "      0: .......... (b4) w1 = 0",
      "      4: ..2....... (18) r1 = 0xffff8881046d1c00",
      "     12: 0.2....... (db) r2 = atomic64_fetch_add((u64 *)(r0 +0), r2)",
      "     13: 0.2....... (79) r1 = *(u64 *)(r0 +24)",
    ].join("\n");
    expect(asm(dump)).toBe(
      "b401000000000000" +
        "18010000001c6d04000000008188ffff" +
        "db20000001000000" +
        "7901180000000000",
    );
  });

  it("resolves labels, clang-style and llvm-objdump header labels, and local calls by name", () => {
    const text = [
      "f:",
      "  r0 = 0",
      "LBB0_1:",
      "  r0 += 1",
      "  if r0 < 10 goto LBB0_1",
      "  call g",
      "  exit",
      "g:",
      "  exit",
    ].join("\n");
    const insns = assembleLlvm(text);
    expect(insns[2].off).toBe(-2);
    expect([insns[3].src, insns[3].imm]).toEqual([1, 1]);
  });

  it("keeps the position of every instruction", () => {
    const insns = assembleLlvm("\t.text\n# %bb.0:\n\tr0 = 1 # one\n", "x.s");
    expect(insns).toHaveLength(1);
    expect(insns[0].pos).toMatchObject({ file: "x.s", line: 3, col: 2, endCol: 8 });
  });
});

describe("assembleLlvm errors carry their location", () => {
  const cases: [string, string][] = [
    [
      "r0 = 0\nr1 ?= 2",
      "a.s:2:4: error[E0120]: expected an assignment operator (=, +=, ...) after r1, found `?=`",
    ],
    ["frob r1", "a.s:1:1: error[E0120]: expected an instruction, found `frob`"],
    ["w1 += r2", "a.s:1:7: error[E0120]: mixes w and r registers"],
    [
      "r1 = *(u64 *)(r2 + 70000)",
      "a.s:1:18: error[E0121]: offset 70000 does not fit in a signed 16-bit field",
    ],
    ["r1 = 0x100000000", "a.s:1:6: error[E0121]: immediate 4294967296 does not fit in 32 bits"],
    ["w1 = 5 ll", "a.s:1:1: error[E0120]: lddw loads a 64-bit register: write r, not w"],
    [
      "if r1 >> r2 goto +1",
      "a.s:1:7: error[E0120]: expected a comparison (==, !=, <, s<, &, ...), found `>>`",
    ],
    ["if r1 > r2 +1", "a.s:1:12: error[E0120]: expected `goto` after the comparison, found `+1`"],
    ["goto nowhere", "a.s:1:6: error[E0122]: undefined label `nowhere`"],
    [
      "r1 = counter ll",
      "a.s:1:6: error[E0125]: `counter` is a symbol: loading its address needs a relocation, which this assembler does not make",
    ],
    ["r16 = 1", "a.s:1:1: error[E0124]: register r16 does not exist (the field holds 0..15)"],
    [
      "r1 = *(s64 *)(r2 + 0)",
      "a.s:1:7: error[E0120]: there is no sign-extending 64-bit load; use u64",
    ],
    ["r1 = be16 r2", "a.s:1:11: error[E0120]: a byte swap works in place: expected r1"],
    [
      "r1 = atomic_fetch_add((u16 *)(r1 + 0), r1)",
      "a.s:1:23: error[E0120]: atomic operations are 32 or 64 bits wide",
    ],
    [
      "r1 = cmpxchg_64(r2 + 0, r3, r4)",
      "a.s:1:25: error[E0120]: cmpxchg compares with and returns into r0",
    ],
    ["exit r0", "a.s:1:6: error[E0120]: unexpected `r0` after the instruction"],
  ];
  for (const [text, message] of cases) it(message, () => expect(errorOf(text)).toBe(message));
});

describe("clang -S output", () => {
  const ok = toolsOrWarn("clang -S assembly test", "clang-19");
  it.skipIf(!ok)(
    "loops.c compiled to assembly assembles to the bytes clang put in the object",
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), "iochain-llvm-"));
      try {
        const s = path.join(dir, "loops.s");
        run("clang-19", [
          "-target",
          "bpf",
          "-O2",
          "-mcpu=v3",
          "-S",
          "-o",
          s,
          path.join(FIXTURES, "loops.c"),
        ]);
        const fromAsm = encode(assembleLlvm(readFileSync(s, "utf8"), s));
        const fromObj = readElfFile(path.join(FIXTURES, "loops.o")).section("syscall")!.data;
        expect(hex(fromAsm)).toBe(hex(fromObj));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
