// Cold page cache, t5: the tree file evicted before every run, one pass per run, no warm-up. The C
// pread loop and io_uring loop (Q = 1, 2, 8, 32: Q = 2 so that every thread count but 32 of the
// kernel chains has its io_uring peer) beside kernel chains on T = 1, 2, 8, 32 threads (K = 64,
// MADV_RANDOM; one row with the kernel's read-around), and the device's O_DIRECT latency at queue
// depth 1 as the floor. A chain takes its faults one at a time, so only threads overlap them, as
// Q does for io_uring: issue 8's goal is kernel chains on T threads ≥ 0.9× io_uring at Q = T.
import type { TreeName } from "./anchor-data.js";
import { type Anchor, ANCHORS, build, runAnchor } from "./anchor-tools.js";
import { deviceLatency, evictFromPageCache } from "./cold.js";
import { loadLookups } from "./chains-data.js";
import type { Measured } from "./chains-measure.js";
import { threaded } from "./chains-paths.js";
import { errorCode, exampleProgram } from "./chains-program.js";
import { baseRow, fmt, fromAnchor, missingRow, ratio } from "./chains-rows.js";
import type { Row } from "./table.js";

const Q2: Anchor = { name: "C io_uring loop, Q=2", tool: "uring-loop", args: ["--q", "2"] };
const COLD_ANCHORS: readonly Anchor[] = [...ANCHORS, Q2].sort(
  (a, b) => Number(a.args[1] ?? 0) - Number(b.args[1] ?? 0),
);

/** An anchor `runs` times on an evicted file (answers checked by runAnchor); the median run. */
function coldAnchor(anchor: Anchor, tree: TreeName, keys: number, runs: number): Measured | string {
  const b = build(anchor.tool);
  if ("reason" in b) return b.reason;
  const data = loadLookups(tree, keys).data;
  const all = Array.from({ length: runs }, () => {
    evictFromPageCache(data.tree);
    return runAnchor(b.bin, anchor, data, ["--no-warmup", "--rounds", "1"]);
  }).sort((x, y) => x.ns_per_lookup - y.ns_per_lookup);
  const m = all[Math.floor(all.length / 2)];
  return fromAnchor(
    {
      name: anchor.name,
      nsPerLookup: m.ns_per_lookup,
      nsMin: all[0].ns_per_lookup,
      hopsPerLookup: m.hops_per_lookup,
      deviceBytesPerLookup: m.device_bytes_per_lookup,
    },
    keys,
  );
}

export async function benchCold(opts: {
  tree: TreeName;
  keys: number;
  runs: number;
}): Promise<Row[]> {
  const { tree, keys, runs } = opts;
  const lookups = loadLookups(tree, keys);
  const artifact = exampleProgram("bptree", "lookup");
  const evict = () => void evictFromPageCache(lookups.data.tree);
  const rows: (Measured | { path: string; reason: string })[] = COLD_ANCHORS.map((a) => {
    const m = coldAnchor(a, tree, keys, runs);
    return typeof m === "string" ? { path: a.name, reason: m } : m;
  });
  const path = { lookups, artifact, rounds: runs, n: keys };
  const notFound = errorCode(artifact, "not_found");
  const chains: Measured[] = [];
  for (const threads of [1, 2, 8, 32])
    chains.push(
      await threaded(path, threads, {
        batch: 64,
        notFound,
        readAhead: "random",
        before: evict,
        warmup: false,
      }),
    );
  chains.push(
    await threaded(path, 1, {
      batch: 64,
      notFound,
      readAhead: "normal",
      before: evict,
      warmup: false,
    }),
  );
  rows.push(...chains);

  const measured = rows.filter((r): r is Measured => "nsPerLookup" in r);
  const pread = measured.find((r) => r.path === "C pread loop");
  const uring = (q: number) => measured.find((r) => r.path === `C io_uring loop, Q=${q}`);
  const table: Row[] = [];
  for (const r of rows) {
    if (!("nsPerLookup" in r)) continue;
    const t = /(\d+) threads?, readAhead random/.exec(r.path);
    const peer = t ? uring(Number(t[1])) : undefined;
    table.push(
      baseRow(tree, r, {
        "device B/lookup":
          r.deviceBytesPerLookup === undefined ? "" : Math.round(r.deviceBytesPerLookup),
        "x C pread": ratio(pread, r),
        "x io_uring Q=T": ratio(peer, r),
      }),
    );
  }
  for (const r of rows)
    if (!("nsPerLookup" in r)) table.push(missingRow(tree, r.path, r.reason, table[0]));
  // The floor: one device read at a time, no page cache (not a lookup: a single read).
  for (const size of [512, 4096]) {
    const d = deviceLatency(lookups.data.tree, size);
    const row = missingRow(
      tree,
      `device floor: O_DIRECT ${size} B read, QD1 (per read)`,
      "",
      table[0],
    );
    row.path = String(row.path).replace(/: $/, "");
    if (typeof d === "string") row.path += `: n/a (${d})`;
    else
      Object.assign(row, {
        "us/lookup": fmt(d.us_median, 1),
        "us (best)": `p99 ${fmt(d.us_p99, 1)}`,
      });
    table.push(row);
  }
  return table;
}
