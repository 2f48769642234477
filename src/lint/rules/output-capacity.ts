// E0717: when one block can emit more rows than the output holds, the chain suspends inside the
// block and user space must take the rows and resume it (the continuation, docs/language.md,
// Scans) — a round trip each time, and on XRP the end of the in-kernel chain. Rows that fit the
// capacity need none.
import type * as A from "../../compiler/front/ast.js";
import { forEachStmt } from "../ast-walk.js";
import type { LintRule } from "../rule.js";

/** The most rows one run of `block` can emit: its scans' iteration limits added up. */
function rowsPerBlock(block: A.Block): bigint {
  let n = 0n;
  forEachStmt(block, (s) => {
    if (s.kind === "scan") n += s.limit ?? 0n;
  });
  return n;
}

export const outputCapacity: LintRule = {
  code: "E0717",
  name: "output-capacity",
  summary: "the rows one block can emit fit the output's capacity (else every such block suspends)",
  check(cx) {
    const { storage } = cx.checked();
    const output = storage.output;
    if (!output || storage.scans.length === 0) return [];
    const bodies =
      storage.stages.length > 0 ? storage.stages.map((s) => s.body) : [storage.item.body];
    const worst = bodies
      .map((b) => ({ b, rows: rowsPerBlock(b) }))
      .reduce((a, c) => (c.rows > a.rows ? c : a));
    if (worst.rows <= BigInt(output.capacity)) return [];
    const decl = storage.item.decls.find((d) => d.kind === "output");
    const runs = (worst.rows + BigInt(output.capacity) - 1n) / BigInt(output.capacity);
    return [
      {
        severity: "warning",
        code: this.code,
        message: `one block can emit ${worst.rows} rows but the output holds ${output.capacity}: such a block suspends the chain up to ${runs - 1n} time(s), each a return to user space${cx.options.target === "xrp" ? " (on XRP: the in-kernel chain ends and user space re-issues the read)" : ""}`,
        pos:
          decl?.kind === "output" && decl.capacity
            ? decl.capacity.span
            : (decl?.span ?? cx.programPos),
        hint: `declare \`capacity ${worst.rows}\` if the scratch can hold it, or keep the suspensions (every row still arrives once, in order)`,
      },
    ];
  },
};
