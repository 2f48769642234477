import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGenCli } from "../../src/datagen/gen-cli.js";
import {
  LEAF_MAX_KEYS,
  NodeField,
  VALUE_FLAG,
  bptreeCli,
  generateBptree,
  writeBptree,
} from "../../src/datagen/bptree.js";
import { lookupBptree } from "../../src/datagen/bptree-reference.js";
import { absentKeys, expectCode, fuzzCorruption } from "./helpers.js";
import { testTempDir } from "../support/tmp.js";

const u64 = (b: Uint8Array, at: number): bigint =>
  new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);

describe("bptree generator and reference", () => {
  for (const depth of [1, 2, 3, 4, 5, 6]) {
    it(`depth ${depth}: every key is found with its value, absent keys are not`, () => {
      const keys = depth === 1 ? 20 : depth === 2 ? 900 : depth === 6 ? 300 : 1500;
      const tree = generateBptree({ seed: depth, keys, depth });
      expect(tree.depth).toBe(depth);
      // Walk the leftmost path by hand: depth - 1 internal nodes (type 0), then a leaf (type 1).
      let off = 0;
      for (let level = 1; level < depth; level++) {
        expect(u64(tree.bytes, off + NodeField.type)).toBe(0n);
        off = Number(u64(tree.bytes, off + NodeField.ptr));
      }
      expect(u64(tree.bytes, off + NodeField.type)).toBe(1n);

      tree.keys.forEach((k, i) => {
        const r = lookupBptree(tree.bytes, k);
        expect(r).toEqual({ value: tree.values[i], hops: depth + 1 });
      });
      for (const k of absentKeys(tree.keys))
        expect(lookupBptree(tree.bytes, k)).toEqual({ error: "not_found", hops: depth });
    });
  }

  it("lays nodes out as the README says (fields checked by hand)", () => {
    const tree = generateBptree({ seed: 3, keys: 100, leafFill: 30, fanout: 31 });
    const b = tree.bytes;
    // 100 keys in 30-key leaves: 4 leaves under one root; root at 0, leaves at 512..2048.
    expect([tree.depth, tree.nodes, tree.leaves, tree.valuesOffset]).toEqual([2, 5, 4, 2560]);
    expect(u64(b, 0)).toBe(4n); // root num = children
    expect(u64(b, 8)).toBe(0n); // internal
    const leafOffsets = [0, 1, 2, 3].map((i) => u64(b, NodeField.ptr + 8 * i));
    expect(leafOffsets).toEqual([512n, 1024n, 1536n, 2048n]);
    for (let i = 0; i < 4; i++) {
      const leaf = Number(leafOffsets[i]);
      expect(u64(b, leaf + 8)).toBe(1n);
      expect(u64(b, NodeField.key + 8 * i)).toBe(u64(b, leaf + NodeField.key)); // key[i] = child's smallest key
      const next = u64(b, leaf + NodeField.ptr + 8 * LEAF_MAX_KEYS);
      expect(next).toBe(i < 3 ? leafOffsets[i + 1] : 0n);
    }
    // The first leaf's first entry: bit 63 set, value 0 at the start of the values, key in front.
    expect(u64(b, 512 + NodeField.ptr)).toBe(VALUE_FLAG | 2560n);
    expect(u64(b, 2560)).toBe(tree.keys[0]);
    // Values packed 8 to a 512 B block: 100 values, 13 blocks.
    expect(b.length).toBe(2560 + 13 * 512);
    expect(u64(b, 512 + NodeField.ptr + 8)).toBe(VALUE_FLAG | (2560n + 64n));
  });

  it("is deterministic in the seed", () => {
    const a = generateBptree({ seed: 9, keys: 500, depth: 3 });
    expect(generateBptree({ seed: 9, keys: 500, depth: 3 }).bytes).toEqual(a.bytes);
    expect(generateBptree({ seed: 10, keys: 500, depth: 3 }).bytes).not.toEqual(a.bytes);
  });

  it("spreads wide keys over the u64 range (past 2^63 too)", () => {
    const tree = generateBptree({ seed: 5, keys: 400, depth: 3, wide: true });
    expect(tree.keys.some((k) => k >= 1n << 63n)).toBe(true);
    expect(tree.keys.some((k) => k < 1n << 20n)).toBe(true);
    for (const k of tree.keys) expect("value" in lookupBptree(tree.bytes, k)).toBe(true);
    for (const k of absentKeys(tree.keys).slice(0, 300))
      expect(lookupBptree(tree.bytes, k)).toMatchObject({ error: "not_found" });
  });

  it("refuses options it cannot honour (E0936)", () => {
    expectCode(() => generateBptree({ keys: 0 }), "E0936");
    expectCode(() => generateBptree({ keys: 3, depth: 6 }), "E0936");
    expectCode(() => generateBptree({ keys: 10, leafFill: 31 }), "E0936");
  });

  it("reports corrupt files as E0934, never a crash", () => {
    const tree = generateBptree({ seed: 1, keys: 200, depth: 3 });
    const b = tree.bytes.slice();
    new DataView(b.buffer).setBigUint64(8, 7n, true); // root type 7
    expect(expectCode(() => lookupBptree(b, 1n), "E0934").message).toMatch(/byte 8: node type 7/);
    const c = tree.bytes.slice();
    new DataView(c.buffer).setBigUint64(NodeField.ptr, 512n * 100000n, true); // child past the end
    expectCode(() => lookupBptree(c, 0n), "E0934");
    const d = tree.bytes.slice();
    new DataView(d.buffer).setBigUint64(NodeField.ptr, 0n, true); // the root is its own child
    expect(expectCode(() => lookupBptree(d, 0n), "E0934").message).toMatch(/cycle/);
    expectCode(() => lookupBptree(new Uint8Array(100), 1n), "E0934");
    const flips = fuzzCorruption(tree.bytes, 2000, (f) => {
      for (const k of [tree.keys[0], tree.keys[77], 12345n]) lookupBptree(f, k);
    });
    expect(flips).toBeGreaterThan(0);
  });

  it("writes files from its command line, atomically; bad options exit 1", () => {
    const dir = testTempDir("iochain-bptree-");
    const out = join(dir, "tree.db");
    const log = process.stdout.write;
    let printed = "";
    process.stdout.write = ((s: string) => ((printed += s), true)) as typeof process.stdout.write;
    try {
      expect(runGenCli(bptreeCli, [out, "--keys", "1000", "--depth", "4", "--seed", "2"])).toBe(0);
    } finally {
      process.stdout.write = log;
    }
    expect(JSON.parse(printed)).toMatchObject({ file: out, keys: 1000, depth: 4 });
    expect(new Uint8Array(readFileSync(out))).toEqual(
      generateBptree({ keys: 1000, depth: 4, seed: 2 }).bytes,
    );
    expect(writeBptree(join(dir, "b.db"), { keys: 10 }).depth).toBe(1);
    const err = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(runGenCli(bptreeCli, [out, "--keys", "zero"])).toBe(1);
      expect(runGenCli(bptreeCli, [out])).toBe(1);
      expect(runGenCli(bptreeCli, [out, "--keys", "5", "--bogus", "1"])).toBe(1);
    } finally {
      process.stderr.write = err;
    }
  });
});
