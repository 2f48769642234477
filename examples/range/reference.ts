// The range scan in plain TypeScript (README.md): descend to the leaf holding `lo`, walk the leaf
// links right until a key exceeds `hi`, keep entries with lo <= key <= hi and key % 3 != 0, and
// project (key, value offset) rows; count, sum, min and max of the kept keys. Counts the blocks
// read (hops) as the chain does: the descent, then one read per further leaf.
import { CorruptDataError } from "../../src/datagen/corrupt.js";
import { LEAF_MAX_KEYS, NodeField, VALUE_FLAG } from "../../src/datagen/bptree.js";
import { descend, readNode, valueOffset } from "../../src/datagen/bptree-reference.js";

export interface RangeRow {
  key: bigint;
  /** The value's byte offset (ptr with bit 63 cleared). */
  ptr: bigint;
}

export interface RangeResult {
  rows: RangeRow[];
  /** sum wraps at 2^64 like a u64 accumulator; min and max are null when no row passed. */
  aggregates: { count: bigint; sum: bigint; min: bigint | null; max: bigint | null };
  hops: number;
}

/** The filter the example applies to every entry in range. */
export const keepKey = (key: bigint): boolean => key % 3n !== 0n;

export function scanRange(file: Uint8Array, lo: bigint, hi: bigint): RangeResult {
  let { leaf, hops } = descend(file, lo);
  const rows: RangeRow[] = [];
  const seen = new Set<number>([leaf.offset]);
  for (;;) {
    for (let i = 0; i < leaf.num; i++) {
      const key = leaf.key(i);
      if (key > hi) return finish(rows, hops);
      if (key >= lo && keepKey(key)) {
        valueOffset(file, leaf, i); // checks the flag and the bounds
        rows.push({ key, ptr: leaf.ptr(i) & ~VALUE_FLAG });
      }
    }
    const next = leaf.ptr(LEAF_MAX_KEYS);
    if (next === 0n) return finish(rows, hops);
    const at = leaf.offset + NodeField.ptr + 8 * LEAF_MAX_KEYS;
    const prevLast = leaf.key(leaf.num - 1);
    leaf = readNode(file, next);
    hops++;
    if (!leaf.leaf)
      throw new CorruptDataError("bptree", at, `the leaf link ${next} points at an internal node`);
    if (seen.has(leaf.offset))
      throw new CorruptDataError("bptree", at, `the leaf links loop back to ${next}`);
    if (leaf.key(0) <= prevLast)
      throw new CorruptDataError(
        "bptree",
        at,
        `the next leaf's first key ${leaf.key(0)} is not above ${prevLast}`,
      );
    seen.add(leaf.offset);
  }
}

function finish(rows: RangeRow[], hops: number): RangeResult {
  let sum = 0n;
  for (const r of rows) sum = BigInt.asUintN(64, sum + r.key);
  return {
    rows,
    aggregates: {
      count: BigInt(rows.length),
      sum,
      min: rows.length ? rows[0].key : null,
      max: rows.length ? rows[rows.length - 1].key : null,
    },
    hops,
  };
}
