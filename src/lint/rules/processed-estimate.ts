// E0701: the verifier walks every path and gives up after 1,000,000 processed instructions.
// An error when our walk of the paths (the verifier's count as we model it) passes the limit; a
// warning when only the upper estimate (the larger of the walk and the strict walk, every value
// precise, with its safety margin) does — loading decides.
import { PROCESSED_LIMIT, SAFETY_FACTOR } from "../estimate.js";
import { formatCount, type LintRule } from "../rule.js";

export const processedEstimate: LintRule = {
  code: "E0701",
  name: "processed-instructions",
  summary: "the instructions the verifier processes (walked as it walks them) stay under 1,000,000",
  check(cx) {
    const e = cx.estimate();
    if (e.processed <= PROCESSED_LIMIT) return [];
    const hint =
      "lower a loop's `max` to what the format allows, or let a large loop run through bpf_loop (kernel ≥ 5.17)";
    if (e.walked > PROCESSED_LIMIT)
      return [
        {
          severity: "error",
          code: this.code,
          message: `the verifier will process more than ${formatCount(PROCESSED_LIMIT)} instructions (walked ${e.exceeded ? "past " : ""}${formatCount(e.walked)} as it walks them); it gives up there`,
          pos: cx.programPos,
          hint,
        },
      ];
    return [
      {
        severity: "warning",
        code: this.code,
        message: `the verifier may process more than ${formatCount(PROCESSED_LIMIT)} instructions: walked ${formatCount(e.walked)} as it walks them (${e.strictWalked > e.walked ? `${formatCount(e.strictWalked)} with every value precise` : "as many with every value precise"}), up to ${formatCount(e.processed)} with the ${SAFETY_FACTOR}× margin`,
        pos: cx.programPos,
        hint: `loading it tells (\`iochain compile\`, then \`iochain load\` the object as root); or ${hint}`,
      },
    ];
  },
};
