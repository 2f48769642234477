// E0702: unprivileged loaders accept at most 4,096 instructions; nobody more than 1,000,000.
import { slotOffsets } from "../../bpf/insn.js";
import type { LintRule } from "../rule.js";

const UNPRIVILEGED = 4096;
const ABSOLUTE = 1_000_000;

export const insnCount: LintRule = {
  code: "E0702",
  name: "instruction-count",
  summary: "the program has at most 4,096 instructions (unprivileged) and at most 1,000,000",
  check(cx) {
    const n = slotOffsets(cx.artifact.insns).at(-1)!;
    if (n <= UNPRIVILEGED) return [];
    return [
      {
        severity: n > ABSOLUTE ? "error" : "warning",
        code: this.code,
        message: `the program has ${n} instructions: more than the ${n > ABSOLUTE ? ABSOLUTE : UNPRIVILEGED} ${n > ABSOLUTE ? "any loader accepts" : "an unprivileged loader accepts (CAP_BPF lifts it)"}`,
        pos: cx.programPos,
        hint: "move a large body into a `noinline fn`, or lower the constant bounds of unrolled loops",
      },
    ];
  },
};
