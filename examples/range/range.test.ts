// The compiled scan.ioc against the reference: rows (through suspensions: the output buffer holds
// 32 rows) and aggregates, for ranges that start before, inside and after the keys, on trees of
// every depth the generator makes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExampleRunner as Runner, ExampleRunner, compileExample } from "../common/harness.js";
import { Rng } from "../../src/datagen/rng.js";
import { generateBptree } from "./gen.js";
import { scanRange } from "./reference.js";
import type { ChainResult } from "../../src/runtime/driver.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";

const bpf = bpfAvailable();
if (!bpf.ok) console.warn(`skipping examples/range on the linux target: ${bpf.reason}`);

/** The chain's answer in the reference's shape. */
function asScan(r: ChainResult) {
  return { status: r.status, rows: r.rows, aggregates: r.aggregates, hops: r.hops };
}

describe("range: compiled scan.ioc = reference", () => {
  let runner: Runner;
  beforeAll(() => {
    runner = new ExampleRunner(compileExample("range", "scan"));
  });
  afterAll(() => runner?.close());

  for (const depth of [1, 2, 3, 4, 5, 6]) {
    it(`depth ${depth}: 200 ranges`, () => {
      const tree = generateBptree({
        seed: 300 + depth,
        keys: depth === 1 ? 30 : depth === 2 ? 800 : 600,
        depth,
      });
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
      let suspensions = 0;
      for (const [lo, hi] of ranges) {
        const want = scanRange(tree.bytes, lo, hi);
        const r = runner.run(tree.bytes, { lo, hi });
        suspensions += r.suspensions;
        expect({ lo, hi, ...asScan(r) }).toEqual({ lo, hi, status: "done", ...want });
      }
      // the 32-row output buffer filled and was drained (a 1-level tree has too few keys for that)
      if (depth > 1) expect(suspensions).toBeGreaterThan(0);
    });
  }

  it("over no rows, count and sum are 0 and min and max are null", () => {
    const tree = generateBptree({ seed: 7, keys: 600, depth: 3 });
    const last = tree.keys[tree.keys.length - 1];
    const empty: [bigint, bigint][] = [
      [last + 1n, (1n << 64n) - 1n], // past every key: the scan reads leaves, emits nothing
      [tree.keys[1], tree.keys[0]], // lo > hi
    ];
    for (const [lo, hi] of empty) {
      const r = runner.run(tree.bytes, { lo, hi });
      expect(r.status).toBe("done");
      expect(r.rows).toEqual([]);
      expect(r.aggregates).toEqual({ count: 0n, sum: 0n, min: null, max: null });
    }
    // A chain with rows right before does not leak into the next one's min/max.
    const full = runner.run(tree.bytes, { lo: 0n, hi: last }).aggregates;
    expect(full.min).toBe(scanRange(tree.bytes, 0n, last).aggregates.min);
    expect(full.min).not.toBeNull();
    expect(runner.run(tree.bytes, { lo: last + 1n, hi: last + 2n }).aggregates.max).toBeNull();
  });

  it.skipIf(!bpf.ok)("the linux target agrees on a sample", () => {
    const kernel = new ExampleRunner(runner.artifact, "linux");
    try {
      const tree = generateBptree({ seed: 9, keys: 600, depth: 4 });
      const rng = new Rng(9);
      for (let n = 0; n < 40; n++) {
        const lo = rng.bigBelow(tree.keys[599] + 5n);
        const hi = lo + rng.bigBelow(n % 4 === 0 ? 4000n : 100n);
        expect(asScan(kernel.run(tree.bytes, { lo, hi }))).toEqual({
          status: "done",
          ...scanRange(tree.bytes, lo, hi),
        });
      }
    } finally {
      kernel.close();
    }
  });
});
