// The data the C anchors run on: the bptree trees "t3" (25 000 keys, 3 levels, 2 MB) and "t5"
// (2 000 000 keys, 5 levels, 163 MB; ~6 s and ~1.2 GB of memory to generate), a key file per tree
// and count (half present keys, half absent, shuffled, from a fixed seed), and the answers
// examples/bptree/reference.ts gives for those keys, folded the way bench/c/anchor.h folds them.
// Everything is cached under the system tmp dir, so that a second run starts at once.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateBptree } from "../src/datagen/bptree.js";
import { lookupBptree } from "../src/datagen/bptree-reference.js";
import { Rng } from "../src/datagen/rng.js";
import { writeFileAtomic } from "../src/files.js";

export type TreeName = "t3" | "t5";

/** Generator options of each tree: the default fill (30 keys per leaf, 31 children). */
export const TREES: Record<TreeName, { keys: number; seed: number }> = {
  t3: { keys: 25_000, seed: 1 },
  t5: { keys: 2_000_000, seed: 1 },
};
const KEY_SEED = 2024;

export const CACHE_DIR = join(tmpdir(), "iochain-anchors");

/** What the reference answers for a key file: compared with each anchor's JSON line. */
export interface Expected {
  lookups: number;
  found: number;
  hops: number;
  checksum: string;
}

export interface AnchorData {
  tree: string;
  keyFile: string;
  expected: Expected;
}

/** The tree file, the key file of `lookups` keys and the reference's answers (cached). */
export function anchorData(name: TreeName, lookups: number): AnchorData {
  mkdirSync(CACHE_DIR, { recursive: true });
  const { keys, seed } = TREES[name];
  const base = join(CACHE_DIR, `${name}-${keys}keys-seed${seed}`);
  const tree = `${base}.db`;
  const keyFile = `${base}-${lookups}lookups-seed${KEY_SEED}.keys`;
  const expectFile = `${keyFile}.expect.json`;
  if (!existsSync(tree) || !existsSync(keyFile)) {
    const t = generateBptree({ keys, seed });
    if (!existsSync(tree)) writeFileAtomic(tree, t.bytes);
    writeFileAtomic(keyFile, encodeKeys(pickKeys(t.keys, lookups)));
  }
  if (!existsSync(expectFile)) {
    const expected = referenceAnswers(readFileSync(tree), decodeKeys(readFileSync(keyFile)));
    writeFileAtomic(expectFile, JSON.stringify(expected));
  }
  return { tree, keyFile, expected: JSON.parse(readFileSync(expectFile, "utf8")) as Expected };
}

/** `count` keys, half present and half absent (between two neighbours or past the last), shuffled. */
export function pickKeys(keys: bigint[], count: number, seed = KEY_SEED): bigint[] {
  const rng = new Rng(seed);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    let j = rng.below(keys.length);
    let k = keys[j];
    if (i % 2 === 1) {
      // Absent: the first gap after a random key (keys ascend by 1..8: most have one at +1).
      for (k++; j + 1 < keys.length && keys[j + 1] === k; j++) k++;
    }
    out.push(k);
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export function encodeKeys(keys: bigint[]): Uint8Array {
  const buf = Buffer.alloc(8 * keys.length);
  keys.forEach((k, i) => buf.writeBigUInt64LE(k, 8 * i));
  return buf;
}

export function decodeKeys(buf: Buffer): bigint[] {
  return Array.from({ length: buf.length / 8 }, (_, i) => buf.readBigUInt64LE(8 * i));
}

/** The reference over the file's bytes, folded as anchor.h's checksum (FNV-1a 32 bit). */
export function referenceAnswers(file: Uint8Array, keys: bigint[]): Expected {
  let h = 2166136261;
  const fold = (byte: number) => (h = Math.imul(h ^ byte, 16777619) >>> 0);
  let found = 0;
  let hops = 0;
  for (const key of keys) {
    const r = lookupBptree(file, key);
    hops += r.hops;
    fold("value" in r ? 1 : 0);
    if (!("value" in r)) continue;
    found++;
    r.value.forEach(fold);
  }
  return { lookups: keys.length, found, hops, checksum: h.toString(16).padStart(8, "0") };
}
