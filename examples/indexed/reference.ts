// The indexed lookup in plain TypeScript (README.md), over the two files' bytes: the root's fence
// keys pick the leaf, the leaf's sorted entries give the record's offset in data.db, the record
// holds the key and the value. Counts the blocks read (hops) and ends with the same error names
// as lookup.ioc.
import {
  INDEX_MAGIC,
  LEAF_MAGIC,
  MAX_ENTRIES,
  MAX_LEAVES,
  MAX_VALUE,
  PAGE_BYTES,
  RECORD_HEADER,
  RECORD_MAGIC,
  RECORD_SLOT,
} from "./gen.js";

export type LookupResult = { value: Uint8Array; hops: number } | { error: string; hops: number };

/** `size` bytes at `offset`, zero-filled past the end (as the driver's short read at end of file). */
function block(file: Uint8Array, offset: number, size: number): DataView {
  const bytes = new Uint8Array(size);
  bytes.set(file.subarray(offset, Math.min(file.length, offset + size)));
  return new DataView(bytes.buffer);
}

/** The extent checks a resubmit gets on a file that is one extent: inside it, 512-aligned. */
function readError(file: Uint8Array, offset: bigint): string | undefined {
  if (offset % 512n !== 0n) return "misaligned";
  if (offset >= BigInt(file.length)) return "out_of_file";
  return undefined;
}

export function lookupIndexed(index: Uint8Array, data: Uint8Array, key: bigint): LookupResult {
  let hops = 1;
  if (index.length === 0) return { error: "out_of_file", hops: 0 };
  const root = block(index, 0, PAGE_BYTES);
  if (root.getUint32(0, true) !== INDEX_MAGIC) return { error: "bad_magic", hops };
  const leaves = root.getUint32(4, true);
  if (leaves === 0 || leaves > MAX_LEAVES) return { error: "corrupt", hops };
  // The first leaf whose fence key is above the key.
  let lo = 0;
  let hi = leaves;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (root.getBigUint64(16 + 8 * mid, true) <= key) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return { error: "not_found", hops };
  const leafOffset = BigInt(lo) * BigInt(PAGE_BYTES);
  const leafError = readError(index, leafOffset);
  if (leafError) return { error: leafError, hops };

  hops++;
  const leaf = block(index, Number(leafOffset), PAGE_BYTES);
  if (leaf.getUint32(0, true) !== LEAF_MAGIC) return { error: "bad_magic", hops };
  const n = leaf.getUint32(4, true);
  if (n === 0 || n > MAX_ENTRIES) return { error: "corrupt", hops };
  lo = 0;
  hi = n;
  const entryKey = (i: number): bigint => leaf.getBigUint64(8 + 16 * i, true);
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (entryKey(mid) < key) lo = mid + 1;
    else hi = mid;
  }
  if (lo === n || entryKey(lo) !== key) return { error: "not_found", hops };
  const recordOffset = leaf.getBigUint64(16 + 16 * lo, true);
  const recordError = readError(data, recordOffset);
  if (recordError) return { error: recordError, hops };

  hops++;
  const record = block(data, Number(recordOffset), RECORD_SLOT);
  if (record.getUint32(0, true) !== RECORD_MAGIC) return { error: "bad_magic", hops };
  const len = record.getUint32(4, true);
  if (record.getBigUint64(8, true) !== key || len > MAX_VALUE) return { error: "corrupt", hops };
  return {
    value: new Uint8Array(record.buffer, RECORD_HEADER, len).slice(),
    hops,
  };
}
