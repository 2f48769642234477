// The JSON form of a chain's result, as `iochain run --json` prints it:
//   {"status": "done"|"failed"|"suspended", "value": ..., "error": name|null, "hops": N,
//    "rows": [{field: ...}], "aggregates": {name: ...}}
// Integers outside ±2^53 become decimal strings (JSON numbers would lose digits); byte values
// become lowercase hex strings.
import type { ChainResult } from "./driver.js";

export type JsonScalar = number | string | boolean | null;

export interface ResultJson {
  status: ChainResult["status"];
  value: JsonScalar;
  error: string | null;
  hops: number;
  rows: Record<string, JsonScalar>[];
  aggregates: Record<string, JsonScalar>;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function jsonScalar(v: number | bigint | boolean | Uint8Array | null): JsonScalar {
  if (v === null || typeof v === "boolean") return v;
  if (v instanceof Uint8Array)
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  if (typeof v === "bigint") return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
  return v;
}

export function resultToJson(r: ChainResult): ResultJson {
  const mapValues = (
    o: Record<string, number | bigint | boolean | null>,
  ): Record<string, JsonScalar> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, jsonScalar(v)]));
  return {
    status: r.status,
    value: jsonScalar(r.value),
    error: r.error,
    hops: r.hops,
    rows: r.rows.map(mapValues),
    aggregates: mapValues(r.aggregates),
  };
}

/** The text `iochain run --json` prints (one object, two-space indent, trailing newline). */
export function formatResultJson(r: ChainResult): string {
  return JSON.stringify(resultToJson(r), null, 2) + "\n";
}
