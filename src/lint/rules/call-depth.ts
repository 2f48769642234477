// E0704: the verifier allows 8 frames (MAX_CALL_FRAMES), the entry function included.
import { deepestChain, functionsOf } from "../functions.js";
import type { LintRule } from "../rule.js";

const MAX_FRAMES = 8;

export const callDepth: LintRule = {
  code: "E0704",
  name: "call-depth",
  summary: "calls (noinline functions, bpf_loop callbacks) nest at most 8 frames deep",
  check(cx) {
    const { depth } = deepestChain(functionsOf(cx.artifact.insns));
    if (depth <= MAX_FRAMES) return [];
    return [
      {
        severity: "error",
        code: this.code,
        message: `calls nest ${depth} frames deep; the verifier allows ${MAX_FRAMES}`,
        pos: cx.programPos,
        hint: "make some of the nested `noinline fn`s inline (the default)",
      },
    ];
  },
};
