// E0710: a state variable, parameter or local binding (`let`, `var`, a loop or scan variable, a
// scan's `let`) that nothing reads is a mistake or dead weight (state costs scratch and a store
// per chain). Found over the checked tree: each name use is resolved to its declaration, so a
// shadowed name or one in a comment or string counts for nothing.
import type * as A from "../../compiler/front/ast.js";
import type { Diagnostic } from "../../diagnostics.js";
import { bodiesOf, exprsOf, forEachExpr, forEachStmt } from "../ast-walk.js";
import type { LintRule } from "../rule.js";

interface Declared {
  kind: string;
  name: A.Ident;
  key: unknown;
}

/** The identity a use resolves to (what `declared` keys by). */
function keyOf(b: A.Binding | undefined): unknown {
  if (!b) return undefined;
  if (b.kind === "local") return `local:${b.id}`;
  if (b.kind === "state") return b.decl;
  if (b.kind === "param") return b.fn.params[b.index];
  return undefined;
}

export const unusedNames: LintRule = {
  code: "E0710",
  name: "unused-names",
  summary: "every state variable, parameter and local binding is read somewhere",
  check(cx) {
    const { main, storage } = cx.checked();
    const declared: Declared[] = [];
    const used = new Set<unknown>();
    const local = (kind: string, name: A.Ident, b: A.LocalBinding | null | undefined) => {
      if (b) declared.push({ kind, name, key: `local:${b.id}` });
    };
    const read = (e: A.Expr) =>
      forEachExpr(e, (x) => {
        if (x.kind === "name") used.add(keyOf(x.binding));
      });

    for (const d of storage.item.decls) {
      if (d.kind === "state") {
        declared.push({ kind: "state", name: d.name, key: d });
        if (d.init) read(d.init);
      }
    }
    // An aggregate over a scan's names (`max(r.price)`) reads them at each scan's `emit`.
    for (const a of storage.aggregates)
      for (const e of a.perScan?.scanExprs.values() ?? []) read(e);
    for (const c of storage.item.clauses) {
      if (c.kind === "start") {
        read(c.value);
        if (c.size) read(c.size);
      } else if (c.kind !== "reads") read(c.value);
    }
    for (const body of bodiesOf(main.ast)) {
      for (const p of body.owner.params) declared.push({ kind: "parameter", name: p.name, key: p });
      for (const block of body.blocks)
        forEachStmt(block, (s) => {
          for (const e of exprsOf(s)) read(e);
          if (s.kind === "assign") {
            // `x += 1` reads x; `x = 1` does not. State is kept across blocks: any mention counts.
            if (s.op !== "=" || s.target.binding?.kind === "state")
              used.add(keyOf(s.target.binding));
          } else if (s.kind === "let") {
            const names = s.pattern.kind === "name" ? [s.pattern.name] : s.pattern.names;
            names.forEach((n, k) => local(s.mutable ? "variable" : "binding", n, s.locals?.[k]));
          } else if (s.kind === "for") local("loop variable", s.var, s.local);
          else if (s.kind === "scan") {
            local("scan variable", s.var, s.local);
            s.lets.forEach((l, k) => local("scan binding", l.name, s.letLocals?.[k]));
          }
        });
    }
    const out: Diagnostic[] = [];
    for (const d of declared) {
      if (d.name.name === "_" || d.name.name.startsWith("_") || used.has(d.key)) continue;
      out.push({
        severity: "warning",
        code: this.code,
        message: `${d.kind} \`${d.name.name}\` is never ${d.kind === "variable" ? "read" : "used"}`,
        pos: d.name.span,
        hint: `remove it, or name it \`_${d.name.name}\``,
      });
    }
    return out;
  },
};
