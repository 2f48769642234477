// The bptree lookup in plain TypeScript over the file's bytes: what the compiled storage function
// must answer. It also counts the blocks it reads (hops), the same count the chain driver reports.
// A file outside the format (README.md) gives a CorruptDataError (E0934) naming the byte.
import { CorruptDataError } from "./corrupt.js";
import {
  LEAF_MAX_KEYS,
  NODE_BYTES,
  NODE_SLOTS,
  NodeField,
  VALUE_BYTES,
  VALUE_FLAG,
} from "./bptree.js";

export type LookupResult =
  { value: Uint8Array; hops: number } | { error: "not_found"; hops: number };

export interface NodeView {
  offset: number;
  leaf: boolean;
  num: number;
  key(i: number): bigint;
  ptr(i: number): bigint;
}

const corrupt = (offset: number | bigint, message: string): never => {
  throw new CorruptDataError("bptree", offset, message);
};

/** Checks and opens the node at `offset` (a u64 from the file). */
export function readNode(file: Uint8Array, offset: bigint): NodeView {
  if (offset % BigInt(NODE_BYTES) !== 0n)
    corrupt(offset, `node offset ${offset} is not a multiple of ${NODE_BYTES}`);
  if (offset + BigInt(NODE_BYTES) > BigInt(file.byteLength))
    corrupt(offset, `node at ${offset} lies past the end of the ${file.byteLength}-byte file`);
  const at = Number(offset);
  const view = new DataView(file.buffer, file.byteOffset + at, NODE_BYTES);
  const num = view.getBigUint64(NodeField.num, true);
  const type = view.getBigUint64(NodeField.type, true);
  if (type !== 0n && type !== 1n)
    corrupt(at + NodeField.type, `node type ${type} is neither 0 (internal) nor 1 (leaf)`);
  const leaf = type === 1n;
  const max = leaf ? LEAF_MAX_KEYS : NODE_SLOTS;
  if (num < 1n || num > BigInt(max))
    corrupt(at, `${leaf ? "leaf" : "internal node"} has num = ${num}, outside 1..${max}`);
  const node: NodeView = {
    offset: at,
    leaf,
    num: Number(num),
    key: (i) => view.getBigUint64(NodeField.key + 8 * i, true),
    ptr: (i) => view.getBigUint64(NodeField.ptr + 8 * i, true),
  };
  for (let i = 1; i < node.num; i++) {
    if (node.key(i) <= node.key(i - 1))
      corrupt(
        at + NodeField.key + 8 * i,
        `keys are not ascending (key[${i}] = ${node.key(i)} after ${node.key(i - 1)})`,
      );
  }
  return node;
}

/** The child an internal node sends `key` to: the last i < num with key[i] <= k, else 0. */
export function childIndex(node: NodeView, key: bigint): number {
  let i = 0;
  for (let j = 1; j < node.num; j++) if (node.key(j) <= key) i = j;
  return i;
}

/** Descends from the root to the leaf that holds (or would hold) `key`; counts the nodes read. */
export function descend(file: Uint8Array, key: bigint): { leaf: NodeView; hops: number } {
  const seen = new Set<bigint>();
  let offset = 0n;
  for (;;) {
    if (seen.has(offset)) corrupt(offset, `the node at ${offset} is its own ancestor (a cycle)`);
    seen.add(offset);
    const node = readNode(file, offset);
    if (node.leaf) return { leaf: node, hops: seen.size };
    offset = node.ptr(childIndex(node, key));
  }
}

/** The value's byte offset from a leaf's ptr[i] (bit 63 set), checked against the file. */
export function valueOffset(file: Uint8Array, leaf: NodeView, i: number): number {
  const ptr = leaf.ptr(i);
  const at = leaf.offset + NodeField.ptr + 8 * i;
  if ((ptr & VALUE_FLAG) === 0n)
    corrupt(at, `leaf ptr[${i}] = ${ptr} lacks bit 63 (the value flag)`);
  const off = ptr & ~VALUE_FLAG;
  if (off + BigInt(VALUE_BYTES) > BigInt(file.byteLength))
    corrupt(at, `value offset ${off} lies past the end of the ${file.byteLength}-byte file`);
  return Number(off);
}

/** `lookup(key)`: the 64-byte value, or not_found. */
export function lookupBptree(file: Uint8Array, key: bigint): LookupResult {
  const { leaf, hops } = descend(file, key);
  for (let i = 0; i < leaf.num; i++) {
    if (leaf.key(i) === key) {
      const off = valueOffset(file, leaf, i);
      return { value: file.slice(off, off + VALUE_BYTES), hops: hops + 1 };
    }
  }
  return { error: "not_found", hops };
}
