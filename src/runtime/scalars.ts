// Reading and writing the language's scalar types at the ABI boundary (ctx args, scratch fields,
// result values). Little-endian, as everything the program and the driver share.
import type { ScalarType } from "../abi/artifact.js";

/** A decoded scalar: 64-bit types are always bigint (type-stable), narrower ones number, bool boolean. */
export type ScalarValue = number | bigint | boolean;

export const scalarSize: Record<ScalarType, number> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  u64: 8,
  i64: 8,
  bool: 1,
};

export const isSigned = (t: ScalarType): boolean => t.startsWith("i");

function rangeOf(t: ScalarType): { min: bigint; max: bigint } {
  if (t === "bool") return { min: 0n, max: 1n };
  const bits = BigInt(scalarSize[t] * 8);
  return isSigned(t)
    ? { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n }
    : { min: 0n, max: (1n << bits) - 1n };
}

const RANGES = Object.fromEntries(
  (Object.keys(scalarSize) as ScalarType[]).map((t) => [t, rangeOf(t)]),
) as Record<ScalarType, { readonly min: bigint; readonly max: bigint }>;

/** The inclusive range of values a parameter of type `t` accepts. */
export const scalarRange = (t: ScalarType): { readonly min: bigint; readonly max: bigint } =>
  RANGES[t];

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function readScalar(bytes: Uint8Array, offset: number, t: ScalarType): ScalarValue {
  const v = viewOf(bytes);
  switch (t) {
    case "u8":
      return v.getUint8(offset);
    case "i8":
      return v.getInt8(offset);
    case "u16":
      return v.getUint16(offset, true);
    case "i16":
      return v.getInt16(offset, true);
    case "u32":
      return v.getUint32(offset, true);
    case "i32":
      return v.getInt32(offset, true);
    case "u64":
      return v.getBigUint64(offset, true);
    case "i64":
      return v.getBigInt64(offset, true);
    case "bool":
      return v.getUint8(offset) !== 0;
  }
}

/** The 8-byte slot form of a value (ctx.args, ctx.value): zero- or sign-extended to 64 bits. */
export function toSlot(value: bigint, t: ScalarType): bigint {
  return isSigned(t) ? BigInt.asUintN(64, value) : value;
}

/** Decodes a 64-bit ctx slot as type `t` (the low bytes; the rest of the slot is ignored). */
export function fromSlot(slot: bigint, t: ScalarType): ScalarValue {
  const bytes = new Uint8Array(8);
  viewOf(bytes).setBigUint64(0, BigInt.asUintN(64, slot), true);
  return readScalar(bytes, 0, t);
}

export const toBigInt = (v: ScalarValue): bigint =>
  typeof v === "boolean" ? (v ? 1n : 0n) : BigInt(v);
