// The rules of iochain's types (docs/language.md, "Types"): integer widths and signedness, which
// conversions happen implicitly (only widening ones that never change a value), how two operands
// meet, and the on-disk spellings with an endianness (`u32be`).
import * as A from "../front/ast.js";

export interface ScalarSpelling {
  type: A.IntType | A.BoolType;
  endian: A.Endian | null;
}

/** `u16be` → u16 big-endian; `u8` → u8 without endianness; `bool`; anything else: undefined. */
export function scalarSpelling(name: string): ScalarSpelling | undefined {
  if (name === "bool") return { type: A.BOOL, endian: null };
  const m = /^([ui](?:8|16|32|64))(le|be)?$/.exec(name);
  if (!m || !A.isIntName(m[1])) return undefined;
  const type = A.intType(m[1]);
  if (m[2] && type.bits === 8) return undefined; // u8be means nothing
  return { type, endian: m[2] === "be" ? "big" : m[2] === "le" ? "little" : null };
}

/** Every spelling `scalarSpelling` accepts (`bool`, `u32`, `u32be`, `i64le`, ...), for did-you-mean. */
export const SCALAR_SPELLINGS: readonly string[] = [
  "bool",
  ...A.INT_NAMES.flatMap((n) => (n.endsWith("8") ? [n] : [n, `${n}be`, `${n}le`])),
];

export function intMin(t: A.IntType): bigint {
  return t.signed ? -(1n << BigInt(t.bits - 1)) : 0n;
}

export function intMax(t: A.IntType): bigint {
  return t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n;
}

export function fits(value: bigint, t: A.IntType): boolean {
  return value >= intMin(t) && value <= intMax(t);
}

/** The value modulo 2^bits, in the type's range (what run-time arithmetic and `as` produce). */
export function wrap(value: bigint, t: A.IntType): bigint {
  return t.signed ? BigInt.asIntN(t.bits, value) : BigInt.asUintN(t.bits, value);
}

/** Untyped constants are exact but bounded, so that `1 << 100000` cannot eat memory. */
export const UNTYPED_MIN = -(1n << 64n);
export const UNTYPED_MAX = (1n << 64n) - 1n;

export const isIntLike = (t: A.Type | undefined): t is A.IntType | A.UntypedIntType =>
  t?.kind === "int" || t?.kind === "untyped";
export const isScalar = (t: A.Type | undefined): t is A.IntType | A.BoolType =>
  t?.kind === "int" || t?.kind === "bool";

/** Whether every value of `from` is a value of `to` (the only implicit conversions). */
export function widens(from: A.IntType, to: A.IntType): boolean {
  if (from.name === to.name) return true;
  if (from.signed === to.signed) return to.bits >= from.bits;
  return !from.signed && to.signed && to.bits > from.bits;
}

/** The type two typed integer operands meet at, or undefined when neither widens to the other. */
export function commonInt(a: A.IntType, b: A.IntType): A.IntType | undefined {
  if (widens(a, b)) return b;
  if (widens(b, a)) return a;
  return undefined;
}

/** For the hint of a mismatch: which `as` makes the operands meet without losing values. */
export function mismatchHint(a: A.IntType, b: A.IntType): string {
  const bits = Math.max(a.bits, b.bits);
  if (a.signed !== b.signed) {
    const wider = bits < 64 ? `i${bits * 2}` : undefined;
    return wider
      ? `convert explicitly, e.g. \`x as ${wider}\` on both sides, or \`as ${a.signed ? b.name : a.name}\` if the signed value is never negative`
      : `convert one side explicitly with \`as ${a.signed ? b.name : a.name}\` or \`as ${a.signed ? a.name : b.name}\``;
  }
  return `convert one side explicitly with \`as\``;
}

export function sameType(a: A.Type, b: A.Type): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "int":
      return a.name === (b as A.IntType).name;
    case "tuple": {
      const bt = b as A.TupleType;
      return (
        a.elems.length === bt.elems.length && a.elems.every((e, i) => sameType(e, bt.elems[i]))
      );
    }
    case "view":
      return a.layout === (b as A.ViewType).layout;
    case "array": {
      const bt = b as A.ArrayType;
      return a.length === bt.length && sameStorage(a.elem, bt.elem);
    }
    default:
      return true;
  }
}

export function sameStorage(a: A.StorageType, b: A.StorageType): boolean {
  if (a.kind === "scalar" && b.kind === "scalar")
    return a.type.name === b.type.name && a.endian === b.endian;
  if (a.kind === "array" && b.kind === "array")
    return a.length === b.length && sameStorage(a.elem, b.elem);
  if (a.kind === "layout" && b.kind === "layout") return a.layout === b.layout;
  return false;
}

/** The value type of what is read from bytes of storage type `s`. */
export function valueOfStorage(s: A.StorageType): A.Type {
  switch (s.kind) {
    case "scalar":
      return s.type;
    case "array":
      return { kind: "array", elem: s.elem, length: s.length };
    case "layout":
      return { kind: "view", layout: s.layout };
  }
}

/** Whether an array argument fits an array parameter (`[u64; _]` takes `[u32be; 10]`). */
export function arrayArgFits(arg: A.ArrayType, param: A.ArrayType): boolean {
  if (param.length !== "generic" && param.length !== arg.length) return false;
  if (arg.length === "runtime") return false;
  const pe = param.elem;
  const ae = arg.elem;
  if (pe.kind === "scalar" && ae.kind === "scalar") {
    return pe.endian === null ? widens(ae.type, pe.type) : sameStorage(ae, pe);
  }
  return sameStorage(ae, pe);
}
