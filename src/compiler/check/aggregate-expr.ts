// An aggregate whose argument is an expression (`sum(price * qty)`, `max(r.price)`): over the
// output row's fields and, when it names anything else, over the names in scope at each scan's
// `emit` (the scan variable, its `let`s, the storage function's names). Such an expression is
// checked once per scan, on its own copy (the checker stores bindings and types on the nodes).
import * as A from "../front/ast.js";
import type { CheckContext } from "./context.js";
import { checkInt, coerce, lookupLocal, type ExprEnv, type Scope } from "./expr.js";
import { where } from "./resolve.js";
import type { AggregateInfo, StorageInfo } from "./storage.js";

const sumType = (t: A.IntType): A.IntType => (t.signed ? A.intType("i64") : A.U64);
const aggregateType = (kind: A.AggregateKind, t: A.IntType): A.IntType =>
  kind === "sum" || kind === "avg" ? sumType(t) : t;

/** The output row's fields as locals (each bound, when lowered, to the value just emitted). */
function rowScope(
  ctx: CheckContext,
  info: StorageInfo,
  span: A.Span,
  rowLocals: Map<string, number>,
  parent?: Scope,
): Scope {
  const scope: Scope = { parent, names: new Map() };
  for (const f of info.output!.fields) {
    const id = rowLocals.get(f.name) ?? ctx.nextLocal++;
    rowLocals.set(f.name, id);
    scope.names.set(f.name, {
      binding: { kind: "local", id, name: f.name, mutable: false, span, ty: f.type },
      ty: f.type,
    });
  }
  return scope;
}

/**
 * The aggregate's expression over the row alone when it names only the row's fields (and the
 * module's items); otherwise it is kept unchecked (`perScan`) for each scan's `emit` to check.
 */
export function checkRowExpr(
  ctx: CheckContext,
  info: StorageInfo,
  e: A.Expr,
  kind: A.AggregateKind,
): Pick<AggregateInfo, "expr" | "rowLocals" | "type" | "perScan"> | undefined {
  const rowLocals = new Map<string, number>();
  const scope = rowScope(ctx, info, e.span, rowLocals);
  const outside = firstNameOutsideRow(e, (n) => scope.names.has(n) || info.module.items.has(n));
  // Its type comes from the first scan that checks it; u64 until then.
  if (outside) return { expr: e, rowLocals, type: A.U64, perScan: { scanExprs: new Map() } };
  const env: ExprEnv = { ctx, module: info.module, scope, constOnly: false };
  const t = checkInt(env, e, `the argument of \`${kind}\``, A.U64);
  if (!t || t.kind !== "int") return undefined;
  return { expr: e, rowLocals, type: aggregateType(kind, t) };
}

/**
 * At a scan's `emit`: each aggregate over names beyond the row is checked on a copy in a scope of
 * the row's fields (first) over the scan's names at its `emit` (`scope`).
 */
export function checkAggregatesAtEmit(
  env: ExprEnv,
  info: StorageInfo,
  s: A.ScanStmt,
  scope: Scope,
): void {
  if (!info.output || s.scanIndex === undefined) return;
  for (const a of info.aggregates) {
    if (!a.perScan || !a.expr || !a.rowLocals) continue;
    const row = rowScope(env.ctx, info, a.expr.span, a.rowLocals, scope);
    const outside = firstNameOutsideRow(
      a.expr,
      (n) => lookupLocal(row, n) !== undefined || info.module.items.has(n),
    );
    if (outside) {
      env.ctx.diags.error(
        "E0635",
        `the aggregate \`${a.name}\` names \`${outside.name}\`, which is neither a field of the output row nor in scope at this \`emit\``,
        s.emitSpan,
        `an aggregate's expression may name the output's fields and what is in scope at every scan's \`emit\` (the scan variable, its \`let\`s): bind \`${outside.name}\` in this scan, or emit the value into an output field and aggregate that`,
        [`\`${outside.name}\` is named at ${where(outside.span)}`],
      );
      continue;
    }
    const copy = structuredClone(a.expr);
    const what = `the argument of \`${a.kind}\``;
    const first = a.perScan.valueType;
    const scanEnv: ExprEnv = { ...env, scope: row };
    const t = checkInt(scanEnv, copy, what, first ?? A.U64);
    if (!t || t.kind !== "int") continue;
    if (first) {
      const why = `${what} in the scan at ${where(s.span)}, typed by the first scan`;
      if (!coerce(scanEnv, copy, first, why)) continue;
    } else {
      a.perScan.valueType = t;
      a.type = aggregateType(a.kind, t);
    }
    a.perScan.scanExprs.set(s.scanIndex, copy);
  }
}

/** After the body: an aggregate over a scan's names needs a scan. */
export function checkAggregatesHaveScans(ctx: CheckContext, info: StorageInfo): void {
  if (info.scans.length > 0) return;
  for (const a of info.aggregates) {
    if (!a.perScan || !a.expr) continue;
    const outside = firstNameOutsideRow(
      a.expr,
      (n) => info.output?.fields.some((f) => f.name === n) === true || info.module.items.has(n),
    );
    ctx.diags.error(
      "E0635",
      `\`${outside?.name ?? "?"}\` is not a field of the output row, and no scan binds it`,
      outside?.span ?? a.expr.span,
      "an aggregate's expression may name the output's fields and what is in scope at every scan's `emit`",
    );
  }
}

/** The first plain name in `e` that `known` does not know (a scan's binding, a block read). */
function firstNameOutsideRow(e: A.Expr, known: (name: string) => boolean): A.Ident | undefined {
  switch (e.kind) {
    case "name":
      return e.path.length === 1 && !known(e.path[0].name) ? e.path[0] : undefined;
    case "unary":
    case "cast":
      return firstNameOutsideRow(e.operand, known);
    case "binary":
      return firstNameOutsideRow(e.left, known) ?? firstNameOutsideRow(e.right, known);
    case "field":
      return firstNameOutsideRow(e.object, known);
    case "index":
      return firstNameOutsideRow(e.object, known) ?? firstNameOutsideRow(e.index, known);
    case "call":
      return e.args.reduce<A.Ident | undefined>(
        (f, a) => f ?? firstNameOutsideRow(a, known),
        undefined,
      );
    case "if":
      return (
        firstNameOutsideRow(e.cond, known) ??
        firstNameOutsideRow(e.then, known) ??
        firstNameOutsideRow(e.else, known)
      );
    case "tuple":
      return e.elems.reduce<A.Ident | undefined>(
        (f, a) => f ?? firstNameOutsideRow(a, known),
        undefined,
      );
    default:
      return undefined;
  }
}
