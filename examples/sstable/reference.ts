// The sstable lookup in plain TypeScript (README.md): index block → bloom probe → data block scan.
// Counts the blocks read (hops): index, bloom, and the data block only when the bloom lets the key
// through. A file outside the format gives a CorruptDataError (E0934) naming the byte.
import { CorruptDataError } from "../../src/datagen/corrupt.js";
import {
  BLOCK_BYTES,
  INDEX_ENTRIES_AT,
  MAGIC,
  MAX_DATA_BLOCKS,
  MAX_VALUE_BYTES,
  bloomBits,
} from "./gen.js";

export type LookupResult =
  { value: Uint8Array; hops: number } | { error: "not_found"; hops: number };

const corrupt = (offset: number | bigint, message: string): never => {
  throw new CorruptDataError("sstable", offset, message);
};

/** The bytes of the block at `offset` that exist (a block may end early at the end of the file). */
function blockAt(file: Uint8Array, offset: bigint, what: string, at: number): Uint8Array {
  if (offset >= BigInt(file.byteLength))
    corrupt(at, `${what} offset ${offset} lies past the end of the ${file.byteLength}-byte file`);
  const start = Number(offset);
  return file.subarray(start, Math.min(file.byteLength, start + BLOCK_BYTES));
}

/** Reads an unsigned LEB128 at `p` inside `block`; at most 10 bytes, and it must fit in 64 bits. */
export function readLeb128(
  block: Uint8Array,
  p: number,
  base: number,
): { value: bigint; next: number } {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (p + i >= block.length) corrupt(base + p, "a LEB128 number runs past the end of its block");
    const byte = block[p + i];
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) {
      if (value >= 1n << 64n) corrupt(base + p, "a LEB128 number does not fit in 64 bits");
      return { value, next: p + i + 1 };
    }
  }
  return corrupt(base + p, "a LEB128 number is longer than 10 bytes");
}

export interface IndexBlock {
  count: number;
  bloomOffset: bigint;
  bloomK: number;
  entries: { lastKey: bigint; offset: bigint }[];
}

export function readIndex(file: Uint8Array): IndexBlock {
  if (file.byteLength < INDEX_ENTRIES_AT)
    corrupt(0, `the file is ${file.byteLength} bytes, shorter than an index header`);
  const view = new DataView(file.buffer, file.byteOffset, Math.min(file.byteLength, BLOCK_BYTES));
  const magic = view.getUint32(0, true);
  if (magic !== MAGIC)
    corrupt(0, `magic is 0x${magic.toString(16)}, not 0x${MAGIC.toString(16)} ("IOSS")`);
  const count = view.getUint32(4, true);
  if (count < 1 || count > MAX_DATA_BLOCKS)
    corrupt(4, `data block count ${count} is outside 1..${MAX_DATA_BLOCKS}`);
  const bloomK = view.getUint32(16, true);
  if (bloomK < 1 || bloomK > 16) corrupt(16, `bloom_k ${bloomK} is outside 1..16`);
  if (view.byteLength < INDEX_ENTRIES_AT + 16 * count)
    corrupt(INDEX_ENTRIES_AT, `the index of ${count} entries runs past the end of the file`);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const lastKey = view.getBigUint64(INDEX_ENTRIES_AT + 16 * i, true);
    if (i > 0 && lastKey <= entries[i - 1].lastKey)
      corrupt(
        INDEX_ENTRIES_AT + 16 * i,
        `index last_key ${lastKey} is not above the previous ${entries[i - 1].lastKey}`,
      );
    entries.push({ lastKey, offset: view.getBigUint64(INDEX_ENTRIES_AT + 16 * i + 8, true) });
  }
  return { count, bloomOffset: view.getBigUint64(8, true), bloomK, entries };
}

/** `lookup(key)`: the value bytes (1..32), or not_found. */
export function lookupSstable(file: Uint8Array, key: bigint): LookupResult {
  const index = readIndex(file);
  const slot = index.entries.findIndex((e) => e.lastKey >= key);
  if (slot < 0) return { error: "not_found", hops: 1 };

  const bloom = blockAt(file, index.bloomOffset, "bloom block", 8);
  for (const bit of bloomBits(key, index.bloomK)) {
    const byte = bit >> 3;
    if (byte >= bloom.length)
      corrupt(index.bloomOffset, "the bloom block is cut short by the end of the file");
    if ((bloom[byte] & (1 << (bit & 7))) === 0) return { error: "not_found", hops: 2 };
  }

  const dataOffset = index.entries[slot].offset;
  const data = blockAt(file, dataOffset, "data block", INDEX_ENTRIES_AT + 16 * slot + 8);
  const base = Number(dataOffset);
  if (data.length < 2) corrupt(base, "the data block is cut short by the end of the file");
  const count = new DataView(data.buffer, data.byteOffset).getUint16(0, true);
  let p = 2;
  let prev = -1n;
  for (let i = 0; i < count; i++) {
    const k = readLeb128(data, p, base);
    const len = readLeb128(data, k.next, base);
    if (len.value < 1n || len.value > BigInt(MAX_VALUE_BYTES))
      corrupt(base + k.next, `value_len ${len.value} is outside 1..${MAX_VALUE_BYTES}`);
    const end = len.next + Number(len.value);
    if (end > data.length)
      corrupt(base + len.next, "an entry's value runs past the end of its block");
    if (k.value <= prev)
      corrupt(base + p, `entry key ${k.value} is not above the previous ${prev}`);
    if (k.value === key) return { value: data.slice(len.next, end), hops: 3 };
    prev = k.value;
    p = end;
  }
  return { error: "not_found", hops: 3 };
}
