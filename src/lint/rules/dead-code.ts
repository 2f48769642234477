// E0712: statements after `return`, `fail`, `resubmit`, `break` or `continue` (or after an `if`
// whose every branch ends so) never run: usually a misplaced action or a forgotten condition.
import type * as A from "../../compiler/front/ast.js";
import type { Diagnostic } from "../../diagnostics.js";
import { bodiesOf, blocksOf } from "../ast-walk.js";
import type { LintRule } from "../rule.js";

/** Whether control never leaves `s` to the statement after it. */
function ends(s: A.Stmt): boolean {
  switch (s.kind) {
    case "return":
    case "fail":
    case "resubmit":
    case "break":
    case "continue":
      return true;
    case "if":
      return s.else !== undefined && blockEnds(s.then) && blockEnds(s.else);
    case "block":
      return blockEnds(s.block);
    default:
      return false;
  }
}

const blockEnds = (b: A.Block): boolean => b.stmts.some(ends);

const words: Partial<Record<A.Stmt["kind"], string>> = {
  return: "`return`",
  fail: "`fail`",
  resubmit: "`resubmit`",
  break: "`break`",
  continue: "`continue`",
  if: "an `if` whose every branch ends the step",
  block: "a block that ends the step",
};

export const deadCode: LintRule = {
  code: "E0712",
  name: "dead-code",
  summary: "no statement follows `return`, `fail`, `resubmit`, `break` or `continue` in its block",
  check(cx) {
    const out: Diagnostic[] = [];
    const visit = (b: A.Block) => {
      const k = b.stmts.findIndex(ends);
      if (k >= 0 && k + 1 < b.stmts.length) {
        const first = b.stmts[k + 1];
        const last = b.stmts[b.stmts.length - 1];
        out.push({
          severity: "warning",
          code: this.code,
          message: `unreachable: ${b.stmts.length - k - 1 === 1 ? "this statement follows" : `these ${b.stmts.length - k - 1} statements follow`} ${words[b.stmts[k].kind]} (line ${b.stmts[k].span.line}) and never run`,
          pos: { ...first.span, endLine: last.span.endLine, endCol: last.span.endCol },
          hint: "remove them, or move the action after them (or put it under a condition)",
        });
      }
      for (const s of b.stmts) for (const inner of blocksOf(s)) visit(inner);
    };
    for (const body of bodiesOf(cx.checked().main.ast)) body.blocks.forEach(visit);
    return out;
  },
};
