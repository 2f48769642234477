// The compiled lookup.ioc against the reference: keys present, absent (ruled out by the index,
// by the bloom filter, or only by the data block), and the extremes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ExampleRunner as Runner,
  ExampleRunner,
  asLookup,
  compileExample,
} from "../common/harness.js";
import { Rng } from "../../src/datagen/rng.js";
import { generateSstable } from "./gen.js";
import { lookupSstable } from "./reference.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { LoadError } from "../../src/runtime/linux/errors.js";

const bpf = bpfAvailable();
if (!bpf.ok) console.warn(`skipping examples/sstable on the linux target: ${bpf.reason}`);

describe("sstable: compiled lookup.ioc = reference", () => {
  let runner: Runner;
  beforeAll(() => {
    runner = new ExampleRunner(compileExample("sstable", "lookup"));
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
        keys.push(
          pick === 0
            ? k + 1n
            : pick === 1
              ? k === 0n
                ? k
                : k - 1n
              : pick === 2
                ? rng.bigBelow(last + 2n)
                : k,
        );
      }
      const hops = new Set<number>();
      for (const key of keys) {
        const want = lookupSstable(t.bytes, key);
        hops.add(want.hops);
        expect({ key, ...asLookup(runner.run(t.bytes, { key })) }).toEqual({ key, ...want });
      }
      // index only (past the last key), ruled out by the bloom filter, and data blocks read
      if (opts.keys > 1) expect([...hops].sort()).toEqual([1, 2, 3]);
    });
  }

  it.skipIf(!bpf.ok)("the linux target agrees on a sample", (ctx) => {
    let kernel: Runner;
    try {
      kernel = new ExampleRunner(runner.artifact, "linux");
    } catch (err) {
      // Known (reported to the compiler): the verifier gives up on the data stage's varint loop.
      if (err instanceof LoadError && /too large/.test(err.reason)) {
        console.warn(
          `skipping sstable on the linux target: the kernel rejects the compiled program: ${err.message}`,
        );
        return ctx.skip();
      }
      throw err;
    }
    try {
      const t = generateSstable({ seed: 5, keys: 5000, wide: true });
      const rng = new Rng(5);
      for (let n = 0; n < 200; n++) {
        const k = t.keys[rng.below(t.keys.length)];
        const key = n % 3 === 0 ? k + 1n : n % 3 === 1 ? k : rng.u64();
        expect(asLookup(kernel.run(t.bytes, { key }))).toEqual(lookupSstable(t.bytes, key));
      }
    } finally {
      kernel.close();
    }
  });
});
