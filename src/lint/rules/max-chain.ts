// E0707: max_chain bounds a chain's blocks; a bound far above what any format needs lets a corrupt
// (cyclic) file keep a chain running for that many reads.
import type { LintRule } from "../rule.js";

/** Beyond this many blocks a chain is a scan of the file, which says so with a large max_chain. */
const REASONABLE = 4096;

export const maxChain: LintRule = {
  code: "E0707",
  name: "max-chain",
  summary: "max_chain is declared, and not far above what a lookup needs unless the program scans",
  check(cx) {
    const { maxChain: n, output } = cx.artifact;
    if (n <= REASONABLE || output) return [];
    return [
      {
        severity: "warning",
        code: this.code,
        message: `max_chain ${n}: a corrupt file with a cycle keeps this chain reading ${n} blocks before it fails`,
        pos: cx.programPos,
        hint: "declare the longest chain the format allows (a B-tree's depth, a list's length)",
      },
    ];
  },
};
