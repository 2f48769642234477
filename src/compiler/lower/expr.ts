// Expressions → IR. Every integer lives in a 64-bit vreg in canonical form: unsigned types
// zero-extended, signed types sign-extended, bools 0/1. Implicit widening is then free; results of
// arithmetic that can leave the type's range are normalized (ALU32 for 32-bit types, zext/sext
// for 8/16-bit). Conditions lower straight to branches (short-circuit && and ||).
import { internalError } from "../../diagnostics.js";
import * as A from "../front/ast.js";
import { at } from "../ir/builder.js";
import { isImm, type AluOp, type Block, type Cond, type Value, type VReg } from "../ir/ir.js";
import { lowerBlockBuiltin, lowerIndex, lowerRead, loadScalar } from "./block-reads.js";
import { lowerCall } from "./call.js";
import { scalar, type Frame, type LowerContext, type LValue } from "./context.js";
import { commonInt, wrap } from "../check/types.js";

type ScalarTy = A.IntType | A.BoolType;

export function constOf(e: A.Expr): bigint | undefined {
  if (e.constValue === undefined) return undefined;
  const t = e.ty;
  return t?.kind === "int" ? wrap(e.constValue, t) : e.constValue;
}

/** The scalar type an expression's value has (untyped constants that met no type: u64). */
export function scalarTy(e: A.Expr): ScalarTy {
  const t = e.ty;
  if (t?.kind === "int" || t?.kind === "bool") return t;
  return A.U64;
}

export function lowerExpr(cx: LowerContext, fr: Frame, e: A.Expr): LValue {
  const c = constOf(e);
  if (
    c !== undefined &&
    (e.ty?.kind === "int" || e.ty?.kind === "bool" || e.ty?.kind === "untyped")
  ) {
    return scalar(c, scalarTy(e));
  }
  cx.f.at(e.span);
  switch (e.kind) {
    case "int":
      return scalar(e.value, scalarTy(e));
    case "bool":
      return scalar(e.value ? 1n : 0n, A.BOOL);
    case "name":
      return lowerName(cx, fr, e);
    case "unary":
      return scalar(lowerUnary(cx, fr, e), scalarTy(e));
    case "binary":
      return scalar(lowerBinary(cx, fr, e), scalarTy(e));
    case "cast": {
      const from = scalarTy(e.operand);
      const v = lowerScalar(cx, fr, e.operand);
      return scalar(convert(cx, v, from, scalarTy(e)), scalarTy(e));
    }
    case "call":
      return lowerCall(cx, fr, e);
    case "field":
      return lowerField(cx, fr, e);
    case "index":
      return lowerIndex(cx, fr, e);
    case "at":
      return lowerRead(cx, fr, e);
    case "tuple":
      return { kind: "tuple", elems: e.elems.map((el) => lowerExpr(cx, fr, el)) };
    case "sizeof":
      return scalar(e.constValue ?? 0n, A.U64);
    case "if":
      return lowerIfExpr(cx, fr, e);
  }
}

/** `if c { a } else { b }`: both arms write one register, read where they meet. */
function lowerIfExpr(cx: LowerContext, fr: Frame, e: Extract<A.Expr, { kind: "if" }>): LValue {
  const f = cx.f;
  const t = scalarTy(e);
  const dst = f.reg();
  const arms = [f.block("ifx_then"), f.block("ifx_else")];
  const join = f.block("ifx_join");
  lowerCond(cx, fr, e.cond, arms[0], arms[1]);
  [e.then, e.else].forEach((arm, k) => {
    f.setBlock(arms[k]);
    const v = lowerScalar(cx, fr, arm, t);
    if (!f.isOpen) return; // the arm ended the chain (a `fail` in an inlined call)
    f.mov(v, dst);
    f.jump(join);
  });
  f.setBlock(join);
  return scalar(dst, t);
}

/** Lowers an expression that is a scalar; converts it to `to` when given. */
export function lowerScalar(cx: LowerContext, fr: Frame, e: A.Expr, to?: ScalarTy): Value {
  const v = lowerExpr(cx, fr, e);
  if (v.kind !== "scalar")
    throw internalError(`lowering: expected a scalar, got ${v.kind}`, e.span);
  return to ? convert(cx, v.v, v.ty, to) : v.v;
}

function lowerName(cx: LowerContext, fr: Frame, e: A.NameExpr): LValue {
  const b = e.binding;
  switch (b?.kind) {
    case "local": {
      const v = fr.locals.get(b.id);
      if (!v) throw internalError(`lowering: local \`${b.name}\` has no value`, e.span);
      return v;
    }
    case "param": {
      const v = fr.params[b.index];
      if (!v) throw internalError(`lowering: parameter \`${b.name}\` has no value`, e.span);
      return v;
    }
    case "state": {
      const t = b.decl.ty as ScalarTy;
      const off = cx.scratch.state.get(b.decl)!;
      return scalar(loadScratch(cx, off, t), t);
    }
    case "const":
      return scalar(b.item.constValue ?? 0n, scalarTy(e));
    default:
      throw internalError(
        `lowering: name \`${e.path.map((p) => p.name).join("::")}\` is not a value`,
        e.span,
      );
  }
}

const widthOf = (t: ScalarTy): 1 | 2 | 4 | 8 =>
  t.kind === "bool" ? 1 : ((t.bits / 8) as 1 | 2 | 4 | 8);

export function loadScratch(cx: LowerContext, off: number, t: ScalarTy): VReg {
  const signed = t.kind === "int" && t.signed && t.bits < 64;
  return cx.f.load(widthOf(t), at.map(1, off), signed);
}

export function storeScratch(cx: LowerContext, off: number, t: ScalarTy, v: Value): void {
  cx.f.store(widthOf(t), at.map(1, off), v);
}

function lowerField(cx: LowerContext, fr: Frame, e: Extract<A.Expr, { kind: "field" }>): LValue {
  if (e.object.kind === "name" && e.object.binding?.kind === "builtin") {
    return lowerBlockBuiltin(cx, e.object.binding.name, e.field.name, e.span);
  }
  const obj = lowerExpr(cx, fr, e.object);
  if (obj.kind === "array" && obj.elem.kind === "layout") {
    // A projection: the same elements, each seen at the field's offset inside it.
    const field = obj.elem.layout.fields.find((x) => x.name === e.field.name);
    if (!field) throw internalError(`lowering: no field ${e.field.name}`, e.span);
    return {
      kind: "array",
      elem: field.type,
      length: obj.length,
      at: { ptr: obj.at.ptr, off: obj.at.off + field.offset },
      stride: obj.stride ?? obj.elem.size,
    };
  }
  if (obj.kind !== "view") throw internalError(`lowering: field of ${obj.kind}`, e.span);
  const field = obj.layout.fields.find((f) => f.name === e.field.name);
  if (!field) throw internalError(`lowering: no field ${e.field.name}`, e.span);
  const ref = { ptr: obj.at.ptr, off: obj.at.off + field.offset };
  cx.f.at(e.span);
  switch (field.type.kind) {
    case "scalar":
      return scalar(loadScalar(cx, field.type, ref), field.type.type);
    case "array":
      return { kind: "array", elem: field.type.elem, length: field.type.length, at: ref };
    case "layout":
      return { kind: "view", layout: field.type.layout, at: ref };
  }
}

/** Brings a canonical value of type `from` into canonical form of type `to`. */
export function convert(cx: LowerContext, v: Value, from: ScalarTy, to: ScalarTy): Value {
  if (isImm(v)) {
    if (to.kind === "bool") return v !== 0n ? 1n : 0n;
    return wrap(v, to);
  }
  if (to.kind === "bool" || from.kind === "bool") return v;
  if (to.bits === 64) return v;
  if (!from.signed && from.bits < to.bits) return v;
  if (from.signed && to.signed && from.bits <= to.bits) return v;
  if (from.name === to.name) return v;
  return normalize(cx, v, to);
}

/** Canonical form of the low bits of `v` for type `t`. */
export function normalize(cx: LowerContext, v: VReg, t: A.IntType): VReg {
  if (t.bits === 64) return v;
  const op = `${t.signed ? "sext" : "zext"}${t.bits}` as "sext8";
  return cx.f.unary(op, v);
}

function lowerUnary(cx: LowerContext, fr: Frame, e: Extract<A.Expr, { kind: "unary" }>): Value {
  const f = cx.f;
  const t = scalarTy(e);
  const v = lowerScalar(cx, fr, e.operand, t);
  f.at(e.span);
  if (e.op === "!") return f.alu("xor", v, 1n);
  if (t.kind !== "int") throw internalError(`lowering: ${e.op} on bool`, e.span);
  if (e.op === "-") {
    const r = t.bits === 32 ? f.unary("neg32", v) : f.unary("neg", v);
    return t.bits === 64 || (t.bits === 32 && !t.signed) ? r : normalize(cx, r, t);
  }
  const r = f.alu("xor", v, -1n);
  return t.signed ? r : normalize(cx, r, t);
}

const ALU: Partial<Record<A.BinaryOp, AluOp>> = {
  "+": "add",
  "-": "sub",
  "*": "mul",
  "&": "and",
  "|": "or",
  "^": "xor",
  "<<": "shl",
};

/** `a OP b` for integers of type t (both canonical); the result canonical. */
export function arith(cx: LowerContext, op: A.BinaryOp, a: Value, b: Value, t: A.IntType): Value {
  const f = cx.f;
  if (op === "/" || op === "%") {
    const alu: AluOp = op === "/" ? (t.signed ? "sdiv" : "udiv") : t.signed ? "smod" : "umod";
    const r = f.alu(alu, a, b, t.bits === 32 && !t.signed ? 32 : 64);
    return t.signed && t.bits < 64 ? normalize(cx, r, t) : r;
  }
  if (op === ">>") {
    // u32 uses ALU32 (the count is taken mod 32 by the machine); other narrow types shift the
    // canonical 64-bit value, so their run-time count is masked to the width here.
    const alu32 = t.bits === 32 && !t.signed;
    const count = isImm(b)
      ? b % BigInt(t.bits)
      : t.bits < 64 && !alu32
        ? f.alu("and", b, BigInt(t.bits - 1))
        : b;
    return f.alu(t.signed ? "ashr" : "lshr", a, count, alu32 ? 32 : 64);
  }
  const alu = ALU[op];
  if (!alu) throw internalError(`lowering: operator ${op}`, f.position);
  if (alu === "and" || alu === "or" || alu === "xor") return f.alu(alu, a, b);
  let count = b;
  if (alu === "shl") {
    if (isImm(b)) count = b % BigInt(t.bits);
    else if (t.bits < 32) count = f.alu("and", b, BigInt(t.bits - 1));
  }
  if (t.bits === 32) {
    const r = f.alu(alu, a, count, 32);
    return t.signed ? normalize(cx, r, t) : r;
  }
  const r = f.alu(alu, a, count);
  return t.bits === 64 ? r : normalize(cx, r, t);
}

function lowerBinary(cx: LowerContext, fr: Frame, e: Extract<A.Expr, { kind: "binary" }>): Value {
  const f = cx.f;
  const t = scalarTy(e);
  if (t.kind === "bool") {
    // Comparisons and && / || as values: branch and materialize 0/1.
    const r = f.reg();
    const yes = f.block("true");
    const no = f.block("false");
    const join = f.block("join");
    lowerCond(cx, fr, e, yes, no);
    f.setBlock(yes).at(e.span);
    f.mov(1n, r);
    f.jump(join);
    f.setBlock(no);
    f.mov(0n, r);
    f.jump(join);
    f.setBlock(join);
    return r;
  }
  const a = lowerScalar(cx, fr, e.left, t);
  const b =
    e.op === "<<" || e.op === ">>" ? lowerScalar(cx, fr, e.right) : lowerScalar(cx, fr, e.right, t);
  f.at(e.span);
  return arith(cx, e.op, a, b, t);
}

const CONDS: Record<string, [Cond, Cond]> = {
  "==": ["eq", "eq"],
  "!=": ["ne", "ne"],
  "<": ["ult", "slt"],
  "<=": ["ule", "sle"],
  ">": ["ugt", "sgt"],
  ">=": ["uge", "sge"],
};

/** Branches to `yes` when the bool expression holds, else to `no`. */
export function lowerCond(cx: LowerContext, fr: Frame, e: A.Expr, yes: Block, no: Block): void {
  const f = cx.f;
  const c = e.constValue;
  if (c !== undefined) {
    f.at(e.span).jump(c !== 0n ? yes : no);
    return;
  }
  if (e.kind === "unary" && e.op === "!") return lowerCond(cx, fr, e.operand, no, yes);
  if (e.kind === "binary" && (e.op === "&&" || e.op === "||")) {
    const mid = f.block(e.op === "&&" ? "and" : "or");
    if (e.op === "&&") lowerCond(cx, fr, e.left, mid, no);
    else lowerCond(cx, fr, e.left, yes, mid);
    f.setBlock(mid);
    return lowerCond(cx, fr, e.right, yes, no);
  }
  if (e.kind === "binary" && e.op in CONDS) {
    const lt = scalarTy(e.left);
    const rt = scalarTy(e.right);
    const common = lt.kind === "int" && rt.kind === "int" ? (commonInt(lt, rt) ?? lt) : lt;
    const a = lowerScalar(cx, fr, e.left, common);
    const b = lowerScalar(cx, fr, e.right, common);
    const signed = common.kind === "int" && common.signed;
    f.at(e.span);
    const cond = CONDS[e.op][signed ? 1 : 0];
    if (isImm(a) && isImm(b)) {
      // Constants the checker could not fold (lengths of `[T; _]` parameters).
      const holds = {
        eq: a === b,
        ne: a !== b,
        ult: a < b,
        slt: a < b,
        ule: a <= b,
        sle: a <= b,
        ugt: a > b,
        sgt: a > b,
        uge: a >= b,
        sge: a >= b,
      }[cond as "eq"];
      f.jump(holds ? yes : no);
      return;
    }
    f.br(cond, a, b, yes, no);
    return;
  }
  const v = lowerScalar(cx, fr, e);
  f.at(e.span);
  if (isImm(v)) f.jump(v !== 0n ? yes : no);
  else f.br("ne", v, 0n, yes, no);
}
