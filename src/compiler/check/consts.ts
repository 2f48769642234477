// Constant evaluation: the arithmetic of compile-time values (exact for untyped constants, checked
// for overflow in typed ones), `const` items (in dependency order, cycles reported), and the
// constant operands the language requires (array lengths, loop bounds, block size, ...), each
// range-checked with its own error code.
import * as A from "../front/ast.js";
import type { CheckContext, ModuleInfo } from "./context.js";
import { checkExpr, coerce, type ExprEnv } from "./expr.js";
import { valueTypeOf } from "./disk-layouts.js";
import { fits, UNTYPED_MAX, UNTYPED_MIN, wrap } from "./types.js";

export type Folded = { value: bigint } | { error: string };

/** Folds `a OP b` for constants of type `t` (untyped: exact). Comparisons give 0/1. */
export function foldBinary(
  op: A.BinaryOp,
  a: bigint,
  b: bigint,
  t: A.IntType | A.UntypedIntType,
): Folded {
  let v: bigint;
  switch (op) {
    case "+":
      v = a + b;
      break;
    case "-":
      v = a - b;
      break;
    case "*":
      v = a * b;
      break;
    case "/":
      if (b === 0n) return { error: "division by zero in a constant expression" };
      v = a / b;
      break;
    case "%":
      if (b === 0n) return { error: "remainder by zero in a constant expression" };
      v = a % b;
      break;
    case "&":
      v = a & b;
      break;
    case "|":
      v = a | b;
      break;
    case "^":
      v = a ^ b;
      break;
    case "<<":
    case ">>": {
      const limit = t.kind === "int" ? BigInt(t.bits) : 128n;
      if (b < 0n || b >= limit) {
        return {
          error: `shift by ${b} is out of range for ${t.kind === "int" ? t.name : "a constant"} (0 ..= ${limit - 1n})`,
        };
      }
      if (op === ">>") {
        v = a >> b;
      } else {
        v = a << b;
        // As in Rust: a typed left shift drops the bits shifted out (only the count is checked).
        if (t.kind === "int") return { value: wrap(v, t) };
      }
      break;
    }
    case "==":
      return { value: a === b ? 1n : 0n };
    case "!=":
      return { value: a !== b ? 1n : 0n };
    case "<":
      return { value: a < b ? 1n : 0n };
    case "<=":
      return { value: a <= b ? 1n : 0n };
    case ">":
      return { value: a > b ? 1n : 0n };
    case ">=":
      return { value: a >= b ? 1n : 0n };
    case "&&":
      return { value: a !== 0n && b !== 0n ? 1n : 0n };
    case "||":
      return { value: a !== 0n || b !== 0n ? 1n : 0n };
  }
  if (t.kind === "int") {
    if (op === "&" || op === "|" || op === "^") return { value: wrap(v, t) };
    if (!fits(v, t)) return { error: `the constant ${v} overflows ${t.name}` };
  } else if (v < UNTYPED_MIN || v > UNTYPED_MAX) {
    return { error: `the constant ${v} is too large (constants are at most 64 bits)` };
  }
  return { value: v };
}

/** Checks a `const` item once (memoized on the item); cycles between constants are reported. */
export function checkConstItem(ctx: CheckContext, item: A.ConstItem, module: ModuleInfo): void {
  if (item.ty !== undefined || evaluating.has(item)) {
    if (evaluating.has(item) && item.ty === undefined) {
      ctx.diags.error(
        "E0504",
        `the constant \`${item.name.name}\` depends on itself`,
        item.name.span,
        "constants must be computable in order",
      );
      item.ty = A.UNTYPED; // stop the cycle
    }
    return;
  }
  evaluating.add(item);
  try {
    const env: ExprEnv = { ctx, module, scope: undefined, constOnly: true };
    const declared = item.type ? valueTypeOf(env, item.type, {}) : undefined;
    let t = checkExpr(env, item.value);
    if (declared && t) {
      if (declared.kind !== "int" && declared.kind !== "bool") {
        ctx.diags.error(
          "E0411",
          `a constant must be an integer or a bool, not ${A.typeName(declared)}`,
          item.type!.span,
        );
      } else if (coerce(env, item.value, declared, "the constant's type")) {
        t = declared;
      }
    }
    if (t && item.value.constValue === undefined && t.kind !== "bool") {
      ctx.diags.error(
        "E0504",
        `the value of the constant \`${item.name.name}\` is not known at compile time`,
        item.value.span,
        "constants are made of literals, other constants, sizeof() and operators",
      );
    }
    if (t && t.kind === "bool" && item.value.constValue === undefined) {
      ctx.diags.error(
        "E0504",
        `the value of the constant \`${item.name.name}\` is not known at compile time`,
        item.value.span,
      );
    }
    item.ty = t ?? A.UNTYPED;
    item.constValue = item.value.constValue ?? 0n;
  } finally {
    evaluating.delete(item);
  }
}

const evaluating = new Set<A.ConstItem>();

export interface ConstRange {
  min: bigint;
  max: bigint;
  /** Error code and wording when out of range: "the block size". */
  code: string;
  what: string;
  hint?: string;
}

/**
 * A constant integer operand the language requires (block size, array length, `max`, ...):
 * checked as an expression, required constant (E0504), then range-checked (range.code).
 * Returns undefined after reporting.
 */
export function requireConstInt(env: ExprEnv, e: A.Expr, range: ConstRange): bigint | undefined {
  const t = checkExpr(env, e);
  if (!t) return undefined;
  if (t.kind !== "int" && t.kind !== "untyped") {
    env.ctx.diags.error("E0411", `${range.what} must be an integer, not ${A.typeName(t)}`, e.span);
    return undefined;
  }
  if (e.constValue === undefined) {
    env.ctx.diags.error(
      "E0504",
      `${range.what} must be a constant`,
      e.span,
      "use a literal or a `const`",
    );
    return undefined;
  }
  const v = e.constValue;
  if (v < range.min || v > range.max) {
    env.ctx.diags.error(
      range.code,
      `${range.what} is ${v}, outside ${range.min} ..= ${range.max}`,
      e.span,
      range.hint,
    );
    return undefined;
  }
  return v;
}

/** Whether an expression is a constant "for this instantiation": `len(keys)` of a `[T; _]` parameter. */
export function isGenericConst(e: A.Expr): boolean {
  switch (e.kind) {
    case "call":
      return (
        e.callee.path.length === 1 &&
        e.callee.path[0].name === "len" &&
        e.args[0]?.ty?.kind === "array" &&
        e.args[0].ty.length === "generic"
      );
    case "binary":
      return (
        (e.left.constValue !== undefined || isGenericConst(e.left)) &&
        (e.right.constValue !== undefined || isGenericConst(e.right))
      );
    case "unary":
    case "cast":
      return isGenericConst(e.operand);
    default:
      return false;
  }
}

/**
 * The value of an expression isGenericConst accepts, for one instantiation: `lenOf` gives the
 * length of each `len(...)` argument at this call. Folds with the checker's constant rules
 * (untyped exact, typed overflow an error), as the checker would with the length written in.
 */
export function evalGenericConst(e: A.Expr, lenOf: (array: A.Expr) => number): Folded {
  if (e.constValue !== undefined) return { value: e.constValue };
  const t = e.ty?.kind === "int" ? e.ty : A.UNTYPED;
  switch (e.kind) {
    case "call":
      if (e.callee.path[0]?.name === "len" && e.args[0]) return { value: BigInt(lenOf(e.args[0])) };
      break;
    case "binary": {
      const a = evalGenericConst(e.left, lenOf);
      if ("error" in a) return a;
      const b = evalGenericConst(e.right, lenOf);
      if ("error" in b) return b;
      // Comparisons are bool: their operands' type decides.
      const operands =
        t.kind === "int"
          ? t
          : e.left.ty?.kind === "int"
            ? e.left.ty
            : e.right.ty?.kind === "int"
              ? e.right.ty
              : A.UNTYPED;
      return foldBinary(e.op, a.value, b.value, operands);
    }
    case "unary": {
      const v = evalGenericConst(e.operand, lenOf);
      if ("error" in v) return v;
      if (e.op === "-") return foldBinary("-", 0n, v.value, t);
      if (e.op === "~") return { value: t.kind === "int" ? wrap(~v.value, t) : ~v.value };
      return { value: v.value === 0n ? 1n : 0n };
    }
    case "cast": {
      const v = evalGenericConst(e.operand, lenOf);
      if ("error" in v) return v;
      if (e.ty?.kind === "bool") return { value: v.value !== 0n ? 1n : 0n };
      return { value: t.kind === "int" ? wrap(v.value, t) : v.value };
    }
  }
  return { error: "not a constant at this call" };
}
