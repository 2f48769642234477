// The processed-instruction walk (src/lint/estimate.ts) on small hand-made programs, next to the
// verifier's own count where bpf() is permitted, and E0701's two tiers (error, grey-zone warning).
import { describe, expect, it } from "vitest";
import { assembleLlvm } from "../../src/bpf/asm/llvm.js";
import { type Insn, slotOffsets } from "../../src/bpf/insn.js";
import { LD_IMM64, PseudoLd } from "../../src/bpf/opcodes.js";
import { compile } from "../../src/compiler/pipeline.js";
import { PROCESSED_LIMIT, SAFETY_FACTOR, estimateProcessed } from "../../src/lint/estimate.js";
import { processedEstimate } from "../../src/lint/rules/processed-estimate.js";
import { loadProgram } from "../../src/runtime/linux/program.js";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";

const counted = (n: number) => `r1 = 0\nL: r1 += 1\nif r1 < ${n} goto L\nr0 = 0\nexit`;

/** Two paths that differ only in r7 (0 or 1), then a loop; r7 returned, or decided on. */
const joined = (tail: string) =>
  `call 7\nr6 = r0\nr7 = 0\nif r6 > 5 goto A\nr7 = 1\nA: r1 = 0\nL: r1 += 1\nif r1 < 50 goto L\n${tail}`;

const PROGRAMS: Record<string, { text: string; walk: number; strict: number }> = {
  // Each iteration is a new state (the counter decides the branch: precise): 2 per iteration.
  "a counted loop": { text: counted(100), walk: 203, strict: 203 },
  // r7 is imprecise: the second path is cut where the loop starts, as the verifier cuts it.
  "paths that differ in an imprecise value": {
    text: joined("r0 = r7\nexit"),
    walk: 111,
    strict: 211,
  },
  // r6 > 0 not taken leaves r6 one value, 0: a constant to the verifier, so r7 < r6 is decided
  // (never) though both are unknowns.
  "an unknown its bounds pin to one value": {
    text: "call 7\nr6 = r0\nif r6 > 0 goto E\ncall 7\nr7 = r0\nr7 &= 3\nif r7 < r6 goto A\nr0 = 0\nexit\nA: r0 = 1\nexit\nE: r0 = 0\nexit",
    walk: 11,
    strict: 11,
  },
  // r7 decides a branch after the loop: precise, so the second path walks the loop again.
  "paths that differ in a precise value": {
    text: joined("r0 = 0\nif r7 == 0 goto B\nr0 = 1\nB: exit"),
    walk: 214,
    strict: 214,
  },
};

/**
 * bpf_loop(10, callback, &slot, 0) with the slot at r10-8 zeroed, then the callback's text (which
 * gets the slot's address in r2); `r2 = 0 ll` becomes the callback's address.
 */
function withCallback(callback: string): Insn[] {
  const main = assembleLlvm(
    "r9 = 0\n*(u64 *)(r10 - 8) = r9\nr1 = 10\nr2 = 0 ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\nr0 = 0\nexit",
  );
  const insns = [...main, ...assembleLlvm(callback)];
  const slots = slotOffsets(insns);
  const at = insns.findIndex((i) => i.code === LD_IMM64);
  insns[at] = { ...insns[at], src: PseudoLd.FUNC, imm: slots[main.length] - slots[at] - 1 };
  return insns;
}

const CALLBACKS: Record<string, { text: string; walk: number }> = {
  // The passes converge at once: the callback changes nothing the caller keeps.
  "a callback with a loop of its own": {
    text: "r6 = 0\nL: r6 += 1\nif r6 < 10 goto L\nr0 = 0\nexit",
    walk: 34,
  },
  // The slot is 1, then 2: an imprecise scalar that changed, widened to an unknown at the call
  // (widen_imprecise_scalars), after which a pass brings nothing new.
  "a callback counting in the caller's frame": {
    text: "r1 = *(u64 *)(r2 + 0)\nr1 += 1\n*(u64 *)(r2 + 0) = r1\nr0 = 0\nexit",
    walk: 24,
  },
  "a callback counting in a loop of its own": {
    text:
      "r7 = r2\nr6 = 0\nL: r1 = *(u64 *)(r7 + 0)\nr1 += 1\n*(u64 *)(r7 + 0) = r1\n" +
      "r6 += 1\nif r6 < 10 goto L\nr0 = 0\nexit",
    walk: 122,
  },
};

function compareWithVerifier(insns: Insn[], walk: number) {
  if (noBpf) return console.warn(`not compared with the verifier: ${noBpf}`);
  const prog = loadProgram(insns, { name: "estimate_test" });
  try {
    expect(prog.info().verifiedInsns).toBe(walk);
  } finally {
    prog.close();
  }
}

describe("the processed-instruction walk", () => {
  for (const [name, p] of Object.entries(CALLBACKS))
    it(`${name}: walked as the verifier walks it`, () => {
      const insns = withCallback(p.text);
      expect(estimateProcessed(insns).walked).toBe(p.walk);
      compareWithVerifier(insns, p.walk);
    });

  for (const [name, p] of Object.entries(PROGRAMS))
    it(`${name}: walked as the verifier walks it`, () => {
      const insns = assembleLlvm(p.text);
      const e = estimateProcessed(insns);
      expect(e.walked).toBe(p.walk);
      // The strict walk (every scalar precise) keeps the two paths apart even where r7 is
      // imprecise: never below the model walk, and the estimate is the larger one with the margin.
      expect(e.strictWalked).toBe(p.strict);
      expect(e.processed).toBe(Math.ceil(Math.max(p.walk, p.strict) * SAFETY_FACTOR));
      compareWithVerifier(insns, p.walk);
    });
});

describe("E0701", () => {
  const check = (text: string) => {
    const insns = assembleLlvm(text);
    const source = "storage fn f(key: u64) -> u64 block 512 {\n    return key;\n}";
    return processedEstimate.check({
      file: "t.ioc",
      source,
      artifact: { ...compile(source, "t.ioc"), insns },
      options: { target: "linux" },
      programPos: { file: "t.ioc", line: 1, col: 1 },
      estimate: () => estimateProcessed(insns),
    });
  };

  it("is an error when the walk itself passes the limit", () => {
    const found = check(counted(600_000));
    expect(found.map((d) => d.severity)).toEqual(["error"]);
    expect(found[0].message).toMatch(/will process more than 1,000,000/);
  });

  it("is a warning when only the estimate (the walk with its margin) passes it", () => {
    // 2 × 450,000 walked: under 1,000,000, but not by the margin.
    expect(2 * 450_000 * SAFETY_FACTOR).toBeGreaterThan(PROCESSED_LIMIT);
    const found = check(counted(450_000));
    expect(found.map((d) => d.severity)).toEqual(["warning"]);
    expect(found[0].message).toMatch(/may process more than 1,000,000 .*walked 900,003/);
  });

  it("says nothing well under the limit", () => {
    expect(check(counted(1000))).toEqual([]);
  });
});
