// The processed-instruction walk (src/lint/estimate.ts) on small hand-made programs, next to the
// verifier's own count where bpf() is permitted, and E0701's two tiers (error, grey-zone warning).
import { describe, expect, it } from "vitest";
import { assembleLlvm } from "../../src/bpf/asm/llvm.js";
import { compile } from "../../src/compiler/pipeline.js";
import { PROCESSED_LIMIT, SAFETY_FACTOR, estimateProcessed } from "../../src/lint/estimate.js";
import { processedEstimate } from "../../src/lint/rules/processed-estimate.js";
import { loadProgram } from "../../src/runtime/linux/program.js";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";

const counted = (n: number) => `r1 = 0\nL: r1 += 1\nif r1 < ${n} goto L\nr0 = 0\nexit`;

/** Two paths that differ only in r7 (0 or 1), then a loop; r7 returned, or decided on. */
const joined = (tail: string) =>
  `call 7\nr6 = r0\nr7 = 0\nif r6 > 5 goto A\nr7 = 1\nA: r1 = 0\nL: r1 += 1\nif r1 < 50 goto L\n${tail}`;

const PROGRAMS: Record<string, { text: string; walk: number }> = {
  // Each iteration is a new state (the counter decides the branch: precise): 2 per iteration.
  "a counted loop": { text: counted(100), walk: 203 },
  // r7 is imprecise: the second path is cut where the loop starts, as the verifier cuts it.
  "paths that differ in an imprecise value": { text: joined("r0 = r7\nexit"), walk: 111 },
  // r7 decides a branch after the loop: precise, so the second path walks the loop again.
  "paths that differ in a precise value": {
    text: joined("r0 = 0\nif r7 == 0 goto B\nr0 = 1\nB: exit"),
    walk: 214,
  },
};

describe("the processed-instruction walk", () => {
  for (const [name, p] of Object.entries(PROGRAMS))
    it(`${name}: walked as the verifier walks it`, () => {
      const insns = assembleLlvm(p.text);
      const e = estimateProcessed(insns);
      expect(e.walked).toBe(p.walk);
      expect(e.processed).toBe(Math.ceil(p.walk * SAFETY_FACTOR));
      if (noBpf) return console.warn(`not compared with the verifier: ${noBpf}`);
      const prog = loadProgram(insns);
      try {
        expect(prog.info().verifiedInsns).toBe(p.walk);
      } finally {
        prog.close();
      }
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
