// The slotted-page lookup in plain TypeScript (README.md): from page 1, on an interior page take
// the first cell whose rowid >= key and go to its left child (none: the right child); on a leaf,
// the cell with that rowid. Counts the pages read (hops). A file outside the format gives a
// CorruptDataError (E0934) naming the byte.
import { CorruptDataError } from "../../src/datagen/corrupt.js";
import {
  INTERIOR_HEADER,
  LEAF_HEADER,
  MAX_PAYLOAD,
  PAGE_BYTES,
  PAGE_INTERIOR,
  PAGE_LEAF,
} from "./gen.js";

export type LookupResult =
  { value: Uint8Array; hops: number } | { error: "not_found"; hops: number };

const corrupt = (offset: number, message: string): never => {
  throw new CorruptDataError("slotted", offset, message);
};

/** SQLite varint at `p` of `page` (page starts at file offset `base`): value and the next position. */
export function readSqliteVarint(
  page: Uint8Array,
  p: number,
  base: number,
): { value: bigint; next: number } {
  let value = 0n;
  for (let i = 0; i < 9; i++) {
    if (p + i >= page.length) corrupt(base + p, "a varint runs past the end of its page");
    const byte = page[p + i];
    if (i === 8) return { value: (value << 8n) | BigInt(byte), next: p + 9 };
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) return { value, next: p + i + 1 };
  }
  throw new Error("unreachable");
}

interface PageView {
  bytes: Uint8Array;
  base: number;
  leaf: boolean;
  /** Offsets of the cells, in pointer-array (rowid) order. */
  cells: number[];
  rightChild: number;
}

function readPage(file: Uint8Array, number: number, from: number): PageView {
  const pages = Math.floor(file.byteLength / PAGE_BYTES);
  if (number < 1 || number > pages) corrupt(from, `page number ${number} is outside 1..${pages}`);
  const base = (number - 1) * PAGE_BYTES;
  const bytes = file.subarray(base, base + PAGE_BYTES);
  const view = new DataView(bytes.buffer, bytes.byteOffset, PAGE_BYTES);
  const type = bytes[0];
  if (type !== PAGE_INTERIOR && type !== PAGE_LEAF)
    corrupt(base, `page type 0x${type.toString(16)} is neither 0x05 (interior) nor 0x0d (leaf)`);
  const leaf = type === PAGE_LEAF;
  const header = leaf ? LEAF_HEADER : INTERIOR_HEADER;
  const count = view.getUint16(3);
  if (header + 2 * count > PAGE_BYTES)
    corrupt(base + 3, `cell count ${count} does not fit the page`);
  const cells: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = view.getUint16(header + 2 * i);
    if (at < header + 2 * count || at >= PAGE_BYTES)
      corrupt(base + header + 2 * i, `cell pointer ${at} points outside the content area`);
    cells.push(at);
  }
  return { bytes, base, leaf, cells, rightChild: leaf ? 0 : view.getUint32(8) };
}

function childOf(page: PageView, key: bigint): number {
  let prev = -1n;
  for (const at of page.cells) {
    if (at + 4 > PAGE_BYTES)
      corrupt(page.base + at, "an interior cell runs past the end of its page");
    const child = new DataView(page.bytes.buffer, page.bytes.byteOffset).getUint32(at);
    const rowid = readSqliteVarint(page.bytes, at + 4, page.base).value;
    if (rowid <= prev)
      corrupt(page.base + at + 4, `interior cell rowid ${rowid} is not above the previous ${prev}`);
    if (rowid >= key) return child;
    prev = rowid;
  }
  return page.rightChild;
}

/** `lookup(rowid)`: the payload (1..64 bytes), or not_found. */
export function lookupSlotted(file: Uint8Array, rowid: bigint): LookupResult {
  const seen = new Set<number>();
  let number = 1;
  let from = 0;
  for (;;) {
    if (seen.has(number)) corrupt(from, `page ${number} is its own ancestor (a cycle)`);
    seen.add(number);
    const page = readPage(file, number, from);
    if (!page.leaf) {
      from = page.base;
      number = childOf(page, rowid);
      continue;
    }
    let prev = -1n;
    for (const at of page.cells) {
      const len = readSqliteVarint(page.bytes, at, page.base);
      const id = readSqliteVarint(page.bytes, len.next, page.base);
      if (id.value <= prev)
        corrupt(
          page.base + len.next,
          `leaf cell rowid ${id.value} is not above the previous ${prev}`,
        );
      prev = id.value;
      if (id.value !== rowid) continue;
      if (len.value < 1n || len.value > BigInt(MAX_PAYLOAD))
        corrupt(page.base + at, `payload length ${len.value} is outside 1..${MAX_PAYLOAD}`);
      const end = id.next + Number(len.value);
      if (end > PAGE_BYTES) corrupt(page.base + at, "a payload runs past the end of its page");
      return { value: page.bytes.slice(id.next, end), hops: seen.size };
    }
    return { error: "not_found", hops: seen.size };
  }
}
