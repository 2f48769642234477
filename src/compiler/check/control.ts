// Control rules checked over the typed program: every path of a function with a result, a stage
// and a storage body ends in an action; no recursion; inlined calls nest at most MAX_INLINE_DEPTH;
// `noinline` functions stay within what a BPF-to-BPF call can do; and nothing with an effect comes
// before a scan in its stage (a stage re-runs from its top after a suspension).
import type * as A from "../front/ast.js";
import type { CheckContext, Diags, FnFacts } from "./context.js";
import { isScalar } from "./types.js";

export const MAX_INLINE_DEPTH = 16;

/** Whether running `stmts` can never fall off their end (every path returns, fails or resubmits). */
export function terminates(stmts: A.Stmt[]): boolean {
  return stmts.some(stmtTerminates);
}

function stmtTerminates(s: A.Stmt): boolean {
  switch (s.kind) {
    case "return":
    case "fail":
    case "resubmit":
      return true;
    case "if":
      return s.else !== undefined && terminates(s.then.stmts) && terminates(s.else.stmts);
    case "block":
      return terminates(s.block.stmts);
    default:
      return false;
  }
}

/** The span of a block's closing brace, where "falls off the end" is reported. */
function closingBrace(b: A.Block): A.Span {
  return {
    file: b.span.file,
    line: b.span.endLine,
    col: Math.max(1, b.span.endCol - 1),
    endLine: b.span.endLine,
    endCol: b.span.endCol,
  };
}

export function checkTermination(diags: Diags, body: A.Block, message: string, hint: string): void {
  if (terminates(body.stmts)) return;
  const path = fallThrough(body);
  diags.error("E0610", message, path.span, hint, [path.note]);
}

/** Where a path that reaches the end of `b` without an action leaves the code, and how. */
function fallThrough(b: A.Block): { span: A.Span; note: string } {
  const last = b.stmts[b.stmts.length - 1];
  if (!last) return { span: closingBrace(b), note: "this block is empty: nothing ends the step" };
  if (last.kind === "block") return fallThrough(last.block);
  if (last.kind === "if") {
    if (!terminates(last.then.stmts)) return fallThrough(last.then);
    if (!last.else)
      return {
        span: last.cond.span,
        note: "when this condition is false, the path goes on past the `if` and ends without an action",
      };
    return fallThrough(last.else);
  }
  return { span: last.span, note: "after this statement, the path ends without an action" };
}

/** Reports recursion (E0602) and too deep nesting of inlined calls (E0623). */
export function checkCallGraph(ctx: CheckContext, roots: (A.FnItem | A.StorageItem)[]): void {
  const state = new Map<A.FnItem | A.StorageItem, "active" | "done">();
  const depth = new Map<A.FnItem | A.StorageItem, number>();
  const stack: A.FnItem[] = [];
  const visit = (fn: A.FnItem | A.StorageItem): number => {
    const facts = ctx.facts.get(fn);
    state.set(fn, "active");
    let deepest = 0;
    for (const call of facts?.calls ?? []) {
      const s = state.get(call.callee);
      if (s === "active") {
        const from = stack.indexOf(call.callee);
        const cycle = [...stack.slice(from), call.callee].map((f) => `\`${f.name.name}\``);
        ctx.diags.error(
          "E0602",
          cycle.length === 2
            ? `\`${call.callee.name.name}\` calls itself`
            : `recursion: ${cycle.join(" → ")}`,
          call.span,
          "storage functions cannot recurse (the verifier needs a bounded program); write a bounded loop",
        );
        continue;
      }
      if (s !== "done") {
        stack.push(call.callee);
        visit(call.callee);
        stack.pop();
      }
      const d = (depth.get(call.callee) ?? 0) + (call.callee.noinline ? 0 : 1);
      if (d > deepest) deepest = d;
    }
    state.set(fn, "done");
    depth.set(fn, deepest);
    return deepest;
  };
  for (const r of roots) {
    if (state.has(r)) continue;
    if (r.kind === "fn") stack.push(r);
    const d = visit(r);
    if (r.kind === "fn") stack.pop();
    if (d > MAX_INLINE_DEPTH) {
      ctx.diags.error(
        "E0623",
        `inlined calls nest ${d} deep from \`${r.name.name}\`; at most ${MAX_INLINE_DEPTH}`,
        r.name.span,
        "mark a helper `noinline`, or flatten the helpers",
      );
    }
  }
}

/** A `noinline` function compiles to a BPF-to-BPF call: ≤ 5 integer parameters, an integer
 * result, and no reads of the block or `fail` (they need the storage function's frame). */
export function checkNoinline(ctx: CheckContext, fn: A.FnItem): void {
  const d = ctx.diags;
  if (fn.params.length > 5) {
    d.error(
      "E0620",
      `the \`noinline\` function \`${fn.name.name}\` has ${fn.params.length} parameters; a BPF-to-BPF call takes at most 5`,
      fn.name.span,
      "pass fewer values, or let it be inlined",
    );
  }
  for (const p of fn.params) {
    if (p.ty && !isScalar(p.ty)) {
      d.error(
        "E0620",
        `a \`noinline\` function takes integers and bools only; \`${p.name.name}\` is not one`,
        p.type.span,
        "views and arrays need inlining: drop `noinline`",
      );
    }
  }
  if (fn.resultTy && fn.resultTy.kind !== "void" && !isScalar(fn.resultTy)) {
    d.error(
      "E0620",
      "a `noinline` function returns one integer or bool",
      fn.result!.span,
      "drop `noinline` to return a tuple",
    );
  }
  const seen = new Set<A.FnItem>();
  const find = (f: A.FnItem, key: "readsBlock" | "fails"): A.Span | undefined => {
    if (seen.has(f)) return undefined;
    seen.add(f);
    const facts = ctx.facts.get(f);
    if (!facts) return undefined;
    if (facts[key]) return facts[key];
    for (const c of facts.calls) {
      if (c.callee.noinline) continue;
      const s = find(c.callee, key);
      if (s) return s;
    }
    return undefined;
  };
  const reads = find(fn, "readsBlock");
  seen.clear();
  const fails = find(fn, "fails");
  if (reads) {
    d.error(
      "E0620",
      `the \`noinline\` function \`${fn.name.name}\` reads the block`,
      reads,
      "a BPF-to-BPF call cannot end the chain when a read is out of bounds; drop `noinline`",
    );
  }
  if (fails) {
    d.error(
      "E0620",
      `the \`noinline\` function \`${fn.name.name}\` can \`fail\``,
      fails,
      "a BPF-to-BPF call cannot end the chain; drop `noinline` or return a status",
    );
  }
}

/**
 * After a suspension the stage re-runs on the same block from its top, so everything before a
 * scan must be free of effects: state assignments and earlier scans (E0632).
 */
export function checkScanEffects(diags: Diags, stmts: A.Stmt[]): void {
  walk(diags, stmts, false);
}

function walk(diags: Diags, stmts: A.Stmt[], dirty: boolean): boolean {
  for (const s of stmts) {
    switch (s.kind) {
      case "assign":
        if (s.target.binding?.kind === "state") dirty = true;
        break;
      case "scan":
        if (dirty) {
          diags.error(
            "E0632",
            "a `scan` must not follow a state assignment or another scan in its stage",
            s.span,
            "after a suspension the stage re-runs from its top: move the assignment after the scan, or into another stage",
          );
        }
        dirty = true;
        break;
      case "if": {
        const a = walk(diags, s.then.stmts, dirty);
        const b = s.else ? walk(diags, s.else.stmts, dirty) : dirty;
        dirty =
          (terminates(s.then.stmts) ? false : a) ||
          (s.else && terminates(s.else.stmts) ? false : b);
        break;
      }
      case "for":
      case "while":
        dirty = walk(diags, s.body.stmts, dirty) || dirty;
        break;
      case "block":
        dirty = walk(diags, s.block.stmts, dirty);
        break;
      default:
        break;
    }
  }
  return dirty;
}

export type { FnFacts };
