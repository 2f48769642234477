import { describe, expect, it } from "vitest";
import {
  MAX_FANOUT,
  MAX_LEAF_CELLS,
  PAGE_BYTES,
  generateSlotted,
  sqliteVarint,
} from "../../examples/slotted/gen.js";
import { lookupSlotted, readSqliteVarint } from "../../examples/slotted/reference.js";
import { absentKeys, expectCode, fuzzCorruption } from "./helpers.js";

describe("slotted generator and reference", () => {
  for (const depth of [1, 2, 3, 4]) {
    it(`depth ${depth}: every rowid is found with its payload, absent ones are not`, () => {
      const keys = depth === 1 ? 40 : depth === 4 ? 500 : 3000;
      const t = generateSlotted({ seed: depth, keys, depth, wide: depth % 2 === 0 });
      expect(t.depth).toBe(depth);
      t.keys.forEach((k, i) =>
        expect(lookupSlotted(t.bytes, k)).toEqual({ value: t.payloads[i], hops: depth }),
      );
      for (const k of absentKeys(t.keys, (1n << 63n) - 1n))
        expect(lookupSlotted(t.bytes, k)).toEqual({ error: "not_found", hops: depth });
    });
  }

  it("encodes SQLite varints (1..9 bytes) and reads them back", () => {
    expect(sqliteVarint(0n)).toEqual([0]);
    expect(sqliteVarint(127n)).toEqual([0x7f]);
    expect(sqliteVarint(128n)).toEqual([0x81, 0x00]);
    expect(sqliteVarint(0x3fffn)).toEqual([0xff, 0x7f]);
    expect(sqliteVarint((1n << 56n) - 1n)).toHaveLength(8);
    expect(sqliteVarint(1n << 56n)).toEqual([0x80, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
    expect(sqliteVarint((1n << 64n) - 1n)).toEqual([...new Array(8).fill(0xff), 0xff]);
    for (const v of [
      0n,
      1n,
      200n,
      1n << 35n,
      (1n << 56n) - 1n,
      1n << 56n,
      0x0123456789abcdefn,
      (1n << 64n) - 1n,
    ]) {
      const b = Uint8Array.from(sqliteVarint(v));
      expect(readSqliteVarint(b, 0, 0)).toEqual({ value: v, next: b.length });
    }
  });

  it("lays pages out as the README says (fields checked by hand)", () => {
    const t = generateSlotted({ seed: 9, keys: 100, leafFill: 40, fanout: MAX_FANOUT });
    // 100 rows in 40-row leaves: 3 leaves (pages 2..4) under the interior root, page 1.
    expect([t.depth, t.pages, t.bytes.length]).toEqual([2, 4, 4 * PAGE_BYTES]);
    const v = new DataView(t.bytes.buffer);
    expect(v.getUint8(0)).toBe(0x05);
    expect(v.getUint16(1)).toBe(0);
    expect(v.getUint16(3)).toBe(2); // 3 children: 2 cells + the right child
    expect(v.getUint8(7)).toBe(0);
    expect(v.getUint32(8)).toBe(4); // right child: the last leaf
    const cell0 = v.getUint16(12);
    expect(v.getUint16(5)).toBe(Math.min(cell0, v.getUint16(14))); // content_start: the lowest cell
    expect(v.getUint32(cell0)).toBe(2); // cell 0's left child: page 2
    const leaf2Count = v.getUint16(PAGE_BYTES + 3);
    expect(readSqliteVarint(t.bytes, cell0 + 4, 0).value).toBe(t.keys[leaf2Count - 1]); // its largest rowid
    // Page 2, a leaf: header 8 bytes, first cell = payload length, rowid, payload.
    expect(v.getUint8(PAGE_BYTES)).toBe(0x0d);
    const c = PAGE_BYTES + v.getUint16(PAGE_BYTES + 8);
    const len = readSqliteVarint(t.bytes, c, 0);
    const id = readSqliteVarint(t.bytes, len.next, 0);
    expect([Number(len.value), id.value]).toEqual([t.payloads[0].length, t.keys[0]]);
    expect(t.bytes.slice(id.next, id.next + Number(len.value))).toEqual(t.payloads[0]);
  });

  it("fills leaves to the limit without overflowing pages", () => {
    const t = generateSlotted({ seed: 3, keys: 5 * MAX_LEAF_CELLS, wide: true });
    expect(t.depth).toBe(2);
    for (const k of t.keys) expect(lookupSlotted(t.bytes, k)).toMatchObject({ hops: 2 });
  });

  it("is deterministic and refuses impossible options", () => {
    expect(generateSlotted({ seed: 2, keys: 700, depth: 3 }).bytes).toEqual(
      generateSlotted({ seed: 2, keys: 700, depth: 3 }).bytes,
    );
    expectCode(() => generateSlotted({ keys: 2, depth: 4 }), "E0936");
    expectCode(() => generateSlotted({ keys: 10, fanout: 1 }), "E0936");
  });

  it("reports corrupt files as E0934, never a crash", () => {
    const t = generateSlotted({ seed: 4, keys: 600, depth: 3 });
    const bad = t.bytes.slice();
    bad[0] = 0x02;
    expect(expectCode(() => lookupSlotted(bad, 1n), "E0934").message).toMatch(/page type 0x2/);
    const loop = t.bytes.slice();
    new DataView(loop.buffer).setUint32(8, 1); // the root's right child is the root
    expect(expectCode(() => lookupSlotted(loop, 1n << 62n), "E0934").message).toMatch(/cycle/);
    expectCode(() => lookupSlotted(new Uint8Array(10), 1n), "E0934");
    const probe = [t.keys[0], t.keys[300], t.keys[599], 0n, t.keys[599] + 1n];
    expect(
      fuzzCorruption(t.bytes, 2000, (f) => probe.forEach((k) => lookupSlotted(f, k))),
    ).toBeGreaterThan(0);
  });
});
