// Writes BPF-KV B+tree files (examples/bptree/README.md): 512 B nodes, root at offset 0, nodes in
// level order, then the 64-byte values packed 8 to a block. Deterministic from the seed. The depth
// follows from the key count and the fill (keys per leaf, children per inner node), so a 6-level
// tree needs only a few dozen keys when the fill is sparse, not gigabytes.
//
// The command line is examples/bptree/gen.ts:
//   node dist/src/datagen/bptree.js tree.db --keys 5000 --depth 4 [--seed 1] [--wide]
import { badOption, intOption } from "./gen-cli.js";
import { groupSizes, sortedKeys, treeShape } from "./keys.js";
import { Rng } from "./rng.js";
import { writeFileAtomic } from "../files.js";

export const NODE_BYTES = 512;
export const NODE_SLOTS = 31;
export const LEAF_MAX_KEYS = 30;
export const VALUE_BYTES = 64;
export const TYPE_INTERNAL = 0n;
export const TYPE_LEAF = 1n;
export const VALUE_FLAG = 1n << 63n;
/** Byte offsets inside a node. */
export const NodeField = { num: 0, type: 8, key: 16, ptr: 16 + 8 * NODE_SLOTS } as const;

export interface BptreeOptions {
  seed?: number;
  /** Number of keys, ≥ 1. */
  keys: number;
  /** Keys per leaf when splitting (1..30, default 30); leaves get 1..leafFill keys. */
  leafFill?: number;
  /** Children per internal node when splitting (2..31, default 31). */
  fanout?: number;
  /** Ask for this many levels instead: leafFill and fanout are chosen to give it. */
  depth?: number;
  /** Keys grow by 1..gap (default 8); with `wide`, random keys over the whole u64 range. */
  gap?: number;
  wide?: boolean;
}

export interface Bptree {
  bytes: Uint8Array;
  /** The keys, ascending; values[i] belongs to keys[i]. */
  keys: bigint[];
  values: Uint8Array[];
  depth: number;
  leafFill: number;
  fanout: number;
  nodes: number;
  leaves: number;
  /** File offset of the first value block. */
  valuesOffset: number;
}

interface Node {
  leaf: boolean;
  keys: bigint[];
  /** Children (internal) or key indexes (leaf). */
  children: Node[];
  first: number;
  count: number;
  offset: number;
  minKey: bigint;
}

/** The leaf fill and fanout the options ask for, checked. */
export function bptreeShape(opts: BptreeOptions): {
  leafFill: number;
  fanout: number;
  depth: number;
} {
  return treeShape(opts, LEAF_MAX_KEYS, NODE_SLOTS, { container: "a tree", item: "key" });
}

export function generateBptree(opts: BptreeOptions): Bptree {
  const { leafFill, fanout, depth } = bptreeShape(opts);
  const rng = new Rng(opts.seed ?? 1);
  const keys = sortedKeys(rng, opts.keys, { gap: opts.gap, wide: opts.wide });

  // Bottom-up: leaves over the keys, then internal levels until one root.
  let level: Node[] = [];
  let at = 0;
  for (const size of groupSizes(rng, keys.length, leafFill)) {
    level.push({
      leaf: true,
      keys: keys.slice(at, at + size),
      children: [],
      first: at,
      count: size,
      offset: 0,
      minKey: keys[at],
    });
    at += size;
  }
  const levels: Node[][] = [level];
  while (level.length > 1) {
    const up: Node[] = [];
    let i = 0;
    for (const size of groupSizes(rng, level.length, fanout, 2)) {
      const children = level.slice(i, i + size);
      up.push({
        leaf: false,
        keys: children.map((c) => c.minKey),
        children,
        first: 0,
        count: size,
        offset: 0,
        minKey: children[0].minKey,
      });
      i += size;
    }
    level = up;
    levels.push(level);
  }
  levels.reverse(); // root level first: the root lands at offset 0

  const order = levels.flat();
  order.forEach((n, i) => (n.offset = i * NODE_BYTES));
  const valuesOffset = order.length * NODE_BYTES;
  const valueBlocks = Math.ceil(keys.length / (NODE_BYTES / VALUE_BYTES));
  const bytes = new Uint8Array(valuesOffset + valueBlocks * NODE_BYTES);
  const view = new DataView(bytes.buffer);

  const values = keys.map((k) => {
    const v = rng.bytes(VALUE_BYTES);
    new DataView(v.buffer).setBigUint64(0, k, true); // the key in front: easy to eyeball in a dump
    return v;
  });
  values.forEach((v, i) => bytes.set(v, valuesOffset + i * VALUE_BYTES));

  const leaves = levels[levels.length - 1];
  for (const n of order) {
    view.setBigUint64(n.offset + NodeField.num, BigInt(n.count), true);
    view.setBigUint64(n.offset + NodeField.type, n.leaf ? TYPE_LEAF : TYPE_INTERNAL, true);
    n.keys.forEach((k, i) => view.setBigUint64(n.offset + NodeField.key + 8 * i, k, true));
    for (let i = 0; i < n.count; i++) {
      const ptr = n.leaf
        ? VALUE_FLAG | BigInt(valuesOffset + (n.first + i) * VALUE_BYTES)
        : BigInt(n.children[i].offset);
      view.setBigUint64(n.offset + NodeField.ptr + 8 * i, ptr, true);
    }
  }
  leaves.forEach((leaf, i) => {
    const next = leaves[i + 1] ? BigInt(leaves[i + 1].offset) : 0n;
    view.setBigUint64(leaf.offset + NodeField.ptr + 8 * LEAF_MAX_KEYS, next, true);
  });

  return {
    bytes,
    keys,
    values,
    depth,
    leafFill,
    fanout,
    nodes: order.length,
    leaves: leaves.length,
    valuesOffset,
  };
}

/** Generates and writes a tree file atomically (a temp name, then rename). */
export function writeBptree(path: string, opts: BptreeOptions): Bptree {
  const tree = generateBptree(opts);
  writeFileAtomic(path, tree.bytes);
  return tree;
}

export const bptreeCli = {
  usage:
    "gen.js OUT --keys N [--seed N] [--depth D | --leaf-fill 1..30 --fanout 2..31] [--gap N | --wide]",
  strings: ["seed", "keys", "depth", "leaf-fill", "fanout", "gap"],
  booleans: ["wide"],
  build(values: Record<string, unknown>) {
    const tree = generateBptree(bptreeOptionsFrom(values));
    return {
      bytes: tree.bytes,
      summary: {
        keys: tree.keys.length,
        depth: tree.depth,
        nodes: tree.nodes,
        leaves: tree.leaves,
        first_key: tree.keys[0],
        last_key: tree.keys.at(-1),
      },
    };
  },
};

export function bptreeOptionsFrom(values: Record<string, unknown>): BptreeOptions {
  const keys = intOption(values, "keys", 1, 50_000_000);
  if (keys === undefined) badOption("--keys is required", bptreeCli.usage);
  return {
    keys,
    seed: intOption(values, "seed", 0, 0xffffffff),
    depth: intOption(values, "depth", 1, 16),
    leafFill: intOption(values, "leaf-fill", 1, LEAF_MAX_KEYS),
    fanout: intOption(values, "fanout", 2, NODE_SLOTS),
    gap: intOption(values, "gap", 1, 1 << 30),
    wide: values.wide === true,
  };
}
