// Writes the indexed example's two files (examples/indexed/README.md): index.db, a root block of
// fence keys over sorted leaf blocks of (key, record offset) entries, and data.db, the records in
// 512-byte slots in a shuffled order (so only the index says where a record is). Little-endian.
// Deterministic from the seed.
//
//   node dist/examples/indexed/gen.js index.db data.db --keys 5000 [--seed 1] [--per-leaf N] [--wide]
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../../src/files.js";
import { IochainError, renderOneLine, toDiagnostics } from "../../src/diagnostics.js";
import { badOption, intOption, isMain } from "../../src/datagen/gen-cli.js";
import { groupSizes, sortedKeys } from "../../src/datagen/keys.js";
import { Rng } from "../../src/datagen/rng.js";

export const PAGE_BYTES = 4096;
export const RECORD_SLOT = 512;
export const INDEX_MAGIC = 0x31584449; // "IDX1"
export const LEAF_MAGIC = 0x4641454c; // "LEAF"
export const RECORD_MAGIC = 0x31434552; // "REC1"
/** Fence keys the root block holds: (4096 - 16) / 8. */
export const MAX_LEAVES = 510;
/** Entries a leaf holds: (4096 - 8) / 16. */
export const MAX_ENTRIES = 255;
export const MAX_VALUE = 200;
export const RECORD_HEADER = 16;

export interface IndexedOptions {
  seed?: number;
  /** Number of records, 1 ..= MAX_LEAVES * MAX_ENTRIES. */
  keys: number;
  /** Entries per leaf at most (1..MAX_ENTRIES, default MAX_ENTRIES); leaves get 1..that. */
  perLeaf?: number;
  /** Keys of every bit length below 2^64. */
  wide?: boolean;
}

export interface Indexed {
  index: Uint8Array;
  data: Uint8Array;
  /** Keys ascending; values[i] belongs to keys[i]. */
  keys: bigint[];
  values: Uint8Array[];
  leaves: number;
}

export function generateIndexed(opts: IndexedOptions): Indexed {
  const perLeaf = opts.perLeaf ?? MAX_ENTRIES;
  if (!Number.isInteger(perLeaf) || perLeaf < 1 || perLeaf > MAX_ENTRIES)
    badOption(`entries per leaf must be 1..${MAX_ENTRIES}, not ${perLeaf}`);
  if (!Number.isInteger(opts.keys) || opts.keys < 1 || opts.keys > MAX_LEAVES * perLeaf)
    badOption(
      `--keys must be 1..${MAX_LEAVES * perLeaf} with ${perLeaf} entries per leaf, not ${opts.keys}`,
    );
  const rng = new Rng(opts.seed ?? 1);
  const keys = sortedKeys(rng, opts.keys, opts.wide ? { wide: true } : {});
  const values = keys.map(() => {
    const v = new Uint8Array(1 + rng.below(MAX_VALUE));
    for (let i = 0; i < v.length; i++) v[i] = rng.below(256);
    return v;
  });

  // data.db: record i in slot order[i], the slots shuffled.
  const slots = keys.map((_, i) => i);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  const data = new Uint8Array(keys.length * RECORD_SLOT);
  const dataView = new DataView(data.buffer);
  keys.forEach((key, i) => {
    const at = slots[i] * RECORD_SLOT;
    dataView.setUint32(at, RECORD_MAGIC, true);
    dataView.setUint32(at + 4, values[i].length, true);
    dataView.setBigUint64(at + 8, key, true);
    data.set(values[i], at + RECORD_HEADER);
  });

  // index.db: block 0 the root, block 1 + i leaf i.
  const sizes = groupSizes(rng, keys.length, perLeaf);
  const index = new Uint8Array((1 + sizes.length) * PAGE_BYTES);
  const view = new DataView(index.buffer);
  view.setUint32(0, INDEX_MAGIC, true);
  view.setUint32(4, sizes.length, true);
  view.setBigUint64(8, BigInt(keys.length), true);
  let first = 0;
  sizes.forEach((count, leaf) => {
    view.setBigUint64(16 + 8 * leaf, keys[first], true);
    const at = (1 + leaf) * PAGE_BYTES;
    view.setUint32(at, LEAF_MAGIC, true);
    view.setUint32(at + 4, count, true);
    for (let e = 0; e < count; e++) {
      view.setBigUint64(at + 8 + 16 * e, keys[first + e], true);
      view.setBigUint64(at + 16 + 16 * e, BigInt(slots[first + e] * RECORD_SLOT), true);
    }
    first += count;
  });
  return { index, data, keys, values, leaves: sizes.length };
}

const USAGE = `gen.js INDEX DATA --keys N [--seed N] [--per-leaf 1..${MAX_ENTRIES}] [--wide]`;

/** The command line: writes both files atomically and prints a one-line JSON summary. */
export function runIndexedCli(argv: string[]): number {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: {
          keys: { type: "string" },
          seed: { type: "string" },
          "per-leaf": { type: "string" },
          wide: { type: "boolean" },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      badOption((err as Error).message, USAGE);
    }
    if (parsed.positionals.length !== 2) badOption("name the index file and the data file", USAGE);
    const values = parsed.values as Record<string, unknown>;
    const keys = intOption(values, "keys", 1, MAX_LEAVES * MAX_ENTRIES);
    if (keys === undefined) badOption("--keys is required", USAGE);
    const made = generateIndexed({
      keys,
      seed: intOption(values, "seed", 0, 0xffffffff),
      perLeaf: intOption(values, "per-leaf", 1, MAX_ENTRIES),
      wide: values.wide === true,
    });
    const [indexPath, dataPath] = parsed.positionals;
    writeFileAtomic(indexPath, made.index);
    writeFileAtomic(dataPath, made.data);
    process.stdout.write(
      JSON.stringify({
        index: indexPath,
        data: dataPath,
        keys: made.keys.length,
        leaves: made.leaves,
        first_key: made.keys[0].toString(),
        last_key: made.keys[made.keys.length - 1].toString(),
      }) + "\n",
    );
    return 0;
  } catch (err) {
    if (!(err instanceof IochainError)) throw err;
    for (const d of toDiagnostics(err))
      process.stderr.write(renderOneLine(d) + (d.hint ? `\n   = hint: ${d.hint}` : "") + "\n");
    return 1;
  }
}

if (isMain(import.meta.url)) process.exitCode = runIndexedCli(process.argv.slice(2));
