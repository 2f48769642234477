// E0701: the verifier walks every path and gives up after 1,000,000 processed instructions.
import { PROCESSED_LIMIT } from "../estimate.js";
import type { LintRule } from "../rule.js";

export const processedEstimate: LintRule = {
  code: "E0701",
  name: "processed-instructions",
  summary:
    "the worst-case estimate of the instructions the verifier processes stays under 1,000,000",
  check(cx) {
    const e = cx.estimate();
    if (e.processed <= PROCESSED_LIMIT) return [];
    return [
      {
        severity: "error",
        code: this.code,
        message: `the verifier may process ${e.exceeded ? "more than " : ""}${e.processed.toLocaleString("en-US")} instructions (estimate); it gives up after ${PROCESSED_LIMIT.toLocaleString("en-US")}`,
        pos: cx.programPos,
        hint: "lower a loop's `max` to what the format allows, or let a large loop run through bpf_loop (kernel ≥ 5.17)",
      },
    ];
  },
};
