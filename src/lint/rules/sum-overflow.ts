// E0714: `sum` and `avg` are exact — the total is kept in 128 bits, which fewer than 2^64 rows
// cannot overflow (docs/language.md, Scans) — but each row's value is computed in its own type
// first: `sum(price * qty)` over u64 fields, or an emitted field `total: price * qty`, wraps
// modulo 2^64 per row before it is added, and the exact total of wrapped values is wrong.
import type * as A from "../../compiler/front/ast.js";
import type { Diagnostic } from "../../diagnostics.js";
import type { LintRule } from "../rule.js";
import { mayWrap, typeRange } from "../value-range.js";

/** The source text of a one-line span (else an ellipsis). */
const sourceText = (source: string, span: A.Span): string =>
  span.line === span.endLine
    ? (source.split("\n")[span.line - 1] ?? "").slice(span.col - 1, span.endCol - 1)
    : "…";

const typeOf = (e: A.Expr) => (e.ty?.kind === "int" ? e.ty.name : "its type");

export const sumOverflow: LintRule = {
  code: "E0714",
  name: "sum-overflow",
  summary: "the values a `sum` or `avg` adds are computed without wrapping in their type",
  check(cx) {
    const { storage } = cx.checked();
    const out: Diagnostic[] = [];
    const report = (agg: string, where: A.Expr, wraps: A.Expr, via?: string) => {
      const t = wraps.ty?.kind === "int" ? typeRange(wraps.ty) : undefined;
      out.push({
        severity: "warning",
        code: this.code,
        message: `\`${agg}\` adds values that can wrap: this \`${wraps.kind === "binary" ? wraps.op : ""}\` ${via ?? ""}can leave ${typeOf(wraps)}${t ? ` (${t.lo}..=${t.hi})` : ""} and wraps before the exact 128-bit sum sees it`,
        pos: wraps.span ?? where.span,
        hint: "widen the operands first (`a as u64 * b as u64` over u32 fields), or keep the factors apart and aggregate them separately",
      });
    };
    for (const agg of storage.aggregates) {
      if (agg.kind !== "sum" && agg.kind !== "avg") continue;
      const arg = agg.field ?? (agg.expr ? sourceText(cx.source, agg.expr.span) : "…");
      const name = `${agg.name}: ${agg.kind}(${arg})`;
      if (agg.expr) {
        // Over a scan's names: each scan checked its own copy (same spans); report the first.
        const exprs = agg.perScan ? [...agg.perScan.scanExprs.values()] : [agg.expr];
        for (const e of exprs) {
          const w = mayWrap(e);
          if (w) {
            report(name, e, w);
            break;
          }
        }
        continue;
      }
      // sum(field): the rows' field values are whatever each `emit` computed.
      for (const scan of storage.scans)
        for (const e of scan.emit) {
          if (e.name.name !== agg.field) continue;
          const w = mayWrap(e.value);
          if (w) report(name, e.value, w, `(emitted as \`${agg.field}\`) `);
        }
    }
    return out;
  },
};
