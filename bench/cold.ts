// The anchors with a cold page cache: the tree file is evicted before each run, and each run is
// one pass with no warm-up over fewer keys (20 000 by default: a few seconds at ~40 µs a lookup).
// Beside them, the device's own O_DIRECT read latency at queue depth 1, the floor any chain of
// dependent reads pays per hop it misses. Only t5 is cold in a useful sense: t3's first read (the
// root, at offset 0) starts the initial readahead window, which on read_ahead_kb 8192 brings in
// the whole 2 MB file at once.
import { writeFileSync } from "node:fs";
import { anchorData, type TreeName } from "./anchor-data.js";
import { ANCHORS, build, runAnchor, runTool } from "./anchor-tools.js";
import type { AnchorRow } from "./anchors.js";

interface Residency {
  pages: number;
  resident_before: number;
  resident_after: number;
}

export type Eviction = "posix_fadvise(DONTNEED)" | "drop_caches";

/**
 * Drops `path` from the page cache and says how. posix_fadvise(DONTNEED) after fsync (bench/c/
 * evict.c) drops only this file and works here (mincore: 0 pages resident after). It cannot drop
 * pages someone keeps mapped; then, as root, writing 1 to /proc/sys/vm/drop_caches (every clean
 * page of the machine) is the fallback. Throws if the file is still resident after both.
 */
export function evictFromPageCache(path: string): Eviction {
  const evict = build("evict");
  if ("reason" in evict) throw new Error(`cannot evict: ${evict.reason}`);
  if (runTool<Residency>(evict.bin, [path]).resident_after === 0) return "posix_fadvise(DONTNEED)";
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "1");
  } catch (err) {
    throw new Error(`posix_fadvise left pages of ${path} resident; drop_caches: ${err}`);
  }
  const left = runTool<Residency>(evict.bin, [path, "--check"]).resident_after;
  if (left !== 0) throw new Error(`${path}: ${left} pages still resident after drop_caches`);
  return "drop_caches";
}

export interface DeviceLatency {
  size: number;
  reads: number;
  us_median: number;
  us_mean: number;
  us_p99: number;
}

/** O_DIRECT preads of `size` bytes at random aligned offsets of `path`, one at a time. */
export function deviceLatency(path: string, size = 512, reads = 2000): DeviceLatency | string {
  const probe = build("direct-probe");
  if ("reason" in probe) return probe.reason;
  return runTool<DeviceLatency>(probe.bin, [
    path,
    "--size",
    String(size),
    "--reads",
    String(reads),
  ]);
}

/**
 * Each anchor `runs` times on `tree` (evicted before every run), one pass of `keys` lookups each,
 * answers checked; the median run. Anchors that cannot be built are left out with a message.
 */
export function runColdAnchors(opts: { tree: TreeName; keys?: number; runs?: number }): {
  rows: AnchorRow[];
  eviction: Eviction | undefined;
} {
  const data = anchorData(opts.tree, opts.keys ?? 20_000);
  const rows: AnchorRow[] = [];
  let eviction: Eviction | undefined;
  for (const anchor of ANCHORS) {
    const b = build(anchor.tool);
    if ("reason" in b) {
      console.warn(`skipping ${anchor.name}: ${b.reason}`);
      continue;
    }
    const runs = Array.from({ length: opts.runs ?? 5 }, () => {
      eviction = evictFromPageCache(data.tree);
      return runAnchor(b.bin, anchor, data, ["--no-warmup", "--rounds", "1"]);
    }).sort((x, y) => x.ns_per_lookup - y.ns_per_lookup);
    const median = runs[Math.floor(runs.length / 2)];
    rows.push({
      name: anchor.name,
      nsPerLookup: median.ns_per_lookup,
      nsMin: runs[0].ns_per_lookup,
      hopsPerLookup: median.hops_per_lookup,
      deviceBytesPerLookup: median.device_bytes_per_lookup,
    });
  }
  return { rows, eviction };
}
