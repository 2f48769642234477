// The data and the chains every kernel benchmark runs, per example: a file from the example's own
// generator, the arguments of each chain (present and absent keys, ranges), and the reference's
// answer in a comparable form, so that a fast but wrong program is caught instead of timed.
import { generateBptree } from "../src/datagen/bptree.js";
import { lookupBptree } from "../src/datagen/bptree-reference.js";
import { Rng } from "../src/datagen/rng.js";
import { scanRange } from "../examples/range/reference.js";
import { generateSlotted } from "../examples/slotted/gen.js";
import { lookupSlotted } from "../examples/slotted/reference.js";
import { generateSstable } from "../examples/sstable/gen.js";
import { lookupSstable } from "../examples/sstable/reference.js";
import type { ArgValue } from "../src/runtime/args.js";
import type { ChainResult } from "../src/runtime/driver.js";

export type ExampleName = "bptree" | "range" | "sstable" | "slotted";

/** The examples and the .ioc program of each (examples/<name>/<program>.ioc). */
export const EXAMPLES: readonly { name: ExampleName; program: string }[] = [
  { name: "bptree", program: "lookup" },
  { name: "range", program: "scan" },
  { name: "sstable", program: "lookup" },
  { name: "slotted", program: "lookup" },
];

export type Args = Record<string, ArgValue>;

export interface Workload {
  name: ExampleName;
  /** The data file's bytes. */
  bytes: Uint8Array;
  chains: Args[];
  /** The reference's answer for one chain, as `answer` renders a chain result. */
  expected(args: Args): string;
  answer(result: ChainResult): string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

type Lookup = { value: Uint8Array; hops: number } | { error: string; hops: number };
const renderLookup = (r: Lookup): string =>
  ("value" in r ? `value ${hex(r.value)}` : `error ${r.error}`) + ` hops ${r.hops}`;

function lookupAnswer(r: ChainResult): string {
  if (r.status === "done" && r.value instanceof Uint8Array)
    return renderLookup({ value: r.value, hops: r.hops });
  if (r.status === "failed")
    return renderLookup({ error: r.error ?? `code ${r.errorCode}`, hops: r.hops });
  return `status ${r.status}`;
}

function rangeAnswer(r: ChainResult): string {
  if (r.status !== "done") return `status ${r.status} ${r.error ?? ""}`;
  const a = r.aggregates;
  const agg =
    BigInt(a.count as bigint) === 0n ? `0 0 - -` : `${a.count} ${a.sum} ${a.min} ${a.max}`;
  return `${r.rows.map((row) => `${row.key}:${row.ptr}`).join(",")} | ${agg} | hops ${r.hops}`;
}

/** `count` keys: mostly present ones (3 in 4), the rest their neighbours (mostly absent). */
function pickKeys(keys: bigint[], rng: Rng, count: number): bigint[] {
  return Array.from({ length: count }, () => {
    const k = keys[rng.below(keys.length)];
    return rng.below(4) === 0 ? k + 1n : k;
  });
}

const cache = new Map<string, Workload>();

/** The workload of one example (generated once per process and chain count). */
export function workload(name: ExampleName, chains = 5000): Workload {
  const id = `${name}/${chains}`;
  let w = cache.get(id);
  if (!w) cache.set(id, (w = build(name, chains)));
  return w;
}

function build(name: ExampleName, chains: number): Workload {
  const rng = new Rng(2024);
  switch (name) {
    case "bptree": {
      const tree = generateBptree({ seed: 1, keys: 50_000 }); // 4 levels
      return {
        name,
        bytes: tree.bytes,
        chains: pickKeys(tree.keys, rng, chains).map((key) => ({ key })),
        expected: (args) => renderLookup(lookupBptree(tree.bytes, args.key as bigint)),
        answer: lookupAnswer,
      };
    }
    case "range": {
      const tree = generateBptree({ seed: 1, keys: 50_000 });
      // ~100 keys per range (gaps average 4.5): about 66 rows, so two suspensions of 32 rows.
      const ranges = pickKeys(tree.keys, rng, chains).map((lo) => ({ lo, hi: lo + 450n }));
      return {
        name,
        bytes: tree.bytes,
        chains: ranges,
        expected: (args) => {
          const r = scanRange(tree.bytes, args.lo as bigint, args.hi as bigint);
          const a = r.aggregates;
          const agg = a.count === 0n ? `0 0 - -` : `${a.count} ${a.sum} ${a.min} ${a.max}`;
          return `${r.rows.map((row) => `${row.key}:${row.ptr}`).join(",")} | ${agg} | hops ${r.hops}`;
        },
        answer: rangeAnswer,
      };
    }
    case "sstable": {
      const table = generateSstable({ seed: 1, keys: 20_000 });
      return {
        name,
        bytes: table.bytes,
        chains: pickKeys(table.keys, rng, chains).map((key) => ({ key })),
        expected: (args) => renderLookup(lookupSstable(table.bytes, args.key as bigint)),
        answer: lookupAnswer,
      };
    }
    case "slotted": {
      const tree = generateSlotted({ seed: 1, keys: 50_000 });
      return {
        name,
        bytes: tree.bytes,
        chains: pickKeys(tree.keys, rng, chains).map((rowid) => ({ rowid })),
        expected: (args) => renderLookup(lookupSlotted(tree.bytes, args.rowid as bigint)),
        answer: lookupAnswer,
      };
    }
  }
}
