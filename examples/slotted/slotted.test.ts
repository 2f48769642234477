// The compiled lookup.ioc against the reference on slotted-page trees of 1 to 4 levels, with
// small rowids and rowids of every varint length.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ExampleRunner as Runner,
  ExampleRunner,
  asLookup,
  compileExample,
} from "../common/harness.js";
import { Rng } from "../../src/datagen/rng.js";
import { generateSlotted } from "./gen.js";
import { lookupSlotted } from "./reference.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";

const bpf = bpfAvailable();
if (!bpf.ok) console.warn(`skipping examples/slotted on the linux target: ${bpf.reason}`);

describe("slotted: compiled lookup.ioc = reference", () => {
  let runner: Runner;
  beforeAll(() => {
    runner = new ExampleRunner(compileExample("slotted", "lookup"));
  });
  afterAll(() => runner?.close());

  for (const depth of [1, 2, 3, 4]) {
    for (const wide of [false, true]) {
      it(`depth ${depth}${wide ? ", rowids of every varint length" : ""}: 1000 rowids`, () => {
        const t = generateSlotted({
          seed: 500 + depth,
          keys: depth === 1 ? 50 : depth === 4 ? 600 : 4000,
          depth,
          wide,
        });
        expect(t.depth).toBe(depth);
        const rng = new Rng(depth);
        const last = t.keys[t.keys.length - 1];
        const keys = [0n, (1n << 64n) - 1n, (1n << 63n) - 1n, t.keys[0], last, last + 1n];
        while (keys.length < 1000) {
          const k = t.keys[rng.below(t.keys.length)];
          const pick = rng.below(4);
          keys.push(
            pick === 0 ? k + 1n : pick === 1 ? k - 1n : pick === 2 ? rng.bigBelow(last + 2n) : k,
          );
        }
        for (const rowid of keys) {
          expect({ rowid, ...asLookup(runner.run(t.bytes, { rowid })) }).toEqual({
            rowid,
            ...lookupSlotted(t.bytes, rowid),
          });
        }
      });
    }
  }

  it.skipIf(!bpf.ok)("the linux target agrees on a sample", () => {
    const kernel = new ExampleRunner(runner.artifact, "linux");
    try {
      for (const depth of [1, 3]) {
        const t = generateSlotted({
          seed: depth,
          keys: depth === 1 ? 40 : 3000,
          depth,
          wide: true,
        });
        const rng = new Rng(depth);
        for (let n = 0; n < 100; n++) {
          const k = t.keys[rng.below(t.keys.length)];
          const rowid = n % 3 === 0 ? k + 1n : k;
          expect(asLookup(kernel.run(t.bytes, { rowid }))).toEqual(lookupSlotted(t.bytes, rowid));
        }
      }
    } finally {
      kernel.close();
    }
  });
});
