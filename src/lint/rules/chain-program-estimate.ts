// E0720: kernel chains run a second program, the chain program (compiler/targets/kernel-chain.ts:
// its own loop over the batch's chains, the step called inside it as a subprogram), and the
// verifier walks that one too. A step program that loads can still have a chain program the
// verifier gives up on — the step's own bpf_loop nested in the chain's — and then `iochain run`
// runs the chains per step. A warning, whichever tier: the program itself still loads and runs.
// Walked only for a step that calls bpf_loop: that nesting is what multiplies the walk; without it
// the chain program's count is the step's plus its own few hundred (bptree: 1,333 against 570).
import { DEFAULT_BATCH } from "../../abi/chain.js";
import { HelperId } from "../../abi/helpers.js";
import { Class, Jmp, classOf, opOf } from "../../bpf/opcodes.js";
import { buildChainProgram, hasChainMaps } from "../../compiler/targets/kernel-chain.js";
import { PROCESSED_LIMIT, estimateProcessed } from "../estimate.js";
import { formatCount, type LintRule } from "../rule.js";

export const chainProgramEstimate: LintRule = {
  code: "E0720",
  name: "chain-program-instructions",
  summary:
    "the kernel-chain program (linux objects) stays under the verifier's 1,000,000 processed instructions",
  check(cx) {
    if (cx.options.target !== "linux" || !hasChainMaps(cx.artifact)) return [];
    const callsLoop = cx.artifact.insns.some(
      (i) =>
        classOf(i.code) === Class.JMP &&
        opOf(i.code) === Jmp.CALL &&
        i.src === 0 &&
        i.imm === HelperId.LOOP,
    );
    if (!callsLoop) return [];
    const step = cx.estimate();
    // The chain program holds the step: past the limit already, E0701 has said it.
    if (step.walked > PROCESSED_LIMIT) return [];
    const e = estimateProcessed(buildChainProgram(cx.artifact, DEFAULT_BATCH).insns, cx.artifact);
    if (e.processed <= PROCESSED_LIMIT) return [];
    const how =
      e.walked > PROCESSED_LIMIT
        ? `will process more than ${formatCount(PROCESSED_LIMIT)} instructions (walked ${e.exceeded ? "past " : ""}${formatCount(e.walked)})`
        : `may process more than ${formatCount(PROCESSED_LIMIT)} instructions (walked ${formatCount(e.walked)}, up to ${formatCount(e.processed)} with every value precise and the margin)`;
    return [
      {
        severity: "warning",
        code: this.code,
        message: `kernel chains: the verifier ${how} in the chain program, which runs the step inside its loop over the batch; \`iochain run\` then runs the chains per step`,
        pos: cx.programPos,
        hint: "a loop that runs through bpf_loop inside the step (kernel ≥ 5.17) is walked again inside the chain program's: a smaller `max`, or a plain loop, keeps both under the limit",
      },
    ];
  },
};
