// The worst-case processed-instruction estimate (lint rule E0701): the program walked as the
// kernel's verifier walks it (verifier-walk.ts), twice. The model walk is our figure for the
// verifier's own count (within a few percent of it on most of the corpus; checked against the
// kernel in test/lint/kernel-judges.test.ts and test/lint/estimate.test.ts). Where precision is
// ignored (6.17+ compares every scalar in a loop still being walked) it falls short (bpf_loop
// callbacks with loops of their own: 26 times), so a strict walk compares every scalar — a bound on
// what pruning can cut — and the estimate adds a margin to the larger of the two (docs/lint.md).
import type { ProgramArtifact } from "../abi/artifact.js";
import type { Insn } from "../bpf/insn.js";
import { walk } from "./verifier-walk.js";

/** The kernel gives up after this many processed instructions. */
export const PROCESSED_LIMIT = 1_000_000;

/**
 * The walks follow the verifier closely but not exactly (they keep some states apart that the
 * verifier merges, and the other way round); the upper estimate is the larger walk times this.
 * Over the corpus of test/lint/kernel-judges.test.ts the verifier counted at most 1.22 times it.
 */
export const SAFETY_FACTOR = 1.25;

export interface Estimate {
  /** The upper estimate: the larger of the two walks × SAFETY_FACTOR. */
  processed: number;
  /** The instructions our walk processed: our model of the verifier's own count. */
  walked: number;
  /**
   * The same walk with every scalar compared as if precise, and comparisons of two unknowns
   * narrowing both: 6.17+ compares every scalar by its bounds against a kept state inside a loop
   * whose walk is not finished (is_state_visited: incomplete_read_marks, RANGE_WITHIN), which our
   * model walk does not follow (bpf_loop callbacks with loops of their own: 26 times its count).
   * Precision only stops pruning, so this bounds the verifier's count. Capped near the limit.
   */
  strictWalked: number;
  /** The walk stopped early (past the budget): the real count is at least about this high. */
  exceeded: boolean;
  /** Deepest frame nesting reached (1 = the entry function alone). */
  maxDepth: number;
}

/**
 * Walks `insns` (the artifact's, or any program in our calling convention) and counts the
 * instructions the verifier would process, twice: as we model it, and with every scalar precise
 * (the bound); stops each once it passes `budget`.
 */
export function estimateProcessed(
  insns: readonly Insn[],
  artifact?: ProgramArtifact,
  budget = PROCESSED_LIMIT,
): Estimate {
  const model = walk(insns, artifact, budget, false);
  // Past the limit over the margin, the estimate is over the limit anyway: no need to walk on.
  const bound = walk(insns, artifact, Math.ceil(budget / SAFETY_FACTOR) + 1, true);
  return {
    processed: Math.ceil(Math.max(model.processed, bound.processed) * SAFETY_FACTOR),
    walked: model.processed,
    strictWalked: bound.processed,
    exceeded: model.exceeded,
    maxDepth: model.maxDepth,
  };
}
