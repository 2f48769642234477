import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assembleLlvm } from "../../src/bpf/asm/llvm.js";
import { assembleUbpf } from "../../src/bpf/asm/ubpf.js";
import {
  conformanceInsns,
  listConformanceFiles,
  readConformanceData,
} from "./support/conformance-data.js";
import { disassemble, disassembleUbpf, formatInsn, formatInsnUbpf } from "../../src/bpf/disasm.js";
import { encode, slotOffsets, type Insn } from "../../src/bpf/insn.js";
import { allValidInsns } from "./support/all-insns.js";
import { run, toolsOrWarn } from "./support/tools.js";

const hex = (insns: Insn[]): string => Buffer.from(encode(insns)).toString("hex");
const I = (code: number, dst = 0, src = 0, off = 0, imm = 0, imm2?: number): Insn => ({
  code,
  dst,
  src,
  off,
  imm,
  ...(imm2 === undefined ? {} : { imm2 }),
});

describe("formatInsn prints what llvm-objdump-19 --mcpu=v4 prints", () => {
  const cases: [Insn, string][] = [
    [I(0xb7, 0, 0, 0, 0), "r0 = 0x0"],
    [I(0x04, 7, 0, 0, -0x76543211), "w7 += -0x76543211"],
    [I(0x79, 1, 6, 8), "r1 = *(u64 *)(r6 + 0x8)"],
    [I(0x7b, 10, 0, -8), "*(u64 *)(r10 - 0x8) = r0"],
    [I(0x62, 1, 0, 4, -0x80000000), "*(u32 *)(r1 + 0x4) = -0x80000000"],
    [I(0x18, 2, 0, 0, 0x55667788, 0x11223344), "r2 = 0x1122334455667788 ll"],
    [I(0x18, 1, 0, 0, 0x44332211, -0x778899ab), "r1 = -0x778899aabbccddef ll"],
    [I(0x18, 1, 1, 0, 3, 0), "ld_pseudo\tr1, 0x1, 0x3"],
    [I(0xc6, 1, 0, 2, -5), "if w1 s< -0x5 goto +0x2"],
    [I(0x06, 0, 0, 0, -2), "gotol -0x2"],
    [I(0x85, 0, 1, 0, -1), "call -0x1"],
    [I(0x85, 0, 1, 0, 6), "call 0x6"],
    [I(0x8d, 2), "callx r2"],
    [I(0xdb, 1, 2, 0, 0xf1), "r0 = cmpxchg_64(r1 + 0x0, r0, r2)"],
    [I(0xc3, 4, 5, 0, 0x51), "w5 = atomic_fetch_and((u32 *)(r4 + 0x0), w5)"],
    [I(0xbf, 2, 1, 32), "r2 = (s32)r1"],
    [I(0x91, 1, 6, 0), "r1 = *(s8 *)(r6 + 0x0)"],
    [I(0xd7, 8, 0, 0, 64), "r8 = bswap64 r8"],
    [I(0x3c, 1, 2, 1), "w1 s/= w2"],
    [I(0x95), "exit"],
    [I(0xff), "<unknown>"],
    [I(0xdb, 1, 2, 0, 0x10), "<unknown>"],
  ];
  for (const [insn, text] of cases) it(text, () => expect(formatInsn(insn)).toBe(text));

  it("names jump targets when given a namer", () => {
    expect(
      formatInsn(I(0x05, 0, 0, 2), 10, {
        targetName: (slot) => `prog+0x${(slot * 8).toString(16)}`,
      }),
    ).toBe("goto +0x2 <prog+0x68>");
  });

  it("lossless mode prints forms that reassemble to the same bytes", () => {
    const lossless = (insn: Insn) => formatInsn(insn, 0, { lossless: true });
    expect(lossless(I(0x85, 0, 1, 0, 6))).toBe("call pc+0x6");
    expect(lossless(I(0x85, 0, 1, 0, -3))).toBe("call pc-0x3");
    expect(lossless(I(0x85, 0, 2, 0, 7))).toBe("call kfunc 0x7");
    expect(lossless(I(0x85, 0, 0, 0, -1))).toBe("call helper -0x1");
    expect(lossless(I(0x18, 1, 2, 0, 3, 8))).toBe("ld_pseudo\tr1, 0x2, 0x3, 0x8");
    expect(lossless(I(0x85, 0, 0, 0, 5))).toBe("call 0x5");
  });

  it("formatInsnUbpf prints the conformance syntax", () => {
    expect(formatInsnUbpf(I(0xc3, 10, 1, -8, 0xa1))).toBe("lock fetch xor32 [%r10-8], %r1");
    expect(formatInsnUbpf(I(0x71, 1, 2, 0))).toBe("ldxb %r1, [%r2]");
    expect(formatInsnUbpf(I(0x1e, 1, 2, -3))).toBe("jeq32 %r1, %r2, -3");
    expect(formatInsnUbpf(I(0x85, 0, 1, 0, 4))).toBe("call local +4");
  });
});

describe("disassemble lays out a listing like llvm-objdump -d", () => {
  const insns = [I(0xb7, 0, 0, 0, 1), I(0x18, 1, 0, 0, 0, 0), I(0x05, 0, 0, -4), I(0x95)];
  it("with raw bytes, symbols and relocations", () => {
    const text = disassemble(insns, {
      symbols: [{ slot: 0, name: "prog" }],
      relocations: [{ offset: 8, type: "R_BPF_64_64", symbol: "counter" }],
    });
    expect(text).toBe(
      [
        "",
        "0000000000000000 <prog>:",
        "       0:\tb7 00 00 00 01 00 00 00\tr0 = 0x1",
        "       1:\t18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00\tr1 = 0x0 ll",
        "\t\t0000000000000008:  R_BPF_64_64\tcounter",
        "       3:\t05 00 fc ff 00 00 00 00\tgoto -0x4 <prog>",
        "       4:\t95 00 00 00 00 00 00 00\texit",
        "",
      ].join("\n"),
    );
  });
  it("without raw bytes or symbols", () => {
    expect(disassemble(insns, { rawInsn: false }).split("\n")[2]).toBe("       3:\tgoto -0x4");
  });
});

/** Instructions whose llvm-objdump text does not determine their bytes (see disasm.ts). */
const ambiguous = (i: Insn) =>
  (i.code === 0x85 && (i.src === 2 || (i.src === 1 && i.imm >= 0) || (i.src === 0 && i.imm < 0))) ||
  (i.code === 0x18 && i.src !== 0 && !!i.imm2);

describe("round trips over every instruction form", () => {
  const insns = allValidInsns();
  it("lossless listing → assembleLlvm gives the same bytes", () => {
    for (const rawInsn of [true, false])
      expect(hex(assembleLlvm(disassemble(insns, { rawInsn, lossless: true })))).toBe(hex(insns));
  });
  it("llvm-objdump-exact listing → assembleLlvm gives the same bytes except the ambiguous forms", () => {
    const plain = insns.filter((i) => !ambiguous(i));
    expect(insns.length - plain.length).toBe(3);
    expect(hex(assembleLlvm(disassemble(plain)))).toBe(hex(plain));
  });
  it("uBPF syntax → assembleUbpf gives the same bytes", () => {
    expect(hex(assembleUbpf(disassembleUbpf(insns)))).toBe(hex(insns));
  });
});

describe("round trips over the conformance programs", () => {
  const files = listConformanceFiles();
  it.skipIf(files.length === 0)(
    "all 313 programs: disassemble → assemble gives identical bytes in both syntaxes",
    () => {
      if (files.length === 0) console.warn("conformance data not found; set IOCHAIN_SHARED");
      const withForwardLocalCalls: string[] = [];
      for (const file of files) {
        const insns = conformanceInsns(readConformanceData(file));
        const bytes = hex(insns);
        expect(hex(assembleLlvm(disassemble(insns, { lossless: true }))), file).toBe(bytes);
        expect(hex(assembleUbpf(disassembleUbpf(insns))), file).toBe(bytes);
        if (insns.some(ambiguous)) withForwardLocalCalls.push(path.basename(file));
        else expect(hex(assembleLlvm(disassemble(insns))), file).toBe(bytes);
      }
      expect(withForwardLocalCalls).toEqual(["call_local.data", "rfc9669_call_local.data"]);
    },
  );
});

describe("against llvm-objdump-19 itself", () => {
  const ok = toolsOrWarn(
    "the llvm-objdump comparison over every instruction form",
    "llvm-mc-19",
    "llvm-objdump-19",
  );
  it.skipIf(!ok)(
    "every valid instruction form prints exactly as llvm-objdump-19 --mcpu=v4 prints it",
    () => {
      const insns = allValidInsns();
      const bytes = encode(insns);
      const dir = mkdtempSync(path.join(tmpdir(), "iochain-disasm-"));
      try {
        const lines = ['.section syscall,"ax"', "prog:"];
        for (let at = 0; at < bytes.length; at += 8)
          lines.push(`.byte ${Array.from(bytes.subarray(at, at + 8)).join(",")}`);
        writeFileSync(path.join(dir, "all.s"), lines.join("\n") + "\n");
        run("llvm-mc-19", ["-triple", "bpfel", "-filetype=obj", "all.s", "-o", "all.o"], dir);
        const theirs = run(
          "llvm-objdump-19",
          ["-d", "--mcpu=v4", "--no-show-raw-insn", "all.o"],
          dir,
        )
          .split("\n")
          .filter((l) => /^\s+\d+:\t/.test(l))
          .map((l) => l.replace(/^\s+\d+:\t/, ""));
        const slots = slotOffsets(insns);
        const name = (slot: number) => (slot === 0 ? "prog" : `prog+0x${(slot * 8).toString(16)}`);
        const ours = insns.map((insn, i) => formatInsn(insn, slots[i], { targetName: name }));
        expect(ours).toEqual(theirs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
