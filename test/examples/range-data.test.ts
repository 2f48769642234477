import { describe, expect, it } from "vitest";
import { generateBptree } from "../../examples/range/gen.js";
import { keepKey, scanRange } from "../../examples/range/reference.js";
import { NodeField, LEAF_MAX_KEYS } from "../../src/datagen/bptree.js";
import { Rng } from "../../src/datagen/rng.js";
import { expectCode, fuzzCorruption } from "./helpers.js";

describe("range reference", () => {
  for (const depth of [1, 2, 3, 6]) {
    it(`depth ${depth}: rows and aggregates match a scan of the key list`, () => {
      const tree = generateBptree({ seed: 40 + depth, keys: depth === 1 ? 25 : 600, depth });
      const rng = new Rng(depth);
      const last = tree.keys[tree.keys.length - 1];
      for (let n = 0; n < 200; n++) {
        const a = rng.bigBelow(last + 20n);
        const b = n % 10 === 0 ? a : rng.bigBelow(last + 20n);
        const [lo, hi] = n % 17 === 0 ? [b, a] : a <= b ? [a, b] : [b, a];
        const want = tree.keys
          .map((key, i) => ({ key, ptr: BigInt(tree.valuesOffset + 64 * i) }))
          .filter((r) => r.key >= lo && r.key <= hi && keepKey(r.key));
        const got = scanRange(tree.bytes, lo, hi);
        expect(got.rows).toEqual(want);
        expect(got.aggregates).toEqual({
          count: BigInt(want.length),
          sum: want.reduce((s, r) => s + r.key, 0n),
          min: want[0]?.key ?? null,
          max: want.at(-1)?.key ?? null,
        });
        expect(got.hops).toBeGreaterThanOrEqual(depth);
      }
    });
  }

  it("counts one read per leaf after the descent", () => {
    // 90 keys in full 30-key leaves: scanning everything reads the root and all 3 leaves.
    const tree = generateBptree({ seed: 1, keys: 90, leafFill: 30, fanout: 31 });
    expect(scanRange(tree.bytes, 0n, (1n << 64n) - 1n).hops).toBe(4);
    // A range inside the first leaf stops there: a key above hi is seen without another read.
    expect(scanRange(tree.bytes, tree.keys[0], tree.keys[5]).hops).toBe(2);
  });

  it("reports corrupt leaf links as E0934", () => {
    const tree = generateBptree({ seed: 2, keys: 90, leafFill: 30, fanout: 31 });
    const b = tree.bytes.slice();
    const firstLeaf = Number(new DataView(b.buffer).getBigUint64(NodeField.ptr, true));
    new DataView(b.buffer).setBigUint64(
      firstLeaf + NodeField.ptr + 8 * LEAF_MAX_KEYS,
      BigInt(firstLeaf),
      true,
    );
    expect(expectCode(() => scanRange(b, 0n, (1n << 64n) - 1n), "E0934").message).toMatch(
      /loop|not above/,
    );
    fuzzCorruption(tree.bytes, 1000, (f) => scanRange(f, 0n, (1n << 64n) - 1n));
  });
});
