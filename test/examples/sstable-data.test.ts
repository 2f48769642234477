import { describe, expect, it } from "vitest";
import {
  BLOCK_BYTES,
  MAGIC,
  bloomBits,
  generateSstable,
  leb128,
} from "../../examples/sstable/gen.js";
import { lookupSstable, readLeb128 } from "../../examples/sstable/reference.js";
import { absentKeys, expectCode, fuzzCorruption } from "./helpers.js";

describe("sstable generator and reference", () => {
  for (const [name, opts] of [
    ["narrow keys", { seed: 1, keys: 3000 }],
    ["wide keys", { seed: 2, keys: 3000, wide: true }],
    ["one entry per block, k = 1", { seed: 3, keys: 254, perBlock: 1, bloomK: 1 }],
    ["a single key", { seed: 4, keys: 1 }],
  ] as const) {
    it(`${name}: every key is found, absent keys are not (some through the bloom, some in the data block)`, () => {
      const t = generateSstable(opts);
      t.keys.forEach((k, i) =>
        expect(lookupSstable(t.bytes, k)).toEqual({ value: t.values[i], hops: 3 }),
      );
      const hops = new Set<number>();
      for (const k of absentKeys(t.keys)) {
        const r = lookupSstable(t.bytes, k);
        expect(r).toMatchObject({ error: "not_found" });
        hops.add(r.hops);
      }
      // above the last key: index only; the bloom rules out most others; false positives reach the data.
      expect(hops.has(1)).toBe(true);
      expect(hops.has(2)).toBe(true);
    });
  }

  it("lays the index, bloom and data blocks out as the README says", () => {
    const t = generateSstable({ seed: 5, keys: 500, bloomK: 3 });
    const v = new DataView(t.bytes.buffer);
    expect(v.getUint32(0, true)).toBe(MAGIC);
    expect(v.getUint32(4, true)).toBe(t.dataBlocks);
    expect(v.getBigUint64(8, true)).toBe(BigInt(t.bloomOffset));
    expect(v.getUint32(16, true)).toBe(3);
    expect(t.bytes.length).toBe((t.dataBlocks + 2) * BLOCK_BYTES);
    // The first data block: its index entry, count, and first entry decoded by hand.
    expect(v.getBigUint64(24 + 8, true)).toBe(4096n);
    const count = v.getUint16(4096, true);
    expect(v.getBigUint64(24, true)).toBe(t.keys[count - 1]);
    const key = readLeb128(t.bytes, 4098, 0);
    const len = readLeb128(t.bytes, key.next, 0);
    expect(key.value).toBe(t.keys[0]);
    expect(Number(len.value)).toBe(t.values[0].length);
    expect(t.bytes.slice(len.next, len.next + Number(len.value))).toEqual(t.values[0]);
    // Every key's bloom bits are set.
    for (const k of t.keys)
      for (const b of bloomBits(k, 3))
        expect(t.bytes[t.bloomOffset + (b >> 3)] & (1 << (b & 7))).not.toBe(0);
  });

  it("hashes and encodes as specified", () => {
    // h = 1 * golden: h1 = 0x9E3779B9, h2 = 0x7F4A7C15 | 1.
    expect(bloomBits(1n, 2)).toEqual([0x9e3779b9 & 32767, (0x9e3779b9 + 0x7f4a7c15) & 32767]);
    expect(leb128(0n)).toEqual([0]);
    expect(leb128(300n)).toEqual([0xac, 0x02]);
    expect(leb128((1n << 64n) - 1n)).toHaveLength(10);
  });

  it("is deterministic and refuses impossible options", () => {
    expect(generateSstable({ seed: 8, keys: 900 }).bytes).toEqual(
      generateSstable({ seed: 8, keys: 900 }).bytes,
    );
    expectCode(() => generateSstable({ keys: 255, perBlock: 1 }), "E0936");
    expectCode(() => generateSstable({ keys: 10, bloomK: 17 }), "E0936");
  });

  it("reports corrupt files as E0934, never a crash", () => {
    const t = generateSstable({ seed: 6, keys: 800 });
    const bad = t.bytes.slice();
    bad[0] = 0;
    expect(expectCode(() => lookupSstable(bad, 1n), "E0934").message).toMatch(/magic/);
    expectCode(() => lookupSstable(t.bytes.slice(0, 10), 1n), "E0934");
    expectCode(() => lookupSstable(t.bytes.slice(0, 4096), t.keys[0]), "E0934");
    const probe = [t.keys[0], t.keys[400], t.keys[799], 5n, t.keys[799] + 1n];
    expect(
      fuzzCorruption(t.bytes.subarray(0, 3 * 4096), 1000, (f) =>
        probe.forEach((k) => lookupSstable(f, k)),
      ),
    ).toBeGreaterThan(0);
    fuzzCorruption(t.bytes, 1000, (f) => probe.forEach((k) => lookupSstable(f, k)), 11);
  });
});
