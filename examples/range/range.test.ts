// The compiled scan.ioc against the reference: rows (through suspensions: the output buffer holds
// 32 rows) and aggregates, for ranges that start before, inside and after the keys, on trees of
// every depth the generator makes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExampleRunner as Runner, ExampleRunner, compileExample, loadCompile } from "../common/harness.js";
import { Rng } from "../common/rng.js";
import { generateBptree } from "./gen.js";
import { scanRange } from "./reference.js";
import type { ChainResult } from "../../src/runtime/driver.js";

const loaded = await loadCompile();
const skip = "reason" in loaded ? loaded.reason : undefined;
if (skip) console.warn(`skipping examples/range end-to-end tests: ${skip}`);

/** The chain's answer in the reference's shape (rows {key, ptr}, aggregates count/sum/min/max). */
function asScan(r: ChainResult) {
  const count = r.aggregates.rows as bigint;
  return {
    status: r.status,
    rows: r.rows.map((row) => ({ key: row.key as bigint, ptr: row.off as bigint })),
    aggregates: {
      count,
      sum: r.aggregates.total as bigint,
      // min and max of nothing are the reference's null, whatever the scratch holds
      min: count === 0n ? null : (r.aggregates.smallest as bigint),
      max: count === 0n ? null : (r.aggregates.largest as bigint),
    },
    hops: r.hops,
  };
}

describe.skipIf(skip !== undefined)("range: compiled scan.ioc = reference", () => {
  let runner: Runner;
  beforeAll(() => {
    if ("compile" in loaded) runner = new ExampleRunner(compileExample(loaded.compile, "range", "scan"));
  });
  afterAll(() => runner?.close());

  for (const depth of [1, 2, 3, 4, 5, 6]) {
    it(`depth ${depth}: 200 ranges`, () => {
      const tree = generateBptree({ seed: 300 + depth, keys: depth === 1 ? 30 : depth === 2 ? 800 : 600, depth });
      const rng = new Rng(depth);
      const last = tree.keys[tree.keys.length - 1];
      const ranges: [bigint, bigint][] = [
        [0n, (1n << 64n) - 1n],
        [0n, 0n],
        [last, last],
        [last + 1n, (1n << 64n) - 1n],
        [tree.keys[0], tree.keys[0]],
      ];
      while (ranges.length < 200) {
        const a = rng.bigBelow(last + 10n);
        const width = rng.below(4) === 0 ? rng.bigBelow(last + 1n) : rng.bigBelow(200n);
        ranges.push(rng.below(10) === 0 ? [a + width, a] : [a, a + width]);
      }
      for (const [lo, hi] of ranges) {
        const want = scanRange(tree.bytes, lo, hi);
        const got = asScan(runner.run(tree.bytes, { lo, hi }));
        expect({ lo, hi, ...got }).toEqual({ lo, hi, status: "done", ...want });
      }
    });
  }
});
