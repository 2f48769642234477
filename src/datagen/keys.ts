// Sorted distinct u64 keys for the generators, and how to split them into nodes.
import { badOption } from "./gen-cli.js";
import type { Rng } from "./rng.js";

export interface KeyOptions {
  /** Keys grow by 1..gap from one to the next (default 8), starting at 1..gap. */
  gap?: number;
  /** Spread keys over the whole range below `limit` instead: every bit length appears. */
  wide?: boolean;
  /** Exclusive upper bound for wide keys (default 2^64). */
  limit?: bigint;
}

export function sortedKeys(rng: Rng, count: number, opts: KeyOptions = {}): bigint[] {
  if (!opts.wide) {
    const gap = BigInt(opts.gap ?? 8);
    const keys: bigint[] = [];
    let k = 0n;
    for (let i = 0; i < count; i++) {
      k += 1n + rng.bigBelow(gap);
      keys.push(k);
    }
    return keys;
  }
  const limit = opts.limit ?? 1n << 64n;
  const maxBits = limit.toString(2).length;
  const set = new Set<bigint>();
  while (set.size < count) {
    // A random bit length first, so that small and huge keys (1- to 10-byte varints) all occur.
    const bits = BigInt(rng.between(1, maxBits));
    const k = rng.bigBelow(1n << bits);
    if (k > 0n && k < limit) set.add(k);
  }
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Splits `n` items into ceil(n / cap) groups of 1..cap (at least `min` where possible), with
 * random sizes: the number of groups, and so the tree's depth, depends only on n and cap.
 */
export function groupSizes(rng: Rng, n: number, cap: number, min = 1): number[] {
  const groups = Math.ceil(n / cap);
  const floor = n >= groups * min ? min : 1;
  const sizes: number[] = [];
  let left = n;
  for (let i = 0; i < groups; i++) {
    const after = groups - i - 1;
    const lo = Math.max(floor, left - after * cap);
    const hi = Math.min(cap, left - after * floor);
    const size = rng.between(lo, hi);
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/** Levels of a tree with `items` entries, `leafCap` per leaf and `fanout` children per inner node. */
export function treeDepth(items: number, leafCap: number, fanout: number): number {
  let nodes = Math.ceil(items / leafCap);
  let depth = 1;
  while (nodes > 1) {
    nodes = Math.ceil(nodes / fanout);
    depth++;
  }
  return depth;
}

/** The fullest (leafCap, fanout) within the limits that gives exactly `depth` levels for `items`. */
export function fillForDepth(
  depth: number,
  items: number,
  maxLeaf: number,
  maxFanout: number,
): { leafFill: number; fanout: number } {
  for (let leafFill = maxLeaf; leafFill >= 1; leafFill--) {
    for (let fanout = maxFanout; fanout >= 2; fanout--) {
      if (treeDepth(items, leafFill, fanout) === depth) return { leafFill, fanout };
    }
  }
  const least = depth === 1 ? 1 : 2 ** (depth - 2) + 1;
  const most = maxLeaf * maxFanout ** (depth - 1);
  badOption(
    `no fill gives ${items} keys a tree of ${depth} levels`,
    `a tree of ${depth} levels holds ${least}..${most} keys`,
  );
}

export interface ShapeOptions {
  keys: number;
  leafFill?: number;
  fanout?: number;
  depth?: number;
}

/**
 * The leaf fill and fanout a generator's options ask for, checked against the format's limits:
 * an explicit depth picks the fullest fill that gives it. `what` names a tree's contents in
 * messages ("a tree needs at least 1 key").
 */
export function treeShape(
  opts: ShapeOptions,
  maxLeaf: number,
  maxFanout: number,
  what: { container: string; item: string },
): { leafFill: number; fanout: number; depth: number } {
  if (!Number.isSafeInteger(opts.keys) || opts.keys < 1)
    badOption(`${what.container} needs at least 1 ${what.item}, got ${opts.keys}`);
  let { leafFill = maxLeaf, fanout = maxFanout } = opts;
  if (opts.depth !== undefined) {
    if (opts.depth < 1 || opts.depth > 16) badOption(`depth must be 1..16, got ${opts.depth}`);
    ({ leafFill, fanout } = fillForDepth(opts.depth, opts.keys, maxLeaf, maxFanout));
  }
  if (leafFill < 1 || leafFill > maxLeaf)
    badOption(`leaf fill must be 1..${maxLeaf}, got ${leafFill}`);
  if (fanout < 2 || fanout > maxFanout) badOption(`fanout must be 2..${maxFanout}, got ${fanout}`);
  return { leafFill, fanout, depth: treeDepth(opts.keys, leafFill, fanout) };
}
