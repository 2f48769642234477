// E0703: 512 bytes of stack per frame, and 512 in total along the deepest chain of calls.
import { deepestChain, frameBytes, functionsOf } from "../functions.js";
import type { LintRule } from "../rule.js";

const MAX_STACK = 512;

export const stackSize: LintRule = {
  code: "E0703",
  name: "stack-size",
  summary:
    "each function's stack is at most 512 bytes, and so is the sum along the deepest call chain",
  check(cx) {
    const fns = functionsOf(cx.artifact.insns);
    const out = fns
      .filter((f) => f.stack > MAX_STACK)
      .map((f) => ({
        severity: "error" as const,
        code: this.code,
        message: `the function at instruction ${f.entry} uses ${f.stack} bytes of stack; a frame has at most ${MAX_STACK}`,
        pos: cx.artifact.insns[f.entry]?.pos ?? cx.programPos,
        hint: "keep fewer values alive at once, or pass arrays as views into the block instead of copies",
      }));
    const chain = deepestChain(fns);
    if (out.length === 0 && chain.stack > MAX_STACK)
      out.push({
        severity: "error",
        code: this.code,
        message: `the deepest chain of calls uses ${chain.stack} bytes of stack (frames rounded to 32); the kernel allows ${MAX_STACK} in total (frame sizes ${fns.map(frameBytes).join(", ")})`,
        pos: cx.programPos,
        hint: "inline a `noinline fn`, or call fewer functions from inside a bpf_loop callback",
      });
    return out;
  },
};
