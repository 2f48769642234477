// The compiled lookup.ioc against the reference: keys present, absent (ruled out by the index,
// by the bloom filter, or only by the data block), and the extremes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExampleRunner as Runner, ExampleRunner, asLookup, compileExample, loadCompile } from "../common/harness.js";
import { Rng } from "../common/rng.js";
import { generateSstable } from "./gen.js";
import { lookupSstable } from "./reference.js";

const loaded = await loadCompile();
const skip = "reason" in loaded ? loaded.reason : undefined;
if (skip) console.warn(`skipping examples/sstable end-to-end tests: ${skip}`);

describe.skipIf(skip !== undefined)("sstable: compiled lookup.ioc = reference", () => {
  let runner: Runner;
  beforeAll(() => {
    if ("compile" in loaded) runner = new ExampleRunner(compileExample(loaded.compile, "sstable", "lookup"));
  });
  afterAll(() => runner?.close());

  for (const [name, opts] of [
    ["narrow keys, k = 7", { seed: 1, keys: 20000 }],
    ["wide keys, k = 3", { seed: 2, keys: 8000, wide: true, bloomK: 3 }],
    ["one entry per block, k = 16", { seed: 3, keys: 254, perBlock: 1, bloomK: 16 }],
    ["a single key, k = 1", { seed: 4, keys: 1, bloomK: 1 }],
  ] as const) {
    it(`${name}: 1000 keys`, () => {
      const t = generateSstable(opts);
      const rng = new Rng(opts.seed);
      const last = t.keys[t.keys.length - 1];
      const keys = [0n, (1n << 64n) - 1n, t.keys[0], last, last + 1n];
      while (keys.length < 1000) {
        const k = t.keys[rng.below(t.keys.length)];
        const pick = rng.below(4);
        keys.push(pick === 0 ? k + 1n : pick === 1 ? (k === 0n ? k : k - 1n) : pick === 2 ? rng.bigBelow(last + 2n) : k);
      }
      for (const key of keys) {
        expect({ key, ...asLookup(runner.run(t.bytes, { key })) }).toEqual({ key, ...lookupSstable(t.bytes, key) });
      }
    });
  }
});
