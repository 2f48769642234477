// The lookups every row of the chains section runs: the C anchors' own tree and key file
// (bench/anchor-data.ts), so iochain and C answer exactly the same questions, and the answers'
// fold in anchor.h's form (found count, hops, FNV-1a over found flags and values), so a path is
// checked against the same reference the anchors are, before it is timed.
import { readFileSync } from "node:fs";
import { Status } from "../src/abi/artifact.js";
import type { ChainResult } from "../src/runtime/driver.js";
import type { PackedResults } from "../src/runtime/linux/chain-records.js";
import {
  type AnchorData,
  type Expected,
  type TreeName,
  anchorData,
  decodeKeys,
  referenceAnswers,
} from "./anchor-data.js";

export type Args = { key: bigint };

export interface Lookups {
  tree: TreeName;
  data: AnchorData;
  keys: bigint[];
  args: Args[];
  /** The keys as runPacked's argument slots (one u64 each, little-endian). */
  slots: Uint8Array;
  /** The reference's answers for the first `n` keys (slow paths time a prefix). */
  expectedFor(n: number): Expected;
}

export function loadLookups(tree: TreeName, lookups: number): Lookups {
  const data = anchorData(tree, lookups);
  const keys = decodeKeys(readFileSync(data.keyFile));
  const slots = Buffer.alloc(8 * keys.length);
  keys.forEach((k, i) => slots.writeBigUInt64LE(k, 8 * i));
  const prefixes = new Map<number, Expected>([[keys.length, data.expected]]);
  let file: Uint8Array | undefined;
  return {
    tree,
    data,
    keys,
    args: keys.map((key) => ({ key })),
    slots,
    expectedFor(n) {
      let e = prefixes.get(n);
      if (!e) {
        file ??= readFileSync(data.tree);
        prefixes.set(n, (e = referenceAnswers(file, keys.slice(0, n))));
      }
      return e;
    },
  };
}

/** anchor.h's fold, fed one lookup at a time. */
class Fold {
  private h = 2166136261;
  found = 0;
  hops = 0;
  lookups = 0;
  add(value: Uint8Array | undefined, hops: number): void {
    this.lookups++;
    this.hops += hops;
    this.byte(value ? 1 : 0);
    if (!value) return;
    this.found++;
    for (let i = 0; i < value.length; i++) this.byte(value[i]);
  }
  private byte(b: number): void {
    this.h = Math.imul(this.h ^ b, 16777619) >>> 0;
  }
  result(): Expected {
    const { lookups, found, hops } = this;
    return { lookups, found, hops, checksum: this.h.toString(16).padStart(8, "0") };
  }
}

/** Chains that failed with anything but not_found are wrong answers here, not misses. */
export function foldResults(results: readonly ChainResult[]): Expected {
  const f = new Fold();
  for (const r of results) {
    if (r.status === "done" && r.value instanceof Uint8Array) f.add(r.value, r.hops);
    else if (r.status === "failed" && r.error === "not_found") f.add(undefined, r.hops);
    else throw new Error(`chain ended ${r.status} ${r.error ?? ""} after ${r.hops} hops`);
  }
  return f.result();
}

/** Packed results of one or more runPacked calls, in key order; `notFound`: that error's code. */
export function foldPacked(parts: readonly PackedResults[], notFound: number): Expected {
  const f = new Fold();
  for (const p of parts)
    for (let i = 0; i < p.status.length; i++) {
      if (p.status[i] === Status.DONE)
        f.add(p.bytes.subarray(i * p.width, i * p.width + p.bytesLength[i]), p.hops[i]);
      else if (p.status[i] === Status.FAILED && p.errorCode[i] === notFound)
        f.add(undefined, p.hops[i]);
      else throw new Error(`chain ${i}: status ${p.status[i]} error ${p.errorCode[i]}`);
    }
  return f.result();
}

/** Plain answers (the TypeScript pread loop's): the value, or undefined when not found. */
export function foldValues(answers: readonly { value?: Uint8Array; hops: number }[]): Expected {
  const f = new Fold();
  for (const a of answers) f.add(a.value, a.hops);
  return f.result();
}

/** Throws unless `got` is the reference's answer for the same keys. */
export function checkAnswers(path: string, got: Expected, want: Expected): void {
  for (const field of ["lookups", "found", "hops", "checksum"] as const)
    if (got[field] !== want[field])
      throw new Error(`${path}: ${field} ${got[field]}, the reference says ${want[field]}`);
}
