// E0706: --unsafe-* options take out what lets the verifier accept the program.
import type { LintRule } from "../rule.js";

export const unsafeOptions: LintRule = {
  code: "E0706",
  name: "unsafe-options",
  summary: "no --unsafe-* option is in effect",
  check(cx) {
    if (!cx.options.unsafeNoBoundsChecks) return [];
    return [
      {
        severity: "error",
        code: this.code,
        message:
          "--unsafe-no-bounds-checks leaves the block reads unchecked: the verifier rejects such a program",
        pos: cx.programPos,
        hint: "drop --unsafe-no-bounds-checks; it is for looking at what the verifier says, not for shipping",
      },
    ];
  },
};
