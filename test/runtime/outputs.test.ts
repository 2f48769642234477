// decodeAggregates: count and sum always have a value; min, max and avg have none over zero rows
// (null), whatever the scratch bytes at their offsets hold.
import { describe, expect, it } from "vitest";
import type { AggregateSpec } from "../../src/abi/artifact.js";
import { decodeAggregates } from "../../src/runtime/outputs.js";
import { IochainError } from "../../src/diagnostics.js";

// scratch: the row count at 0, then one slot per aggregate.
const specs: AggregateSpec[] = [
  { name: "n", kind: "count", type: "u64", offset: 8 },
  { name: "total", kind: "sum", type: "i64", offset: 16 },
  { name: "low", kind: "min", type: "i32", offset: 24, countOffset: 0 },
  { name: "high", kind: "max", type: "u16", offset: 32, countOffset: 0 },
  { name: "mean", kind: "avg", type: "i64", offset: 40, countOffset: 0 },
];

function scratch(rows: bigint, slots: bigint[]): Uint8Array {
  const b = new Uint8Array(48);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, rows, true);
  slots.forEach((x, k) => v.setBigUint64(8 + 8 * k, BigInt.asUintN(64, x), true));
  return b;
}

describe("decodeAggregates", () => {
  it("gives null for min, max and avg over no rows, even with bytes left in their slots", () => {
    const got = decodeAggregates(specs, scratch(0n, [0n, 0n, 0x1234n, 0xbeefn, 99n]));
    expect(got).toEqual({ n: 0n, total: 0n, low: null, high: null, mean: null });
  });

  it("decodes every kind by its type once a row was seen", () => {
    const got = decodeAggregates(specs, scratch(4n, [4n, -10n, -7n, 0xfffen, -10n]));
    expect(got).toEqual({ n: 4n, total: -10n, low: -7, high: 0xfffe, mean: -2.5 });
  });

  it("refuses a min/max/avg whose artifact does not say where the count is", () => {
    for (const kind of ["min", "max", "avg"] as const) {
      const a: AggregateSpec = { name: "x", kind, type: "u64", offset: 8 };
      expect(() => decodeAggregates([a], scratch(1n, [5n]))).toThrow(IochainError);
      try {
        decodeAggregates([a], scratch(1n, [5n]));
      } catch (err) {
        expect((err as IochainError).code).toBe("E0935");
      }
    }
  });
});
