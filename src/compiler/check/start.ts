// The `start` clause: the chain's first read. A constant offset is the artifact's `start`; an
// expression over the parameters (`start (root - 1) * 4096`, `start hash(key) % N * 4096, 512`)
// is computed by the program's start step before any read (docs/abi.md, RESUME_START), checked
// like a `resubmit` then. There is no block yet: the expression may not read one.
import * as A from "../front/ast.js";
import type { CheckContext, FnFacts, ModuleInfo } from "./context.js";
import { checkInt, coerce, type ExprEnv, type Scope } from "./expr.js";

/** The first read when it is computed at run time (absent: a constant start, or none). */
export interface StartExpr {
  offset: A.Expr;
  size?: A.Expr;
  span: A.Span;
  /** User functions the expressions call (added to the storage function's call facts). */
  calls: FnFacts["calls"];
}

/**
 * Checks the first `start` clause with the parameters (only) in `scope`. Returns the constant
 * offset, or the expressions to compute at run time, or undefined after an error.
 */
export function checkStart(
  ctx: CheckContext,
  item: A.StorageItem,
  module: ModuleInfo,
  scope: Scope,
): { constant: bigint } | { computed: StartExpr } | undefined {
  const clause = item.clauses.find((c) => c.kind === "start");
  if (!clause || clause.kind !== "start") return { constant: 0n };
  const d = ctx.diags;
  const errorsBefore = d.count;
  const facts: FnFacts = { item, module, calls: [], readsBlock: undefined, fails: undefined };
  const env: ExprEnv = { ctx, module, scope, constOnly: false, facts };
  if (checkInt(env, clause.value, "the start offset", A.U64))
    coerce(env, clause.value, A.U64, "a file offset");
  if (clause.size && checkInt(env, clause.size, "the first read's size", A.U32))
    coerce(env, clause.size, A.U32, "a read size");
  if (d.count > errorsBefore) return undefined;
  const reads = facts.readsBlock ?? callReadingBlock(ctx, facts);
  if (reads) {
    d.error(
      "E0515",
      "the start offset is computed before the first read: it cannot use the block",
      reads,
      "compute it from the parameters and constants (block reads, `block.offset` and `chain.hop` come with the first block)",
    );
    return undefined;
  }
  const size = clause.size?.constValue;
  if (size !== undefined && (size < 1n || size > BigInt(ctx.blockSize))) {
    d.error(
      "E0514",
      `a read of ${size} bytes does not fit the ${ctx.blockSize}-byte block`,
      clause.size!.span,
      `sizes are 1 ..= ${ctx.blockSize}`,
    );
    return undefined;
  }
  const v = clause.value.constValue;
  if (v === undefined || clause.size)
    return {
      computed: { offset: clause.value, size: clause.size, span: clause.span, calls: facts.calls },
    };
  if (v >= 1n << 63n) {
    d.error("E0515", `the start offset ${v} is out of range: 0 ..= 2^63 - 1`, clause.value.span);
    return undefined;
  }
  if (v % BigInt(ctx.blockSize) !== 0n) {
    d.error(
      "E0515",
      `the start offset ${v} is not a multiple of the block size ${ctx.blockSize}`,
      clause.value.span,
      "reads are aligned to the block size",
    );
    return undefined;
  }
  return { constant: v };
}

/** Where a function the start expression calls (inlined, transitively) reads the block. */
function callReadingBlock(ctx: CheckContext, facts: FnFacts): A.Span | undefined {
  const seen = new Set<A.FnItem>();
  const visit = (calls: FnFacts["calls"]): A.Span | undefined => {
    for (const c of calls) {
      if (seen.has(c.callee)) continue;
      seen.add(c.callee);
      const f = ctx.facts.get(c.callee);
      if (!f) continue;
      const s = f.readsBlock ?? visit(f.calls);
      if (s) return c.span;
    }
    return undefined;
  };
  return visit(facts.calls);
}
