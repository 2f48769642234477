// Writes B-trees of SQLite-style slotted pages (examples/slotted/README.md): 4096 B big-endian
// pages, root = page 1 at offset 0, pages numbered in level order. Cell contents are placed in a
// shuffled order at the end of each page, so only the cell pointer array says where a cell is.
// Deterministic from the seed; the depth follows from the row count and the fill.
//
//   node dist/examples/slotted/gen.js table.db --keys 5000 [--depth 3] [--seed 1] [--wide]
import { writeFileAtomic } from "../../src/files.js";
import { badOption, intOption, isMain, runGenCli } from "../../src/datagen/gen-cli.js";
import { groupSizes, sortedKeys, treeShape } from "../../src/datagen/keys.js";
import { Rng } from "../../src/datagen/rng.js";

export const PAGE_BYTES = 4096;
export const PAGE_INTERIOR = 0x05;
export const PAGE_LEAF = 0x0d;
export const INTERIOR_HEADER = 12;
export const LEAF_HEADER = 8;
export const MAX_PAYLOAD = 64;
/** Leaf cells of the largest size (1 + 9 + 64 bytes, + 2 for the pointer) that always fit a page. */
export const MAX_LEAF_CELLS = Math.floor((PAGE_BYTES - LEAF_HEADER) / (1 + 9 + MAX_PAYLOAD + 2));
/** Children of an interior page whose cells (4 + 9 bytes, + 2) always fit: cells + the right child. */
export const MAX_FANOUT = Math.floor((PAGE_BYTES - INTERIOR_HEADER) / (4 + 9 + 2)) + 1;

export interface SlottedOptions {
  seed?: number;
  /** Number of rows, ≥ 1. */
  keys: number;
  /** Cells per leaf when splitting (1..MAX_LEAF_CELLS). */
  leafFill?: number;
  /** Children per interior page when splitting (2..MAX_FANOUT). */
  fanout?: number;
  /** Ask for this many levels instead. */
  depth?: number;
  gap?: number;
  /** Rowids of every bit length below 2^63 (varints of 1 to 9 bytes). */
  wide?: boolean;
}

export interface Slotted {
  bytes: Uint8Array;
  /** Rowids ascending; payloads[i] belongs to keys[i]. */
  keys: bigint[];
  payloads: Uint8Array[];
  depth: number;
  pages: number;
  leafFill: number;
  fanout: number;
}

/** SQLite's varint: big-endian 7-bit groups, high bit = more; 9 bytes when ≥ 2^56 (last byte whole). */
export function sqliteVarint(v: bigint): number[] {
  if (v < 0n || v >= 1n << 64n) throw new RangeError(`varint ${v} out of u64 range`);
  if (v >= 1n << 56n) {
    const out = new Array<number>(9);
    out[8] = Number(v & 0xffn);
    let rest = v >> 8n;
    for (let i = 7; i >= 0; i--) {
      out[i] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    return out;
  }
  const groups: number[] = [];
  do {
    groups.unshift(Number(v & 0x7fn));
    v >>= 7n;
  } while (v !== 0n);
  return groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g));
}

interface Page {
  leaf: boolean;
  /** Leaf: row indexes first..first+count-1. Interior: children. */
  first: number;
  count: number;
  children: Page[];
  maxKey: bigint;
  number: number;
}

export function slottedShape(opts: SlottedOptions): {
  leafFill: number;
  fanout: number;
  depth: number;
} {
  return treeShape(opts, MAX_LEAF_CELLS, MAX_FANOUT, { container: "a table", item: "row" });
}

/** Writes a page: header, sorted pointer array, cells shuffled into the content area's end. */
function writePage(
  rng: Rng,
  page: Uint8Array,
  type: number,
  cells: number[][],
  rightChild?: number,
): void {
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const header = type === PAGE_LEAF ? LEAF_HEADER : INTERIOR_HEADER;
  const order = rng.shuffle(cells.map((_, i) => i));
  const at = new Array<number>(cells.length);
  let top = PAGE_BYTES;
  for (const i of order) {
    top -= cells[i].length;
    page.set(cells[i], top);
    at[i] = top;
  }
  if (top < header + 2 * cells.length) throw new Error("internal: page overflow"); // excluded by the fill limits
  view.setUint8(0, type);
  view.setUint16(1, 0); // first_free: no freeblocks
  view.setUint16(3, cells.length);
  view.setUint16(5, top);
  view.setUint8(7, 0); // fragmented bytes
  if (rightChild !== undefined) view.setUint32(8, rightChild);
  at.forEach((off, i) => view.setUint16(header + 2 * i, off));
}

export function generateSlotted(opts: SlottedOptions): Slotted {
  const { leafFill, fanout, depth } = slottedShape(opts);
  const rng = new Rng(opts.seed ?? 1);
  const keys = sortedKeys(rng, opts.keys, { gap: opts.gap, wide: opts.wide, limit: 1n << 63n });
  const payloads = keys.map(() => rng.bytes(rng.between(1, MAX_PAYLOAD)));

  let level: Page[] = [];
  let at = 0;
  for (const size of groupSizes(rng, keys.length, leafFill)) {
    level.push({
      leaf: true,
      first: at,
      count: size,
      children: [],
      maxKey: keys[at + size - 1],
      number: 0,
    });
    at += size;
  }
  const levels: Page[][] = [level];
  while (level.length > 1) {
    const up: Page[] = [];
    let i = 0;
    for (const size of groupSizes(rng, level.length, fanout, 2)) {
      const children = level.slice(i, i + size);
      up.push({
        leaf: false,
        first: 0,
        count: size,
        children,
        maxKey: children[size - 1].maxKey,
        number: 0,
      });
      i += size;
    }
    level = up;
    levels.push(level);
  }
  levels.reverse();
  const order = levels.flat();
  order.forEach((p, i) => (p.number = i + 1));

  const bytes = new Uint8Array(order.length * PAGE_BYTES);
  for (const p of order) {
    const page = bytes.subarray((p.number - 1) * PAGE_BYTES, p.number * PAGE_BYTES);
    if (p.leaf) {
      const cells = [];
      for (let r = p.first; r < p.first + p.count; r++) {
        cells.push([
          ...sqliteVarint(BigInt(payloads[r].length)),
          ...sqliteVarint(keys[r]),
          ...payloads[r],
        ]);
      }
      writePage(rng, page, PAGE_LEAF, cells);
    } else {
      // Cell i: the left child i and the largest rowid under it; the last child is the right child.
      const cells = p.children.slice(0, -1).map((c) => {
        const num = [
          (c.number >>> 24) & 0xff,
          (c.number >>> 16) & 0xff,
          (c.number >>> 8) & 0xff,
          c.number & 0xff,
        ];
        return [...num, ...sqliteVarint(c.maxKey)];
      });
      writePage(rng, page, PAGE_INTERIOR, cells, p.children[p.children.length - 1].number);
    }
  }
  return { bytes, keys, payloads, depth, pages: order.length, leafFill, fanout };
}

export function writeSlotted(path: string, opts: SlottedOptions): Slotted {
  const tree = generateSlotted(opts);
  writeFileAtomic(path, tree.bytes);
  return tree;
}

export const slottedCli = {
  usage: `gen.js OUT --keys N [--seed N] [--depth D | --leaf-fill 1..${MAX_LEAF_CELLS} --fanout 2..${MAX_FANOUT}] [--gap N | --wide]`,
  strings: ["seed", "keys", "depth", "leaf-fill", "fanout", "gap"],
  booleans: ["wide"],
  build(values: Record<string, unknown>) {
    const keys = intOption(values, "keys", 1, 10_000_000);
    if (keys === undefined) badOption("--keys is required", slottedCli.usage);
    const tree = generateSlotted({
      keys,
      seed: intOption(values, "seed", 0, 0xffffffff),
      depth: intOption(values, "depth", 1, 16),
      leafFill: intOption(values, "leaf-fill", 1, MAX_LEAF_CELLS),
      fanout: intOption(values, "fanout", 2, MAX_FANOUT),
      gap: intOption(values, "gap", 1, 1 << 30),
      wide: values.wide === true,
    });
    return {
      bytes: tree.bytes,
      summary: {
        keys: tree.keys.length,
        depth: tree.depth,
        pages: tree.pages,
        first_rowid: tree.keys[0],
        last_rowid: tree.keys.at(-1),
      },
    };
  },
};

if (isMain(import.meta.url)) process.exitCode = runGenCli(slottedCli, process.argv.slice(2));
