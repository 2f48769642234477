// Writes sorted-table files (examples/sstable/README.md): the index block at offset 0, the data
// blocks of LEB128-framed entries, and the bloom block last. Deterministic from the seed.
//
//   node dist/examples/sstable/gen.js table.sst --keys 20000 [--seed 1] [--bloom-k 7] [--per-block N] [--wide]
import { writeFileAtomic } from "../../src/files.js";
import { badOption, intOption, isMain, runGenCli } from "../../src/datagen/gen-cli.js";
import { sortedKeys } from "../../src/datagen/keys.js";
import { Rng } from "../../src/datagen/rng.js";

export const BLOCK_BYTES = 4096;
export const MAGIC = 0x53534f49;
export const MAX_DATA_BLOCKS = 254;
export const INDEX_ENTRIES_AT = 24;
export const BLOOM_BITS = 32768;
export const MAX_VALUE_BYTES = 32;
const GOLDEN = 0x9e3779b97f4a7c15n;

export interface SstableOptions {
  seed?: number;
  /** Number of keys, ≥ 1; they must fit in 254 data blocks. */
  keys: number;
  /** Bloom hash functions, 1..16 (default 7). */
  bloomK?: number;
  /** At most this many entries per data block (default: as many as fit in 4096 B). */
  perBlock?: number;
  gap?: number;
  wide?: boolean;
}

export interface Sstable {
  bytes: Uint8Array;
  keys: bigint[];
  values: Uint8Array[];
  dataBlocks: number;
  bloomOffset: number;
  bloomK: number;
}

/** The bloom bits probed for `key` (README.md "Bloom hashing"). */
export function bloomBits(key: bigint, k: number): number[] {
  const h = BigInt.asUintN(64, key * GOLDEN);
  const h1 = h >> 32n;
  const h2 = (h & 0xffffffffn) | 1n;
  const bits: number[] = [];
  for (let i = 0n; i < BigInt(k); i++) bits.push(Number((h1 + i * h2) & BigInt(BLOOM_BITS - 1)));
  return bits;
}

export function leb128(v: bigint): number[] {
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? byte : byte | 0x80);
  } while (v !== 0n);
  return out;
}

export function generateSstable(opts: SstableOptions): Sstable {
  if (!Number.isSafeInteger(opts.keys) || opts.keys < 1)
    badOption(`a table needs at least 1 key, got ${opts.keys}`);
  const bloomK = opts.bloomK ?? 7;
  if (!Number.isInteger(bloomK) || bloomK < 1 || bloomK > 16)
    badOption(`bloom k must be 1..16, got ${bloomK}`);
  const perBlock = opts.perBlock ?? Infinity;
  if (perBlock < 1) badOption(`entries per block must be ≥ 1, got ${perBlock}`);
  const rng = new Rng(opts.seed ?? 1);
  const keys = sortedKeys(rng, opts.keys, { gap: opts.gap, wide: opts.wide });
  const values = keys.map(() => rng.bytes(rng.between(1, MAX_VALUE_BYTES)));

  // Pack entries into data blocks greedily, each block starting with its u16 count.
  const blocks: { first: number; count: number; bytes: Uint8Array }[] = [];
  let block = new Uint8Array(BLOCK_BYTES);
  let used = 2;
  let first = 0;
  const close = (end: number): void => {
    new DataView(block.buffer).setUint16(0, end - first, true);
    blocks.push({ first, count: end - first, bytes: block });
    block = new Uint8Array(BLOCK_BYTES);
    used = 2;
    first = end;
  };
  keys.forEach((k, i) => {
    const entry = [...leb128(k), ...leb128(BigInt(values[i].length)), ...values[i]];
    if (used + entry.length > BLOCK_BYTES || i - first >= perBlock) close(i);
    block.set(entry, used);
    used += entry.length;
  });
  close(keys.length);
  if (blocks.length > MAX_DATA_BLOCKS) {
    badOption(
      `${keys.length} keys need ${blocks.length} data blocks; an index holds ${MAX_DATA_BLOCKS}`,
      "use fewer keys or more entries per block",
    );
  }

  const bloomOffset = (1 + blocks.length) * BLOCK_BYTES;
  const bytes = new Uint8Array(bloomOffset + BLOCK_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, blocks.length, true);
  view.setBigUint64(8, BigInt(bloomOffset), true);
  view.setUint32(16, bloomK, true);
  blocks.forEach((b, i) => {
    const offset = (1 + i) * BLOCK_BYTES;
    view.setBigUint64(INDEX_ENTRIES_AT + 16 * i, keys[b.first + b.count - 1], true);
    view.setBigUint64(INDEX_ENTRIES_AT + 16 * i + 8, BigInt(offset), true);
    bytes.set(b.bytes, offset);
  });
  for (const k of keys)
    for (const bit of bloomBits(k, bloomK)) bytes[bloomOffset + (bit >> 3)] |= 1 << (bit & 7);

  return { bytes, keys, values, dataBlocks: blocks.length, bloomOffset, bloomK };
}

export function writeSstable(path: string, opts: SstableOptions): Sstable {
  const table = generateSstable(opts);
  writeFileAtomic(path, table.bytes);
  return table;
}

export const sstableCli = {
  usage: "gen.js OUT --keys N [--seed N] [--bloom-k 1..16] [--per-block N] [--gap N | --wide]",
  strings: ["seed", "keys", "bloom-k", "per-block", "gap"],
  booleans: ["wide"],
  build(values: Record<string, unknown>) {
    const keys = intOption(values, "keys", 1, 1_000_000);
    if (keys === undefined) badOption("--keys is required", sstableCli.usage);
    const table = generateSstable({
      keys,
      seed: intOption(values, "seed", 0, 0xffffffff),
      bloomK: intOption(values, "bloom-k", 1, 16),
      perBlock: intOption(values, "per-block", 1, 4096),
      gap: intOption(values, "gap", 1, 1 << 30),
      wide: values.wide === true,
    });
    return {
      bytes: table.bytes,
      summary: {
        keys: table.keys.length,
        data_blocks: table.dataBlocks,
        bloom_k: table.bloomK,
        first_key: table.keys[0],
        last_key: table.keys.at(-1),
      },
    };
  },
};

if (isMain(import.meta.url)) process.exitCode = runGenCli(sstableCli, process.argv.slice(2));
