// Calls: builtins (len, min, max, bswapN), inlined functions (the default: parameters bound to
// the argument values — views and arrays included — and `return` jumping to the call's
// continuation), and `noinline` functions as BPF-to-BPF calls (one IR function each).
import { internalError } from "../../diagnostics.js";
import * as A from "../front/ast.js";
import type { FnItem } from "../front/ast.js";
import { FuncBuilder } from "../ir/builder.js";
import { isImm, type Value, type VReg } from "../ir/ir.js";
import { convert, lowerExpr, lowerScalar, scalarTy } from "./expr.js";
import { scalar, type Frame, type LowerContext, type LValue } from "./context.js";
import { lowerStmts } from "./stmt.js";

export function lowerCall(
  cx: LowerContext,
  fr: Frame,
  e: Extract<A.Expr, { kind: "call" }>,
): LValue {
  const b = e.callee.binding;
  if (b?.kind !== "fn") return lowerBuiltin(cx, fr, e);
  const fn = b.item;
  const args = e.args.map((a, i) => {
    const pt = fn.params[i].ty;
    const v = lowerExpr(cx, fr, a);
    if (v.kind === "scalar" && pt && (pt.kind === "int" || pt.kind === "bool"))
      return scalar(convert(cx, v.v, v.ty, pt), pt);
    return v;
  });
  cx.f.at(e.span);
  if (fn.noinline) return callNoinline(cx, fn, args, e.span);
  return inline(cx, fr, fn, args, e.span);
}

function lowerBuiltin(cx: LowerContext, fr: Frame, e: Extract<A.Expr, { kind: "call" }>): LValue {
  const name = e.callee.path[0].name;
  const f = cx.f;
  const t = scalarTy(e);
  if (name === "len") {
    const arr = lowerExpr(cx, fr, e.args[0]);
    if (arr.kind !== "array") throw internalError("lowering: len of a non-array", e.span);
    return scalar(BigInt(arr.length), t);
  }
  if (name === "min" || name === "max") {
    if (t.kind !== "int") throw internalError("lowering: min/max of bool", e.span);
    const a = lowerScalar(cx, fr, e.args[0], t);
    const c = lowerScalar(cx, fr, e.args[1], t);
    if (isImm(a) && isImm(c)) return scalar((name === "min") === a < c ? a : c, t);
    f.at(e.span);
    const r = f.mov(a);
    const take = f.block(`${name}b`);
    const join = f.block(`${name}`);
    const cond = name === "min" ? (t.signed ? "sgt" : "ugt") : t.signed ? "slt" : "ult";
    // r = a; if (a > c) r = c   (min)   /   if (a < c) r = c   (max)
    f.br(cond, r, c, take, join);
    f.setBlock(take);
    f.mov(c, r);
    f.jump(join);
    f.setBlock(join);
    return scalar(r, t);
  }
  const bits = Number(name.slice(5)) as 16 | 32 | 64;
  const v = lowerScalar(cx, fr, e.args[0], t);
  f.at(e.span);
  return scalar(f.unary(`be${bits}` as "be16", isImm(v) ? f.mov(v) : v), t);
}

function inline(cx: LowerContext, caller: Frame, fn: FnItem, args: LValue[], span: A.Span): LValue {
  const f = cx.f;
  const rt = fn.resultTy ?? A.VOID;
  const regs: VReg[] =
    rt.kind === "tuple" ? rt.elems.map(() => f.reg()) : rt.kind === "void" ? [] : [f.reg()];
  const cont = f.block(`ret_${fn.name.name}`);
  const module = cx.program.modules.get(moduleKeyOf(cx, fn))!;
  const frame: Frame = {
    launderResults: !straightLine(fn.body.stmts),
    kind: "inline",
    module,
    locals: new Map(),
    params: args,
    ret: { block: cont, regs, ty: rt },
    loops: [],
    depth: caller.depth + 1,
    callSite: span,
  };
  lowerStmts(cx, frame, fn.body.stmts);
  if (f.isOpen) f.at(fn.body.span).jump(cont);
  f.setBlock(cont).at(span);
  if (rt.kind === "tuple")
    return { kind: "tuple", elems: rt.elems.map((t, i) => scalar(regs[i], t as A.IntType)) };
  if (rt.kind === "void") return { kind: "void" };
  return scalar(regs[0], rt as A.IntType | A.BoolType);
}

/** A body without branches or loops: its one path gives the verifier nothing to merge. */
function straightLine(stmts: A.Stmt[]): boolean {
  return stmts.every(
    (s) =>
      s.kind !== "if" &&
      s.kind !== "for" &&
      s.kind !== "while" &&
      (s.kind !== "block" || straightLine(s.block.stmts)),
  );
}

function moduleKeyOf(cx: LowerContext, fn: FnItem): string {
  for (const [key, m] of cx.program.modules) if (m.ast.items.includes(fn)) return key;
  throw internalError(`lowering: function ${fn.name.name} belongs to no module`, fn.span);
}

/** The IR name of a noinline function (module-qualified so that two modules' `f` differ). */
function irName(cx: LowerContext, fn: FnItem): string {
  const m = cx.program.modules.get(moduleKeyOf(cx, fn))!;
  return m === cx.program.main
    ? fn.name.name
    : `${m.file.replace(/^.*[\\/]/, "").replace(/\.ioc$/, "")}.${fn.name.name}`;
}

function callNoinline(cx: LowerContext, fn: FnItem, args: LValue[], span: A.Span): LValue {
  const name = irName(cx, fn);
  if (!cx.builtNoinline.has(fn)) {
    cx.builtNoinline.add(fn);
    buildNoinline(cx, fn, name);
  }
  const values: Value[] = args.map((a) => {
    if (a.kind !== "scalar")
      throw internalError("lowering: noinline argument is not a scalar", span);
    return a.v;
  });
  const rt = fn.resultTy ?? A.VOID;
  const dst = cx.f.at(span).callLocal(name, values, rt.kind !== "void");
  return dst === undefined ? { kind: "void" } : scalar(dst, rt as A.IntType | A.BoolType);
}

function buildNoinline(cx: LowerContext, fn: FnItem, name: string): void {
  const saved = cx.fn;
  const fb: FuncBuilder = cx.mb.func(name, fn.params.length, fn.span);
  cx.fn = { f: fb, failBlocks: new Map() };
  try {
    const module = cx.program.modules.get(moduleKeyOf(cx, fn))!;
    const params = fn.params.map((p, i) => scalar(fb.params[i], p.ty as A.IntType | A.BoolType));
    const frame: Frame = {
      kind: "noinline",
      module,
      locals: new Map(),
      params,
      loops: [],
      depth: 0,
    };
    lowerStmts(cx, frame, fn.body.stmts);
    if (fb.isOpen) fb.at(fn.body.span).ret(0n);
  } finally {
    cx.fn = saved;
  }
}
