// Statements → IR: bindings, assignments (locals in vregs, state in scratch), if/else, bounded
// loops (a loop that would exceed its `max` fails the chain with `loop_limit`, in a form the
// verifier sees as bounded), break/continue, and `return` inside functions. Storage actions and
// scans are in actions.ts and scan.ts.
import * as A from "../front/ast.js";
import { isImm, isReg, type Block, type Value, type VReg } from "../ir/ir.js";
import { lowerFail, lowerResubmit, lowerStorageReturn } from "./actions.js";
import {
  arith,
  convert,
  loadScratch,
  lowerCond,
  lowerExpr,
  lowerScalar,
  storeScratch,
} from "./expr.js";
import { scalar, type Frame, type LowerContext, type LValue } from "./context.js";
import { callbackPlan, lowerLoopAsCallback } from "./loop-callback.js";
import { lowerScan } from "./scan.js";
import { evalGenericConst, foldBinary, isGenericConst } from "../check/consts.js";
import { MAX_LOOP_ITERATIONS } from "../check/stmt.js";
import { internalError, IochainError } from "../../diagnostics.js";

export const LOOP_LIMIT_ERROR = "loop_limit";

export function lowerStmts(cx: LowerContext, fr: Frame, stmts: A.Stmt[]): void {
  for (const s of stmts) {
    if (!cx.f.isOpen) return; // the rest is unreachable (after return, fail, resubmit, break)
    lowerStmt(cx, fr, s);
  }
}

function lowerStmt(cx: LowerContext, fr: Frame, s: A.Stmt): void {
  const f = cx.f;
  f.at(s.span);
  switch (s.kind) {
    case "let":
      return lowerLet(cx, fr, s);
    case "assign":
      return lowerAssign(cx, fr, s);
    case "if": {
      const then = f.block("then");
      const join = f.block("endif");
      const els = s.else ? f.block("else") : join;
      lowerCond(cx, fr, s.cond, then, els);
      f.setBlock(then);
      lowerStmts(cx, fr, s.then.stmts);
      if (f.isOpen) f.jump(join);
      if (s.else) {
        f.setBlock(els);
        lowerStmts(cx, fr, s.else.stmts);
        if (f.isOpen) f.jump(join);
      }
      f.setBlock(join);
      return;
    }
    case "for":
      return lowerFor(cx, fr, s);
    case "while":
      return lowerWhile(cx, fr, s);
    case "break":
    case "continue": {
      const loop = fr.loops[fr.loops.length - 1];
      if (!loop) throw internalError(`lowering: ${s.kind} outside a loop`, s.span);
      f.jump(s.kind === "break" ? loop.brk : loop.cont);
      return;
    }
    case "return":
      return lowerReturn(cx, fr, s);
    case "fail":
      return lowerFail(cx, fr, s);
    case "resubmit":
      return lowerResubmit(cx, fr, s);
    case "scan":
      return lowerScan(cx, fr, s);
    case "expr":
      lowerExpr(cx, fr, s.expr);
      return;
    case "block":
      return lowerStmts(cx, fr, s.block.stmts);
  }
}

/** A fresh vreg holding `v` (a binding must not change when the vreg it came from does). */
function copy(cx: LowerContext, v: LValue): LValue {
  if (v.kind === "scalar") return scalar(cx.f.mov(v.v), v.ty);
  if (v.kind === "tuple") return { kind: "tuple", elems: v.elems.map((e) => copy(cx, e)) };
  return v;
}

function lowerLet(cx: LowerContext, fr: Frame, s: Extract<A.Stmt, { kind: "let" }>): void {
  let v = lowerExpr(cx, fr, s.init);
  const locals = s.locals ?? [];
  if (s.pattern.kind === "tuple") {
    if (v.kind !== "tuple") throw internalError("lowering: tuple pattern on a non-tuple", s.span);
    v.elems.forEach((el, i) => {
      const b = locals[i];
      if (b) fr.locals.set(b.id, copy(cx, el));
    });
    return;
  }
  const b = locals[0];
  if (!b) return;
  if (v.kind === "scalar" && (b.ty?.kind === "int" || b.ty?.kind === "bool")) {
    v = scalar(convert(cx, v.v, v.ty, b.ty), b.ty);
  }
  fr.locals.set(b.id, copy(cx, v));
}

function lowerAssign(cx: LowerContext, fr: Frame, s: Extract<A.Stmt, { kind: "assign" }>): void {
  const f = cx.f;
  const b = s.target.binding;
  const t = s.target.ty;
  if (t?.kind !== "int" && t?.kind !== "bool")
    throw internalError("lowering: assignment to a non-scalar", s.span);
  const shift = s.op === "<<=" || s.op === ">>=";
  const value = shift ? lowerScalar(cx, fr, s.value) : lowerScalar(cx, fr, s.value, t);
  f.at(s.span);
  const combine = (old: Value): Value => {
    if (s.op === "=") return value;
    if (t.kind !== "int") throw internalError("lowering: compound assignment to a bool", s.span);
    return arith(cx, s.op.slice(0, -1) as A.BinaryOp, old, value, t);
  };
  if (b?.kind === "local") {
    const cur = fr.locals.get(b.id);
    if (!cur || cur.kind !== "scalar" || !isReg(cur.v))
      throw internalError(`lowering: \`${b.name}\` is not a variable`, s.span);
    f.mov(combine(cur.v), cur.v);
    return;
  }
  if (b?.kind === "state") {
    const off = cx.scratch.state.get(b.decl)!;
    const next = s.op === "=" ? value : combine(loadScratch(cx, off, t));
    storeScratch(cx, off, t, next);
    return;
  }
  throw internalError("lowering: assignment target", s.span);
}

/**
 * The iteration limit of a loop: from the checker, or, when it computes with `len()` of a
 * `[T; _]` parameter (`max len(keys) / 2 + 1`, `0 .. len(keys) - 1`), folded at this call.
 */
function limitOf(
  cx: LowerContext,
  fr: Frame,
  s: { limit?: bigint; max?: A.Expr; start?: A.Expr; end?: A.Expr },
): bigint | undefined {
  if (s.limit !== undefined) return s.limit;
  if (s.max) return inRange(fr, atThisCall(cx, fr, s.max), s.max, "a loop's `max`");
  if (s.start && s.end && knownAtCall(s.start) && knownAtCall(s.end)) {
    const a = atThisCall(cx, fr, s.start);
    const b = atThisCall(cx, fr, s.end);
    return b > a ? inRange(fr, b - a, s.end, "this loop's range") : 1n;
  }
  return undefined;
}

const knownAtCall = (e: A.Expr): boolean => e.constValue !== undefined || isGenericConst(e);

/** A constant over `len()` of the arrays this inlined call passed (E0502 if it overflows). */
function atThisCall(cx: LowerContext, fr: Frame, e: A.Expr): bigint {
  if (!knownAtCall(e)) throw internalError("lowering: a loop bound that is not a constant", e.span);
  const r = evalGenericConst(e, (array) => {
    const v = lowerExpr(cx, fr, array);
    if (v.kind !== "array") throw internalError("lowering: len of a non-array", array.span);
    return v.length;
  });
  if ("error" in r) throw atCall(fr, "E0502", r.error, e.span);
  return r.value;
}

function inRange(fr: Frame, n: bigint, e: A.Expr, what: string): bigint {
  const most = BigInt(MAX_LOOP_ITERATIONS);
  if (n < 1n || n > most)
    throw atCall(
      fr,
      "E0516",
      `${what} is ${n} for the arrays of this call, outside 1 ..= ${most}`,
      e.span,
      "the bound is computed from len() of the arrays passed in; keep it at least 1 for every array the function is called with",
    );
  return n;
}

/** An error in an inlined body that depends on the call: it names the call. */
function atCall(fr: Frame, code: string, message: string, pos: A.Span, hint?: string) {
  const err = new IochainError(code, message, pos, hint);
  if (fr.callSite) {
    const c = fr.callSite;
    err.diagnostic.notes = [`in the call at ${c.file}:${c.line}:${c.col}`];
  }
  return err;
}

/** Where a loop that exceeds its max goes: the `loop_limit` failure (noinline callees just stop). */
function limitExit(cx: LowerContext, fr: Frame, exit: Block): Block {
  return fr.kind === "noinline" ? exit : cx.failBlock(cx.errorCode(LOOP_LIMIT_ERROR));
}

function lowerFor(cx: LowerContext, fr: Frame, s: Extract<A.Stmt, { kind: "for" }>): void {
  const f = cx.f;
  const ty = s.varTy;
  if (!ty) throw internalError("lowering: for loop without a type", s.span);
  const start = lowerScalar(cx, fr, s.start, ty);
  const endV = lowerScalar(cx, fr, s.end, ty);
  f.at(s.span);
  const end = isImm(endV) ? endV : f.mov(endV);
  const limit = limitOf(cx, fr, s);
  // Needed unless both ends are constants (then the range itself bounds the loop).
  const checked = !(isImm(start) && isImm(end)) && limit !== undefined;
  const iterations = checked ? limit : isImm(start) && isImm(end) ? end - start : undefined;
  const plan = callbackPlan(cx, fr, s.body, iterations);
  if (plan && lowerLoopAsCallback(cx, fr, { kind: "for", s, start, end, ty, checked }, limit, plan))
    return;
  const i = f.mov(start);
  // With a constant start the variable itself counts the iterations; otherwise a counter does.
  const counter: VReg | undefined = checked && !isImm(start) ? f.mov(0n) : undefined;
  const head = f.block("for");
  const body = f.block("body");
  const latch = f.block("next");
  const exit = f.block("endfor");
  f.jump(head);
  f.setBlock(head);
  const limitBlock = checked ? f.block("limit") : undefined;
  f.br(ty.signed ? "sge" : "uge", i, end, exit, limitBlock ?? body);
  if (limitBlock) {
    f.setBlock(limitBlock);
    if (counter !== undefined) f.br("uge", counter, limit!, limitExit(cx, fr, exit), body);
    else {
      const bound = foldBinary("+", start as bigint, limit!, ty);
      if ("error" in bound)
        f.jump(body); // start + limit is past the type: the type bounds the loop
      else f.br(ty.signed ? "sge" : "uge", i, bound.value, limitExit(cx, fr, exit), body);
    }
  }
  f.setBlock(body);
  if (s.local) fr.locals.set(s.local.id, scalar(i, ty));
  fr.loops.push({ brk: exit, cont: latch });
  lowerStmts(cx, fr, s.body.stmts);
  fr.loops.pop();
  if (f.isOpen) f.jump(latch);
  f.setBlock(latch).at(s.span);
  launderCarried(cx, fr, s.body);
  f.mov(arith(cx, "+", i, 1n, ty), i);
  if (counter !== undefined) f.alu("add", counter, 1n, 64, counter);
  f.jump(head);
  f.setBlock(exit);
}

function lowerWhile(cx: LowerContext, fr: Frame, s: Extract<A.Stmt, { kind: "while" }>): void {
  const f = cx.f;
  const limit = limitOf(cx, fr, s);
  const plan = callbackPlan(cx, fr, s.body, limit ?? 1n);
  if (plan && lowerLoopAsCallback(cx, fr, { kind: "while", s }, limit, plan)) return;
  const counter = f.mov(0n);
  const head = f.block("while");
  const check = f.block("limit");
  const body = f.block("body");
  const latch = f.block("next");
  const exit = f.block("endwhile");
  f.jump(head);
  f.setBlock(head);
  lowerCond(cx, fr, s.cond, check, exit);
  f.setBlock(check).at(s.span);
  f.br("uge", counter, limit ?? 1n, limitExit(cx, fr, exit), body);
  f.setBlock(body);
  fr.loops.push({ brk: exit, cont: latch });
  lowerStmts(cx, fr, s.body.stmts);
  fr.loops.pop();
  if (f.isOpen) f.jump(latch);
  f.setBlock(latch).at(s.span);
  launderCarried(cx, fr, s.body);
  f.alu("add", counter, 1n, 64, counter);
  f.jump(head);
  f.setBlock(exit);
}

/**
 * At a loop's back edge, the `var`s the body assigns that live across iterations lose what the
 * verifier knew about them (LowerContext.launder): iterations then reach the loop head in equal
 * states whatever path they took. The loop's own counter is never laundered: it bounds the loop.
 */
function launderCarried(cx: LowerContext, fr: Frame, body: A.Block): void {
  const declaredInside = new Set<number>();
  const assigned = new Set<number>();
  const walk = (stmts: A.Stmt[]): void => {
    for (const s of stmts) {
      if (s.kind === "let") for (const b of s.locals ?? []) if (b) declaredInside.add(b.id);
      if (s.kind === "assign" && s.target.binding?.kind === "local")
        assigned.add(s.target.binding.id);
      if (s.kind === "if") {
        walk(s.then.stmts);
        if (s.else) walk(s.else.stmts);
      }
      if (s.kind === "for" || s.kind === "while") walk(s.body.stmts);
      if (s.kind === "block") walk(s.block.stmts);
    }
  };
  walk(body.stmts);
  for (const id of assigned) {
    if (declaredInside.has(id)) continue;
    const v = fr.locals.get(id);
    if (v?.kind === "scalar" && isReg(v.v)) cx.launder(v.v);
  }
}

function lowerReturn(cx: LowerContext, fr: Frame, s: Extract<A.Stmt, { kind: "return" }>): void {
  const f = cx.f;
  if (fr.kind === "storage") return lowerStorageReturn(cx, fr, s);
  if (fr.kind === "noinline") {
    const v = s.value ? lowerExpr(cx, fr, s.value) : undefined;
    f.at(s.span).ret(v?.kind === "scalar" ? v.v : 0n);
    return;
  }
  const ret = fr.ret!;
  if (s.value) {
    const v = lowerExpr(cx, fr, s.value);
    f.at(s.span);
    const put = (val: LValue, reg: VReg, t: A.Type): void => {
      if (val.kind !== "scalar") throw internalError(`lowering: returning ${val.kind}`, s.span);
      f.mov(t.kind === "int" || t.kind === "bool" ? convert(cx, val.v, val.ty, t) : val.v, reg);
    };
    if (ret.ty.kind === "tuple") {
      if (v.kind !== "tuple") throw internalError("lowering: tuple result", s.span);
      const elems = ret.ty.elems;
      v.elems.forEach((el, i) => put(el, ret.regs[i], elems[i]));
    } else {
      put(v, ret.regs[0], ret.ty);
    }
    // Every return of a branching function enters the continuation in the same verifier state.
    if (fr.launderResults) for (const r of ret.regs) cx.launder(r);
  }
  f.jump(ret.block);
}
