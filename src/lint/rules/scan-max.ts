// E0715: a scan's `max` bounds the records it reads per block; when the block can hold far more
// (the arrays the scan indexes, or block size / record stride), a full block ends the chain with
// `loop_limit` — the format allows what the program refuses.
import type * as A from "../../compiler/front/ast.js";
import type { Diagnostic } from "../../diagnostics.js";
import { bodiesOf, exprsOf, forEachExpr, forEachStmt } from "../ast-walk.js";
import type { LintRule } from "../rule.js";

/** "Far below": the block holds at least this many times `max`. */
const FACTOR = 2n;

const isVar = (e: A.Expr, scan: A.ScanStmt) =>
  e.kind === "name" && e.binding?.kind === "local" && e.binding.id === scan.local?.id;

/** How many records the block holds by the scan's own reads, with what says so. */
function capacityOf(scan: A.ScanStmt, blockSize: number): { n: bigint; by: string } | undefined {
  let best: { n: bigint; by: string } | undefined;
  const offer = (n: bigint, by: string) => {
    if (n > 0n && (!best || n < best.n)) best = { n, by };
  };
  for (const e of exprsOf(scan))
    forEachExpr(e, (x) => {
      // arr[i] with arr of a known length.
      if (x.kind === "index" && isVar(x.index, scan) && x.object.ty?.kind === "array") {
        const len = x.object.ty.length;
        if (typeof len === "number") offer(BigInt(len), `the array it indexes holds ${len}`);
      }
      // T at (... i * K ...): records K bytes apart.
      if (x.kind === "at")
        forEachExpr(x.offset, (o) => {
          if (o.kind !== "binary" || o.op !== "*") return;
          const k = isVar(o.left, scan)
            ? o.right.constValue
            : isVar(o.right, scan)
              ? o.left.constValue
              : undefined;
          if (k !== undefined && k > 0n)
            offer(
              BigInt(blockSize) / k,
              `records ${k} bytes apart fill the ${blockSize}-byte block ${BigInt(blockSize) / k} times`,
            );
        });
    });
  return best;
}

export const scanMax: LintRule = {
  code: "E0715",
  name: "scan-max",
  summary: "a scan's `max` is not far below the records a block can hold",
  check(cx) {
    const out: Diagnostic[] = [];
    const blockSize = cx.artifact.blockSize;
    for (const body of bodiesOf(cx.checked().main.ast))
      for (const block of body.blocks)
        forEachStmt(block, (s) => {
          if (s.kind !== "scan" || !s.max || s.end.constValue !== undefined) return;
          const limit = s.max.constValue;
          const cap = capacityOf(s, blockSize);
          if (limit === undefined || !cap || limit * FACTOR > cap.n) return;
          out.push({
            severity: "warning",
            code: this.code,
            message: `the scan reads at most ${limit} records per block, but ${cap.by}: a fuller block ends the chain with \`loop_limit\``,
            pos: s.max.span,
            hint: `raise \`max\` to what the format allows (${cap.n})`,
          });
        });
    return out;
  },
};
