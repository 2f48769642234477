// What a finished step leaves behind, decoded with the artifact's scratch layout: the result value,
// the output rows and the aggregates (docs/abi.md "scratch layout").
import type { AggregateSpec, OutputSpec, ProgramArtifact } from "../abi/artifact.js";
import { IochainError } from "../diagnostics.js";
import { abiBroken } from "./abi-broken.js";
import { WIDE_SUM_BYTES } from "../abi/artifact.js";
import { type ScalarValue, fromSlot, readScalar, scalarSize } from "./scalars.js";

export type Row = Record<string, ScalarValue>;
export type ResultValue = ScalarValue | Uint8Array | null;
/** sum and avg are exact integers (avg: the sum divided by the count, truncated toward zero);
 * min, max and avg are null when nothing was counted. */
export type AggregateValue = ScalarValue | null;

function inside(scratch: Uint8Array, offset: number, size: number, what: string): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + size > scratch.byteLength) {
    throw new IochainError(
      "E0935",
      `${what} at scratch offset ${offset} (+${size}) lies outside the ${scratch.byteLength}-byte scratch map`,
    );
  }
}

/** ctx.value / the result bytes, by the artifact's result kind. */
export function decodeValue(
  artifact: ProgramArtifact,
  scratch: Uint8Array,
  valueSlot: bigint,
  valueLen: number,
): ResultValue {
  const r = artifact.result;
  switch (r.kind) {
    case "none":
      return null;
    case "scalar":
      return fromSlot(valueSlot, r.type);
    case "bytes":
      if (valueLen > r.length)
        abiBroken(
          `ctx.value_len = ${valueLen} is larger than the declared result of ${r.length} bytes`,
        );
      inside(scratch, r.offset, r.length, "the result");
      return scratch.slice(r.offset, r.offset + valueLen);
  }
}

/** Rows 0..count-1 of the output buffer. */
export function decodeRows(
  output: OutputSpec | undefined,
  scratch: Uint8Array,
  count: number,
): Row[] {
  if (count === 0) return [];
  if (!output) abiBroken(`ctx.rows = ${count} but the program declares no output rows`);
  if (count > output.capacity)
    abiBroken(`ctx.rows = ${count} is more than the output buffer's ${output.capacity} rows`);
  inside(scratch, output.offset, output.rowSize * output.capacity, "the output buffer");
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const base = output.offset + i * output.rowSize;
    const row: Row = {};
    for (const f of output.fields) row[f.name] = readScalar(scratch, base + f.offset, f.type);
    rows.push(row);
  }
  return rows;
}

/** The 128-bit sum of a sum or avg aggregate: low word at offset, high word after it. */
function wideSum(a: AggregateSpec, scratch: Uint8Array): bigint {
  inside(scratch, a.offset, WIDE_SUM_BYTES, `aggregate \`${a.name}\``);
  const lo = readScalar(scratch, a.offset, "u64") as bigint;
  const hi = readScalar(scratch, a.offset + 8, a.type === "i64" ? "i64" : "u64") as bigint;
  return (hi << 64n) + lo;
}

/** count and sum have a value for any number of rows; min, max and avg are null over none. */
function decodeAggregate(a: AggregateSpec, scratch: Uint8Array): AggregateValue {
  if (a.kind === "sum") return wideSum(a, scratch);
  const v = a.kind === "avg" ? wideSum(a, scratch) : readAggregate(a, scratch);
  if (a.kind === "count") return v;
  if (a.countOffset === undefined)
    throw new IochainError("E0935", `aggregate \`${a.name}\` (${a.kind}) has no count offset`);
  inside(scratch, a.countOffset, 8, `the count of aggregate \`${a.name}\``);
  const n = readScalar(scratch, a.countOffset, "u64") as bigint;
  if (n === 0n) return null;
  // Exact integer division of the exact sum (bigint division truncates toward zero, as C does).
  return a.kind === "avg" ? (v as bigint) / n : v;
}

function readAggregate(a: AggregateSpec, scratch: Uint8Array): ScalarValue {
  inside(scratch, a.offset, scalarSize[a.type], `aggregate \`${a.name}\``);
  return readScalar(scratch, a.offset, a.type);
}

export function decodeAggregates(
  aggregates: readonly AggregateSpec[],
  scratch: Uint8Array,
): Record<string, AggregateValue> {
  const out: Record<string, AggregateValue> = {};
  for (const a of aggregates) out[a.name] = decodeAggregate(a, scratch);
  return out;
}
