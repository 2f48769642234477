// Expressions: resolves names, computes and attaches types (`expr.ty`) and compile-time values
// (`expr.constValue`), applies the conversion rules of types.ts, and checks reads of the block
// (`T at off`, fields, indexes) against the block size where the offset is known.
import * as A from "../front/ast.js";
import type { CheckContext, FnFacts, ModuleInfo } from "./context.js";
import { checkConstItem, foldBinary } from "./consts.js";
import { checkCall } from "./call.js";
import { checkAt, checkField, checkIndex } from "./read.js";
import { storageTypeOf } from "./disk-layouts.js";
import { lookupItem } from "./resolve.js";
import { didYouMean } from "./context.js";
import * as T from "./types.js";

export interface Local {
  binding: A.Binding;
  ty: A.Type;
}

export interface Scope {
  parent?: Scope;
  names: Map<string, Local>;
}

export interface ExprEnv {
  ctx: CheckContext;
  module: ModuleInfo;
  scope: Scope | undefined;
  /** Constant contexts (const items, array lengths): no locals, no reads of the block. */
  constOnly?: boolean;
  facts?: FnFacts;
}

export const BUILTIN_FNS = ["len", "min", "max", "bswap16", "bswap32", "bswap64"] as const;

/** The type of a binding whose declaration failed: its uses are not checked (or reported) again. */
export const ERROR_TY: A.Type = { kind: "void" };

export function lookupLocal(scope: Scope | undefined, name: string): Local | undefined {
  for (let s = scope; s; s = s.parent) {
    const l = s.names.get(name);
    if (l) return l;
  }
  return undefined;
}

export function localNames(scope: Scope | undefined): string[] {
  const out: string[] = [];
  for (let s = scope; s; s = s.parent) out.push(...s.names.keys());
  return out;
}

/** Converts `e` (already checked) to `target` under the implicit rules; reports E0411/E0501. */
export function coerce(env: ExprEnv, e: A.Expr, target: A.Type, what: string): boolean {
  const d = env.ctx.diags;
  const t = e.ty;
  if (!t) return false;
  if (target.kind === "int") {
    if (t.kind === "untyped" && e.kind === "if" && e.constValue === undefined) {
      const ok = coerce(env, e.then, target, what) && coerce(env, e.else, target, what);
      if (ok) e.ty = target;
      return ok;
    }
    if (t.kind === "untyped") {
      if (e.constValue !== undefined && !T.fits(e.constValue, target)) {
        const hint =
          e.constValue < 0n && !target.signed
            ? `\`${target.name}\` is unsigned; for the bit pattern write \`(${e.constValue}) as ${target.name}\``
            : `\`${target.name}\` holds ${T.intMin(target)} ..= ${T.intMax(target)}`;
        d.error(
          "E0501",
          `the constant ${e.constValue} does not fit in ${target.name} (${what})`,
          e.span,
          hint,
        );
        return false;
      }
      e.ty = target;
      return true;
    }
    if (t.kind === "int") {
      if (T.widens(t, target)) return true;
      d.error(
        "E0411",
        `expected ${target.name} (${what}), found ${t.name}`,
        e.span,
        `convert explicitly: \`(...) as ${target.name}\`${t.bits > target.bits ? " (keeps the low bits)" : ""}`,
      );
      return false;
    }
    d.error(
      "E0411",
      `expected ${target.name} (${what}), found ${A.typeName(t)}`,
      e.span,
      t.kind === "bool" ? `write \`(...) as ${target.name}\` for 0/1` : undefined,
    );
    return false;
  }
  if (target.kind === "bool") {
    if (t.kind === "bool") return true;
    d.error(
      "E0411",
      `expected bool (${what}), found ${A.typeName(t)}`,
      e.span,
      T.isIntLike(t) ? "compare it: `x != 0`" : undefined,
    );
    return false;
  }
  if (target.kind === "array" && t.kind === "array") {
    if (T.arrayArgFits(t, target)) return true;
    d.error("E0411", `expected ${A.typeName(target)} (${what}), found ${A.typeName(t)}`, e.span);
    return false;
  }
  if (
    target.kind === "tuple" &&
    e.kind === "tuple" &&
    t.kind === "tuple" &&
    t.elems.length === target.elems.length
  ) {
    let ok = true;
    e.elems.forEach((el, i) => (ok = coerce(env, el, target.elems[i], what) && ok));
    if (ok) e.ty = target;
    return ok;
  }
  if (T.sameType(t, target)) return true;
  d.error("E0411", `expected ${A.typeName(target)} (${what}), found ${A.typeName(t)}`, e.span);
  return false;
}

/** Checks an expression that must be a plain value (integer or bool); reports modules, layouts. */
export function checkValue(env: ExprEnv, e: A.Expr): A.Type | undefined {
  const t = checkExpr(env, e);
  if (t?.kind === "void" && e.kind === "call") {
    const name = e.callee.path.map((p) => p.name).join("::");
    env.ctx.diags.error(
      "E0407",
      `\`${name}\` returns nothing: its call has no value`,
      e.span,
      `call it as a statement (\`${name}(...);\`), or give \`${name}\` a result type`,
    );
    e.ty = undefined;
    return undefined;
  }
  if (t && (t.kind === "module" || t.kind === "layout" || t.kind === "fn")) {
    env.ctx.diags.error(
      "E0407",
      `${A.typeName(t)} is not a value`,
      e.span,
      t.kind === "layout"
        ? `read it from the block: \`${t.name} at offset\``
        : t.kind === "fn"
          ? "call it: `f(...)`"
          : undefined,
    );
    e.ty = undefined;
    return undefined;
  }
  return t;
}

/** Checks an expression that must be an integer; an untyped constant gets `dflt` (u64) when asked. */
export function checkInt(
  env: ExprEnv,
  e: A.Expr,
  what: string,
  dflt?: A.IntType,
): A.IntType | A.UntypedIntType | undefined {
  const t = checkValue(env, e);
  if (!t) return undefined;
  if (t.kind !== "int" && t.kind !== "untyped") {
    env.ctx.diags.error("E0411", `${what} must be an integer, found ${A.typeName(t)}`, e.span);
    return undefined;
  }
  if (t.kind === "untyped" && dflt) return coerce(env, e, dflt, what) ? dflt : undefined;
  return t;
}

export function checkBool(env: ExprEnv, e: A.Expr, what: string): boolean {
  const t = checkValue(env, e);
  return t !== undefined && coerce(env, e, A.BOOL, what);
}

export function set(e: A.Expr, ty: A.Type | undefined, value?: bigint): A.Type | undefined {
  e.ty = ty;
  if (value !== undefined) e.constValue = value;
  return ty;
}

export function checkExpr(env: ExprEnv, e: A.Expr): A.Type | undefined {
  switch (e.kind) {
    case "int":
      return set(e, A.UNTYPED, e.value);
    case "bool":
      return set(e, A.BOOL, e.value ? 1n : 0n);
    case "name":
      return checkName(env, e);
    case "unary":
      return checkUnary(env, e);
    case "binary":
      return checkBinary(env, e);
    case "cast":
      return checkCast(env, e);
    case "call":
      return checkCall(env, e);
    case "field":
      return checkField(env, e);
    case "index":
      return checkIndex(env, e);
    case "at":
      return checkAt(env, e);
    case "tuple": {
      const elems = e.elems.map((el) => checkValue(env, el));
      if (elems.some((t) => !t)) return undefined;
      return set(e, { kind: "tuple", elems: elems as A.Type[] });
    }
    case "sizeof": {
      const s = storageTypeOf(env, e.target, "little", "read");
      return s ? set(e, A.UNTYPED, BigInt(s.size)) : undefined;
    }
    case "if":
      return checkIfExpr(env, e);
  }
}

/**
 * `if c { a } else { b }`: a bool condition, arms of one type (integers meet as `a + b` does;
 * two untyped constants stay untyped until the value meets a type, as a literal does).
 */
function checkIfExpr(env: ExprEnv, e: Extract<A.Expr, { kind: "if" }>): A.Type | undefined {
  const cond = checkBool(env, e.cond, "the condition of `if`");
  const a = checkValue(env, e.then);
  const b = checkValue(env, e.else);
  if (!cond || !a || !b) return undefined;
  const c = e.cond.constValue;
  const pick = (x: A.Expr, y: A.Expr): bigint | undefined =>
    c === undefined ? undefined : c !== 0n ? x.constValue : y.constValue;
  if (a.kind === "bool" || b.kind === "bool") {
    if (!coerce(env, e.else, a, "the other arm of `if`")) return undefined;
    return set(e, A.BOOL, pick(e.then, e.else));
  }
  if (!T.isIntLike(a) || !T.isIntLike(b)) {
    env.ctx.diags.error(
      "E0411",
      `the arms of an \`if\` value are integers or bools, found ${A.typeName(a)} and ${A.typeName(b)}`,
      e.span,
    );
    return undefined;
  }
  const t = meet(env, e.then, e.else, "if/else", e.span);
  if (!t) return undefined;
  const v = pick(e.then, e.else);
  // Untyped arms (not folded) stay untyped until the value meets a type: coerce types the arms.
  return set(e, t, v);
}

function checkName(env: ExprEnv, e: A.NameExpr): A.Type | undefined {
  const d = env.ctx.diags;
  if (e.path.length === 1) {
    const name = e.path[0].name;
    const local = lookupLocal(env.scope, name);
    if (local) {
      e.binding = local.binding;
      return local.ty === ERROR_TY ? undefined : set(e, local.ty);
    }
    if ((name === "block" || name === "chain") && !env.module.items.has(name)) {
      d.error(
        "E0407",
        `\`${name}\` is not a value by itself`,
        e.span,
        name === "block"
          ? "use `block.offset`, `block.len` or `block.size`, or read it: `u32le at off`"
          : "use `chain.hop`",
      );
      return undefined;
    }
  }
  const ref = lookupItem(env.module, e.path, d, [...localNames(env.scope), ...BUILTIN_FNS]);
  if (!ref) return undefined;
  if (ref.kind === "module") {
    e.binding = { kind: "module", module: ref.module.key, alias: ref.alias };
    return set(e, { kind: "module", name: ref.alias });
  }
  const item = ref.item;
  switch (item.kind) {
    case "const":
      checkConstItem(env.ctx, item, ref.module);
      e.binding = { kind: "const", item, module: ref.module.key };
      return set(e, item.ty, item.constValue);
    case "layout":
      e.binding = { kind: "layout", item, module: ref.module.key };
      return set(e, { kind: "layout", name: item.name.name });
    case "fn":
      e.binding = { kind: "fn", item, module: ref.module.key };
      return set(e, { kind: "fn", name: item.name.name });
    case "storage":
      d.error(
        "E0407",
        `the storage function \`${item.name.name}\` cannot be used in an expression`,
        e.span,
        "the driver runs it; put shared code in a `fn`",
      );
      return undefined;
  }
}

function checkUnary(env: ExprEnv, e: Extract<A.Expr, { kind: "unary" }>): A.Type | undefined {
  const d = env.ctx.diags;
  const t = checkValue(env, e.operand);
  if (!t) return undefined;
  const v = e.operand.constValue;
  if (e.op === "!") {
    if (!coerce(env, e.operand, A.BOOL, "the operand of `!`")) return undefined;
    return set(e, A.BOOL, v === undefined ? undefined : v === 0n ? 1n : 0n);
  }
  if (t.kind !== "int" && t.kind !== "untyped") {
    d.error(
      "E0414",
      `\`${e.op}\` cannot be applied to ${A.typeName(t)}`,
      e.span,
      t.kind === "bool" && e.op === "~" ? "use `!` on bools" : undefined,
    );
    return undefined;
  }
  if (e.op === "-") {
    if (t.kind === "int" && !t.signed) {
      d.error(
        "E0414",
        `cannot negate a value of the unsigned type ${t.name}`,
        e.span,
        "for the wrapping negation write `0 - x`",
      );
      return undefined;
    }
    if (v === undefined) return set(e, t);
    const r = foldBinary("-", 0n, v, t);
    if ("error" in r) {
      d.error("E0502", r.error, e.span);
      return undefined;
    }
    return set(e, t, r.value);
  }
  // "~"
  if (v === undefined) return set(e, t);
  return set(e, t, t.kind === "int" ? T.wrap(~v, t) : ~v);
}

/** Brings two integer operands to one type (E0410 when neither widens to the other). */
export function meet(
  env: ExprEnv,
  l: A.Expr,
  r: A.Expr,
  opText: string,
  whole: A.Span,
): A.IntType | A.UntypedIntType | undefined {
  const lt = l.ty!;
  const rt = r.ty!;
  if (lt.kind === "untyped" && rt.kind === "untyped") return A.UNTYPED;
  if (lt.kind === "untyped")
    return coerce(env, l, rt, `the other operand of \`${opText}\` is ${A.typeName(rt)}`)
      ? (rt as A.IntType)
      : undefined;
  if (rt.kind === "untyped")
    return coerce(env, r, lt, `the other operand of \`${opText}\` is ${A.typeName(lt)}`)
      ? (lt as A.IntType)
      : undefined;
  const c = T.commonInt(lt as A.IntType, rt as A.IntType);
  if (!c) {
    env.ctx.diags.error(
      "E0410",
      `mismatched types: ${A.typeName(lt)} \`${opText}\` ${A.typeName(rt)}`,
      whole,
      T.mismatchHint(lt as A.IntType, rt as A.IntType),
    );
  }
  return c;
}

const CMP = new Set<A.BinaryOp>(["==", "!=", "<", "<=", ">", ">="]);

function checkBinary(env: ExprEnv, e: Extract<A.Expr, { kind: "binary" }>): A.Type | undefined {
  const d = env.ctx.diags;
  const lt = checkValue(env, e.left);
  const rt = checkValue(env, e.right);
  if (!lt || !rt) return undefined;
  const lv = () => e.left.constValue;
  const rv = () => e.right.constValue;
  const fold = (t: A.IntType | A.UntypedIntType, resultTy: A.Type): A.Type | undefined => {
    const a = lv();
    const b = rv();
    if (a === undefined || b === undefined) return set(e, resultTy);
    const r = foldBinary(e.op, a, b, t);
    if ("error" in r) {
      d.error("E0502", r.error, e.span);
      return undefined;
    }
    return set(e, resultTy, r.value);
  };

  if (e.op === "&&" || e.op === "||") {
    const ok =
      coerce(env, e.left, A.BOOL, `the left operand of \`${e.op}\``) &&
      coerce(env, e.right, A.BOOL, `the right operand of \`${e.op}\``);
    return ok ? fold(A.UNTYPED, A.BOOL) : undefined;
  }
  if (CMP.has(e.op) && lt.kind === "bool" && rt.kind === "bool") {
    if (e.op !== "==" && e.op !== "!=") {
      d.error("E0414", `bools cannot be ordered with \`${e.op}\``, e.span);
      return undefined;
    }
    return fold(A.UNTYPED, A.BOOL);
  }
  for (const [side, t] of [
    [e.left, lt],
    [e.right, rt],
  ] as const) {
    if (t.kind !== "int" && t.kind !== "untyped") {
      d.error(
        "E0414",
        `\`${e.op}\` cannot be applied to ${A.typeName(t)}`,
        side.span,
        t.kind === "bool"
          ? "arithmetic works on integers; `as u8` turns a bool into 0/1"
          : undefined,
      );
      return undefined;
    }
  }
  if (e.op === "<<" || e.op === ">>") {
    let lty = lt as A.IntType | A.UntypedIntType;
    if (lty.kind === "untyped" && rv() === undefined) {
      // `1 << n` with a run-time count: the literal becomes a u64 (docs: Conversions).
      if (!coerce(env, e.left, A.U64, "the shifted value")) return undefined;
      lty = A.U64;
    }
    if (rt.kind === "int" && rt.signed && rv() === undefined) {
      d.error(
        "E0411",
        `a shift count must be unsigned, found ${rt.name}`,
        e.right.span,
        `convert it: \`(...) as u32\``,
      );
      return undefined;
    }
    const count = rv();
    if (count !== undefined && lty.kind === "int" && (count < 0n || count >= BigInt(lty.bits))) {
      d.error(
        "E0502",
        `shift by ${count} is out of range for ${lty.name} (0 ..= ${lty.bits - 1})`,
        e.right.span,
      );
      return undefined;
    }
    if (rt.kind === "untyped" && count !== undefined && count >= 0n) e.right.ty = A.U32;
    return fold(lty, lty);
  }
  const t = meet(env, e.left, e.right, e.op, e.span);
  if (!t) return undefined;
  return CMP.has(e.op) ? fold(t, A.BOOL) : fold(t, t);
}

function checkCast(env: ExprEnv, e: Extract<A.Expr, { kind: "cast" }>): A.Type | undefined {
  const d = env.ctx.diags;
  const t = checkValue(env, e.operand);
  if (!t) return undefined;
  const spelled =
    e.target.kind === "named" && e.target.path.length === 1
      ? T.scalarSpelling(e.target.path[0].name)
      : undefined;
  const single =
    e.target.kind === "named" && e.target.path.length === 1 ? e.target.path[0].name : undefined;
  if (!spelled && single !== undefined && !env.module.items.has(single)) {
    d.error(
      "E0401",
      `unknown type \`${single}\``,
      e.target.span,
      didYouMean(single, [...A.INT_NAMES, "bool"]) ?? "`as` converts to u8..u64, i8..i64 or bool",
    );
    return undefined;
  }
  if (!spelled) {
    d.error(
      "E0415",
      `cannot convert to \`${typeExprText(e.target)}\``,
      e.target.span,
      "`as` converts between integer types and from bool to integers",
    );
    return undefined;
  }
  if (spelled.endian) {
    d.error(
      "E0418",
      `\`${typeExprText(e.target)}\` is an on-disk type; values have no byte order`,
      e.target.span,
      `convert to \`${(spelled.type as A.IntType).name}\`; \`bswap\` functions swap bytes`,
    );
    return undefined;
  }
  const target = spelled.type;
  const v = e.operand.constValue;
  if (target.kind === "bool") {
    if (t.kind !== "bool") {
      d.error(
        "E0415",
        `cannot convert ${A.typeName(t)} to bool with \`as\``,
        e.span,
        "compare it instead: `x != 0`",
      );
      return undefined;
    }
    return set(e, A.BOOL, v);
  }
  if (t.kind !== "int" && t.kind !== "untyped" && t.kind !== "bool") {
    d.error("E0415", `cannot convert ${A.typeName(t)} to ${target.name}`, e.span);
    return undefined;
  }
  if (t.kind === "untyped" && v === undefined) e.operand.ty = A.U64;
  return set(e, target, v === undefined ? undefined : T.wrap(v, target));
}

export function typeExprText(t: A.TypeExpr): string {
  switch (t.kind) {
    case "named":
      return t.path.map((p) => p.name).join("::");
    case "array":
      return `[${typeExprText(t.elem)}; ...]`;
    case "tuple":
      return `(${t.elems.map(typeExprText).join(", ")})`;
  }
}
