// E0713: a condition, filter or `until` that always holds or never does — decided by constant
// folding, or by the range of its operands' types (`x < 0` on an unsigned `x`, a `u8` compared
// with 300). One branch is dead, a filter passes every row or none: a mistake or a leftover.
import type * as A from "../../compiler/front/ast.js";
import type { Diagnostic } from "../../diagnostics.js";
import { bodiesOf, childrenOf, exprsOf, forEachExpr, forEachStmt } from "../ast-walk.js";
import type { LintRule } from "../rule.js";
import { type Range, bindingRanges, valueRange } from "../value-range.js";

type Leaf = (e: A.Expr) => Range | undefined;

/** true/false when `e` (a bool) always has that value, with why; undefined when it varies. */
export function decide(e: A.Expr, leaf?: Leaf): { value: boolean; why: string } | undefined {
  if (e.ty?.kind !== "bool") return undefined;
  if (e.constValue !== undefined)
    return { value: e.constValue !== 0n, why: "its value is a constant" };
  if (e.kind === "unary" && e.op === "!") {
    const d = decide(e.operand, leaf);
    return d && { value: !d.value, why: d.why };
  }
  if (e.kind === "binary" && (e.op === "&&" || e.op === "||")) {
    const a = decide(e.left, leaf);
    const b = decide(e.right, leaf);
    const absorbing = e.op === "||";
    if (a?.value === absorbing) return a;
    if (b?.value === absorbing) return b;
    return a && b ? { value: a.value, why: a.why } : undefined;
  }
  if (e.kind !== "binary" || !["<", "<=", ">", ">=", "==", "!="].includes(e.op)) return undefined;
  const a = valueRange(e.left, leaf);
  const b = valueRange(e.right, leaf);
  if (!a || !b) return undefined;
  const why = `\`${e.left.ty?.kind === "int" ? describe(e.left) : "the left side"}\` is within ${a.lo}..=${a.hi} and \`${describe(e.right)}\` within ${b.lo}..=${b.hi}`;
  const lt = a.hi < b.lo ? true : a.lo >= b.hi ? false : undefined;
  const le = a.hi <= b.lo ? true : a.lo > b.hi ? false : undefined;
  const gt = b.hi < a.lo ? true : b.lo >= a.hi ? false : undefined;
  const ge = b.hi <= a.lo ? true : b.lo > a.hi ? false : undefined;
  const disjoint = a.hi < b.lo || b.hi < a.lo;
  const same = a.lo === a.hi && b.lo === b.hi && a.lo === b.lo;
  const eq = disjoint ? false : same ? true : undefined;
  const value = {
    "<": lt,
    "<=": le,
    ">": gt,
    ">=": ge,
    "==": eq,
    "!=": eq === undefined ? undefined : !eq,
  }[e.op as "<"];
  return value === undefined ? undefined : { value, why };
}

/** A short name for an operand in the message. */
function describe(e: A.Expr): string {
  if (e.constValue !== undefined) return String(e.constValue);
  if (e.kind === "name") return e.path.map((p) => p.name).join("::");
  if (e.kind === "field") return `${describe(e.object)}.${e.field.name}`;
  if (e.kind === "cast" && e.ty?.kind === "int") return `… as ${e.ty.name}`;
  return "the expression";
}

/** A bare `true`/`false` says what it means (`while true max 8`): not reported. */
const literal = (e: A.Expr) => e.kind === "bool";

export const constantCondition: LintRule = {
  code: "E0713",
  name: "constant-condition",
  summary: "no condition, filter or `until` is always true or always false",
  check(cx) {
    const out: Diagnostic[] = [];
    const ranges = bindingRanges();
    const report = (e: A.Expr, what: string) => {
      if (literal(e)) return;
      const d = decide(e, ranges.leaf);
      if (!d) {
        // `a && b`: a part that is decided is reported on its own.
        if (e.kind === "binary" && (e.op === "&&" || e.op === "||"))
          for (const part of childrenOf(e))
            report(part, what.startsWith("this part") ? what : `this part of ${what}`);
        return;
      }
      out.push({
        severity: "warning",
        code: this.code,
        message: `${what} is always ${d.value}: ${d.why}`,
        pos: e.span,
        hint: d.value
          ? "drop the test, or compare what was meant"
          : "remove the code it guards, or compare what was meant",
      });
    };
    for (const body of bodiesOf(cx.checked().main.ast))
      for (const block of body.blocks)
        forEachStmt(block, (s) => {
          ranges.bind(s);
          if (s.kind === "if") report(s.cond, "the condition");
          if (s.kind === "while") report(s.cond, "the loop condition");
          if (s.kind === "scan") {
            if (s.until) report(s.until, "the `until` condition");
            for (const f of s.filters) report(f, "the filter");
          }
          for (const e of exprsOf(s))
            forEachExpr(e, (x) => {
              if (x.kind === "if") report(x.cond, "the condition");
            });
        });
    return out;
  },
};
