// decodeAggregates: count and sum always have a value; min, max and avg have none over zero rows
// (null), whatever the scratch bytes at their offsets hold.
import { describe, expect, it } from "vitest";
import type { AggregateSpec } from "../../src/abi/artifact.js";
import { decodeAggregates } from "../../src/runtime/outputs.js";
import { IochainError } from "../../src/diagnostics.js";

// scratch: the row count at 0, then the aggregates; sum and avg hold a 128-bit sum (16 bytes).
const specs: AggregateSpec[] = [
  { name: "n", kind: "count", type: "u64", offset: 8 },
  { name: "total", kind: "sum", type: "i64", offset: 16 },
  { name: "low", kind: "min", type: "i32", offset: 32, countOffset: 0 },
  { name: "high", kind: "max", type: "u16", offset: 40, countOffset: 0 },
  { name: "mean", kind: "avg", type: "i64", offset: 48, countOffset: 0 },
];

/** The 64-bit words of scratch from offset 0: the row count, then each word in order. */
function scratch(rows: bigint, words: bigint[]): Uint8Array {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, rows, true);
  words.forEach((x, k) => v.setBigUint64(8 + 8 * k, BigInt.asUintN(64, x), true));
  return b;
}

/** A signed 128-bit sum as its low and high words. */
const wide = (x: bigint): bigint[] => [BigInt.asUintN(64, x), BigInt.asIntN(64, x >> 64n)];

describe("decodeAggregates", () => {
  it("gives null for min, max and avg over no rows, even with bytes left in their slots", () => {
    const got = decodeAggregates(specs, scratch(0n, [0n, ...wide(0n), 0x1234n, 0xbeefn, 99n, 0n]));
    expect(got).toEqual({ n: 0n, total: 0n, low: null, high: null, mean: null });
  });

  it("decodes every kind by its type once a row was seen; avg truncates toward zero", () => {
    const got = decodeAggregates(
      specs,
      scratch(4n, [4n, ...wide(-10n), -7n, 0xfffen, ...wide(-10n)]),
    );
    expect(got).toEqual({ n: 4n, total: -10n, low: -7, high: 0xfffe, mean: -2n });
  });

  it("sum and avg are exact past 2^64: the issue's large u64 prices", () => {
    // Three prices near 2^63 whose u64 sum wraps: the wrapped sum / 3 was the printed mean.
    const prices = [9156168956529345528n, 9156168956529345529n, 9156168956529345530n];
    const sum = prices.reduce((a, b) => a + b, 0n);
    expect(sum > 2n ** 64n).toBe(true);
    const u: AggregateSpec[] = [
      { name: "total", kind: "sum", type: "u64", offset: 8 },
      { name: "mean", kind: "avg", type: "u64", offset: 24, countOffset: 0 },
    ];
    const got = decodeAggregates(u, scratch(3n, [...wide(sum), ...wide(sum)]));
    expect(got).toEqual({ total: sum, mean: sum / 3n });
    expect(got.mean).toBe(9156168956529345529n);
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
