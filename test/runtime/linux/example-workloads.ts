// The examples' workloads shared by the differential tests (linux per step = sim, kernel chains =
// sim): for each example, generated files of several depths and sizes, a damaged one, the inputs
// to run on each (present and absent keys, the u64 boundaries, empty and huge ranges so that scans
// suspend), and what each file must have exercised.
import { readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";
import { Rng } from "../../../src/datagen/rng.js";
import { writeBptree } from "../../../src/datagen/bptree.js";
import { writeSlotted } from "../../../examples/slotted/gen.js";
import { writeSstable } from "../../../examples/sstable/gen.js";
import type { ArgValue } from "../../../src/runtime/args.js";
import type { ChainResult } from "../../../src/runtime/driver.js";

const U64_MAX = (1n << 64n) - 1n;
/** Chains between yields to the event loop: a long synchronous test starves vitest's worker RPC. */
export const YIELD_EVERY = 100;

export type Args = Record<string, ArgValue>;

export interface DataFile {
  what: string;
  /** Writes the file at `file`; returns the sorted keys it holds. */
  write(file: string): bigint[];
  inputs: number;
}

export interface Example {
  name: string;
  program: string;
  files: DataFile[];
  /** `count` inputs for a file with these keys. */
  inputs(keys: bigint[], rng: Rng, count: number): Args[];
  /** What every file must have exercised (so that "equal" is not about one trivial path). */
  covered(file: DataFile, seen: Coverage): void;
}

export interface Coverage {
  statuses: Set<string>;
  /** Error names of the failed chains. */
  errors: Set<string>;
  hops: Set<number>;
  suspensions: number;
  emptyScans: number;
}

/**
 * Damages a generated file, for the error paths: cuts it to `length` bytes (reads past the end,
 * short blocks) and overwrites `flips` random bytes from `from` on (wild pointers, bad counts).
 */
function damage(file: string, o: { seed: number; length: number; flips: number; from?: number }) {
  const bytes = new Uint8Array(readFileSync(file)).subarray(0, o.length);
  const rng = new Rng(o.seed);
  const from = o.from ?? 0;
  for (let n = 0; n < o.flips; n++) bytes[from + rng.below(bytes.length - from)] = rng.below(256);
  writeFileSync(file, bytes);
}

/** Keys to look up: the u64 boundaries, the smallest and largest key and their outsides, then a mix. */
function lookupKeys(name: string, keys: bigint[], rng: Rng, count: number): Args[] {
  const first = keys[0];
  const last = keys[keys.length - 1];
  const out = [0n, 1n, U64_MAX, 1n << 63n, (1n << 63n) - 1n, first, last, last + 1n];
  if (first > 0n) out.push(first - 1n);
  while (out.length < count) {
    const k = keys[rng.below(keys.length)];
    const pick = rng.below(10);
    out.push(
      pick < 4
        ? k // present
        : pick < 6
          ? k + 1n // mostly absent, between two keys
          : pick < 7
            ? k - 1n
            : pick < 9
              ? rng.bigBelow(last + 2n) // anywhere in the key range
              : rng.u64(), // mostly above the largest key
    );
  }
  return out.filter((k) => k >= 0n && k <= U64_MAX).map((k) => ({ [name]: k }));
}

/** Ranges: whole, empty (lo > hi), one key, past the end, short, long and huge (many suspensions). */
function ranges(keys: bigint[], rng: Rng, count: number): Args[] {
  const first = keys[0];
  const last = keys[keys.length - 1];
  const out: [bigint, bigint][] = [
    [0n, U64_MAX],
    [0n, 0n],
    [U64_MAX, U64_MAX],
    [U64_MAX, 0n],
    [first, first],
    [last, last],
    [last + 1n, U64_MAX],
    [first - 1n, first - 1n],
    [first, last],
  ];
  while (out.length < count) {
    const lo = rng.bigBelow(last + 10n);
    const pick = rng.below(10);
    const width =
      pick < 4
        ? rng.bigBelow(200n)
        : pick < 6
          ? rng.bigBelow(last / 4n + 1n)
          : pick < 8
            ? U64_MAX - lo // to the end of the key space
            : rng.bigBelow(last + 1n);
    out.push(pick === 9 ? [lo + width + 1n, lo] : [lo, lo + width]); // pick 9: empty (lo > hi)
  }
  return out.map(([lo, hi]) => ({ lo, hi }));
}

const lookupCovered = (file: DataFile, seen: Coverage) => {
  expect(seen.statuses, file.what).toEqual(new Set(["done", "failed"]));
};

export const EXAMPLES: Example[] = [
  {
    name: "bptree",
    program: "lookup",
    files: [
      {
        what: "1 level, 30 keys",
        write: (f) => writeBptree(f, { seed: 11, keys: 30, depth: 1 }).keys,
        inputs: 500,
      },
      {
        what: "3 levels, 3000 keys",
        write: (f) => writeBptree(f, { seed: 12, keys: 3000, depth: 3 }).keys,
        inputs: 600,
      },
      {
        what: "4 levels, 3000 keys over the whole u64 range",
        write: (f) => writeBptree(f, { seed: 13, keys: 3000, depth: 4, wide: true }).keys,
        inputs: 600,
      },
      {
        what: "6 levels, 400 keys",
        write: (f) => writeBptree(f, { seed: 14, keys: 400, depth: 6 }).keys,
        inputs: 500,
      },
      {
        what: "damaged: 3 levels, cut short, 60 bytes overwritten",
        write: (f) => {
          const t = writeBptree(f, { seed: 15, keys: 3000, depth: 3 });
          damage(f, { seed: 15, length: Math.floor(t.bytes.length * 0.7) + 13, flips: 60 });
          return t.keys;
        },
        inputs: 400,
      },
    ],
    inputs: (keys, rng, n) => lookupKeys("key", keys, rng, n),
    covered: lookupCovered,
  },
  {
    name: "range",
    program: "scan",
    files: [
      {
        what: "1 level, 30 keys",
        write: (f) => writeBptree(f, { seed: 21, keys: 30, depth: 1 }).keys,
        inputs: 400,
      },
      {
        what: "2 levels, 800 keys",
        write: (f) => writeBptree(f, { seed: 22, keys: 800, depth: 2 }).keys,
        inputs: 600,
      },
      {
        what: "4 levels, 2000 keys",
        write: (f) => writeBptree(f, { seed: 23, keys: 2000, depth: 4 }).keys,
        inputs: 600,
      },
      {
        what: "6 levels, 400 keys",
        write: (f) => writeBptree(f, { seed: 24, keys: 400, depth: 6 }).keys,
        inputs: 500,
      },
      // Cut inside the leaves, nothing overwritten: a damaged leaf link could loop for a million hops.
      {
        what: "damaged: 3 levels, cut short inside the leaves",
        write: (f) => {
          const t = writeBptree(f, { seed: 25, keys: 2000, depth: 3 });
          damage(f, { seed: 25, length: Math.floor(t.valuesOffset * 0.8) + 13, flips: 0 });
          return t.keys;
        },
        inputs: 300,
      },
    ],
    inputs: ranges,
    covered: (file, seen) => {
      expect(seen.statuses, file.what).toEqual(new Set(["done"]));
      expect(seen.emptyScans, `${file.what}: empty scans`).toBeGreaterThan(0);
      // The 32-row output buffer filled and was drained (30 keys fit one leaf and never fill it).
      if (!file.what.startsWith("1 level"))
        expect(seen.suspensions, `${file.what}: suspensions`).toBeGreaterThan(0);
    },
  },
  {
    name: "sstable",
    program: "lookup",
    files: [
      {
        what: "20000 keys, k = 7",
        write: (f) => writeSstable(f, { seed: 31, keys: 20000 }).keys,
        inputs: 600,
      },
      {
        what: "8000 keys over the whole u64 range, k = 3",
        write: (f) => writeSstable(f, { seed: 32, keys: 8000, wide: true, bloomK: 3 }).keys,
        inputs: 600,
      },
      {
        what: "254 keys, one per block, k = 16",
        write: (f) => writeSstable(f, { seed: 33, keys: 254, perBlock: 1, bloomK: 16 }).keys,
        inputs: 600,
      },
      {
        what: "a single key, k = 1",
        write: (f) => writeSstable(f, { seed: 34, keys: 1, bloomK: 1 }).keys,
        inputs: 100,
      },
      {
        what: "damaged: 8000 keys, bloom block cut short, 300 bytes after the header overwritten",
        write: (f) => {
          const t = writeSstable(f, { seed: 35, keys: 8000 });
          // The header (magic, count, bloom offset, k) stays, so chains get past the index; the
          // bloom block is the last one: cut, its tail reads as zeros (keys ruled out).
          damage(f, { seed: 35, length: t.bytes.length - 1500, flips: 300, from: 24 });
          return t.keys;
        },
        inputs: 400,
      },
    ],
    inputs: (keys, rng, n) => lookupKeys("key", keys, rng, n),
    covered: (file, seen) => {
      lookupCovered(file, seen);
      // ruled out by the index (past the last key), by the bloom filter, or read the data block
      if (!file.what.startsWith("a single"))
        expect([...seen.hops].sort(), file.what).toEqual([1, 2, 3]);
    },
  },
  {
    name: "slotted",
    program: "lookup",
    files: [
      {
        what: "1 level, 50 rows",
        write: (f) => writeSlotted(f, { seed: 41, keys: 50, depth: 1 }).keys,
        inputs: 500,
      },
      {
        what: "2 levels, 4000 rows of every varint length",
        write: (f) => writeSlotted(f, { seed: 42, keys: 4000, depth: 2, wide: true }).keys,
        inputs: 600,
      },
      {
        what: "3 levels, 4000 rows",
        write: (f) => writeSlotted(f, { seed: 43, keys: 4000, depth: 3 }).keys,
        inputs: 600,
      },
      {
        what: "4 levels, 600 rows of every varint length",
        write: (f) => writeSlotted(f, { seed: 44, keys: 600, depth: 4, wide: true }).keys,
        inputs: 500,
      },
      {
        what: "damaged: 3 levels, cut short, 400 bytes overwritten",
        write: (f) => {
          const t = writeSlotted(f, { seed: 45, keys: 4000, depth: 3 });
          damage(f, { seed: 45, length: Math.floor(t.bytes.length * 0.7) + 13, flips: 400 });
          return t.keys;
        },
        inputs: 400,
      },
    ],
    inputs: (keys, rng, n) => lookupKeys("rowid", keys, rng, n),
    covered: lookupCovered,
  },
];

/** A chain result as comparable text: bigints and bytes spelled out. */
export function fingerprint(r: ChainResult, scratch: Uint8Array): string {
  return JSON.stringify({ ...r, scratch }, (_k, v: unknown) =>
    typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v,
  );
}
