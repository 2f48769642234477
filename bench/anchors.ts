// The anchors kernel chains are measured against: bptree lookups written in plain C by a careful
// user-space programmer, on the same trees and keys (bench/anchor-data.ts): a pread loop
// (bench/c/pread-loop.c) and an io_uring loop with Q = 1, 8, 32 chains in flight
// (bench/c/uring-loop.c). Warm page cache: one untimed pass, then the median of 5 timed rounds.
// Every answer is checked against examples/bptree/reference.ts (found count, hops and a checksum of
// the values) before a timing is used. ../shared/notes/kernel-chains.md has the figures to expect.
//
//   npm run build && node dist/bench/anchors.js [warm|cold] [t3|t5] [--keys N]
//   node dist/bench/main.js anchors      (warm, both trees: the section in bench/main.ts)
import { pathToFileURL } from "node:url";
import { anchorData, type TreeName } from "./anchor-data.js";
import { ANCHORS, build, runAnchor } from "./anchor-tools.js";
import { deviceLatency, runColdAnchors } from "./cold.js";
import { formatTable, type Row } from "./table.js";

/** Rounded for the table. */
const fmt = (n: number, digits: number): number => Number(n.toFixed(digits));

export interface AnchorRow {
  name: string;
  /** Median round (warm) or run (cold), ns per lookup. */
  nsPerLookup: number;
  /** Fastest round or run: less disturbed by the other work on a shared machine. */
  nsMin: number;
  hopsPerLookup: number;
  /** Bytes read from the device per lookup in the timed passes (0 when warm). */
  deviceBytesPerLookup: number;
}

/**
 * Runs every anchor warm over `keys` lookups of `tree` (the trees and key files are cached under
 * the tmp dir; t5 takes ~10 s to generate the first time). Anchors that cannot be built here
 * (no compiler, no liburing) are left out, with the reason printed.
 */
export function runAnchors(opts: { tree: TreeName; keys?: number; rounds?: number }): AnchorRow[] {
  const data = anchorData(opts.tree, opts.keys ?? 200_000);
  const rows: AnchorRow[] = [];
  for (const anchor of ANCHORS) {
    const b = build(anchor.tool);
    if ("reason" in b) {
      console.warn(`skipping ${anchor.name}: ${b.reason}`);
      continue;
    }
    const run = runAnchor(b.bin, anchor, data, ["--rounds", String(opts.rounds ?? 5)]);
    rows.push({
      name: anchor.name,
      nsPerLookup: run.ns_per_lookup,
      nsMin: run.ns_min,
      hopsPerLookup: run.hops_per_lookup,
      deviceBytesPerLookup: run.device_bytes_per_lookup,
    });
  }
  return rows;
}

/** Table rows for `tree`: µs and lookups/s, and each anchor's speed relative to the pread loop. */
export function anchorTable(tree: TreeName, rows: AnchorRow[]): Row[] {
  const pread = rows.find((r) => r.name === "C pread loop");
  return rows.map((r) => ({
    tree,
    anchor: r.name,
    "us/lookup": fmt(r.nsPerLookup / 1000, 2),
    "us (best)": fmt(r.nsMin / 1000, 2),
    "lookups/s": Math.round(1e9 / r.nsPerLookup),
    "hops/lookup": r.hopsPerLookup,
    "x pread": pread ? fmt(pread.nsPerLookup / r.nsPerLookup, 2) : "",
  }));
}

/** The bench/main.ts section: both trees, warm. */
export function benchAnchors(keys = 200_000): Row[] {
  return (["t3", "t5"] as const).flatMap((tree) => anchorTable(tree, runAnchors({ tree, keys })));
}

/**
 * Cold: the anchors on an evicted file (with the device bytes each lookup read), and the device's
 * O_DIRECT latency at queue depth 1 per read, for scale.
 */
export function benchColdAnchors(tree: TreeName, keys = 20_000): Row[] {
  const { rows, eviction } = runColdAnchors({ tree, keys });
  console.log(`(evicted with ${eviction ?? "nothing: no anchor ran"} before each run)`);
  const table: Row[] = anchorTable(tree, rows).map((r, i) => ({
    ...r,
    "device B/lookup": rows[i].deviceBytesPerLookup,
  }));
  for (const size of [512, 4096]) {
    const d = deviceLatency(anchorData(tree, keys).tree, size);
    const ok = typeof d !== "string";
    table.push({
      tree,
      anchor: `O_DIRECT ${size} B read, QD1, per read`,
      "us/lookup": ok ? fmt(d.us_median, 1) : `n/a (${d})`,
      "us (best)": ok ? `p99 ${fmt(d.us_p99, 1)}` : "",
      "lookups/s": "",
      "hops/lookup": "",
      "x pread": "",
      "device B/lookup": "",
    });
  }
  return table;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const cold = argv.includes("cold");
  const trees = (["t3", "t5"] as const).filter((t) => argv.includes(t));
  const at = argv.indexOf("--keys");
  const keys = at >= 0 ? Number(argv[at + 1]) : cold ? 20_000 : 200_000;
  if (!Number.isInteger(keys) || keys < 1) throw new Error(`--keys ${argv[at + 1]}: not a count`);
  for (const tree of trees.length ? trees : cold ? (["t5"] as const) : (["t3", "t5"] as const)) {
    const title = `anchors, bptree ${tree}, ${keys} lookups, ${cold ? "cold (file evicted before each run; median of 5 runs)" : "warm page cache (median of 5 rounds)"}`;
    console.log(
      formatTable(
        title,
        cold ? benchColdAnchors(tree, keys) : anchorTable(tree, runAnchors({ tree, keys })),
      ) + "\n",
    );
  }
}
