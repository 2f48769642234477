// The experiments that reproduce the papers' figures (HotOS 2021, XRP OSDI 2022), each from the one
// parameter set: the papers' own figures travel in the rows beside the model's (paper_* fields).
import { deviceModel } from "../device.js";
import { Seg, simulate } from "../engine.js";
import type { Params } from "../params.js";
import { type PointSpec, runPoint, summarize } from "../point.js";
import { DISPATCHES, type Dispatch } from "../segments.js";
import type { Experiment, Row } from "./types.js";

/** HotOS Table 2 (depth 10): user, syscall, driver; latency µs and IOPS. */
export const HOTOS_TABLE2: Partial<Record<Dispatch, { latency_us: number; iops: number }>> = {
  user: { latency_us: 78, iops: 109_000 },
  syscall: { latency_us: 68, iops: 130_000 },
  driver: { latency_us: 40, iops: 276_000 },
};

/** XRP Table 3: mean latency (µs) by index I/Os 1..6. */
export const XRP_TABLE3: Record<string, number[]> = {
  read: [13.4, 20.6, 27.4, 34.0, 41.5, 48.8],
  xrp: [10.7, 14.2, 18.0, 21.7, 25.4, 29.3],
  spdk: [5.2, 7.8, 11.2, 14.3, 17.2, 20.2],
  io_uring: [13.6, 20.2, 28.0, 35.0, 42.4, 49.3],
};

const TABLE1: [string, keyof Params, number][] = [
  ["kernel crossing", "crossing_ns", 351],
  ["read syscall", "syscall_ns", 199],
  ["ext4", "ext4_ns", 2006],
  ["bio", "bio_ns", 379],
  ["NVMe driver", "nvme_driver_ns", 113],
];

export function point(p: Params, over: Partial<PointSpec> & { dispatch: Dispatch }): PointSpec {
  return {
    depth: p.depth,
    threads: p.threads,
    uring: false,
    batch: p.batch,
    cachedLevels: p.cached_levels,
    capHops: p.max_chain,
    lookups: p.lookups,
    ...over,
  };
}

const row = (
  head: Record<string, string | number>,
  stats: ReturnType<typeof runPoint>["stats"],
): Row => ({
  ...head,
  mean_latency_us: stats.mean_latency_us,
  p50_us: stats.p50_us,
  p99_us: stats.p99_us,
  iops: stats.iops,
});

const table1: Experiment = {
  name: "table1",
  describe: "one 512 B O_DIRECT read(): the layers' costs, and the simulated read's latency",
  run(p) {
    const rows: Row[] = TABLE1.map(([layer, k, paper]) => ({
      dispatch: "user",
      layer,
      model_ns: p[k],
      paper_ns: paper,
    }));
    rows.push({
      dispatch: "user",
      layer: "storage device (service + interrupt)",
      model_ns: p.device_512_ns + p.irq_ns,
      paper_ns: 3224,
    });
    // One read through the engine: the layers, the device, the interrupt and the wake-up.
    const enter = p.crossing_ns + p.syscall_ns + p.ext4_ns + p.bio_ns + p.nvme_driver_ns;
    const one = {
      kinds: Uint8Array.of(Seg.cpu, Seg.io, Seg.irq, Seg.cpu),
      amounts: Float64Array.of(enter, 512, p.irq_ns, p.wakeup_ns),
      ios: 1,
    };
    const r = simulate({
      cores: p.cores,
      threads: 1,
      batch: 1,
      lookups: p.lookups,
      device: deviceModel(p),
      seed: p.seed,
      nextLookup: () => one,
    });
    const s = summarize(r, p.cores);
    rows.push({ ...row({ dispatch: "user", layer: "total (simulated)" }, s), paper_ns: 6270 });
    return rows;
  },
};

const depth: Experiment = {
  name: "depth",
  describe:
    "latency (threads param) and IOPS (throughput_threads) against tree depth, every dispatch",
  points(p) {
    const out: (() => Row | Row[])[] = [];
    for (const dispatch of DISPATCHES) {
      for (let d = 1; d <= 10; d++) {
        out.push(() => {
          const lat = runPoint(p, point(p, { dispatch, depth: d })).stats;
          const thr = runPoint(p, point(p, { dispatch, depth: d, threads: p.throughput_threads }));
          const paper = d === 10 ? HOTOS_TABLE2[dispatch] : undefined;
          return {
            ...row({ dispatch, depth: d }, lat),
            iops: thr.stats.iops,
            ...(paper ? { paper_latency_us: paper.latency_us, paper_iops: paper.iops } : {}),
          };
        });
      }
    }
    return out;
  },
};

const SYSTEMS: Record<string, { dispatch: Dispatch; uring: boolean }> = {
  read: { dispatch: "user", uring: false },
  io_uring: { dispatch: "user", uring: true },
  spdk: { dispatch: "spdk", uring: false },
  xrp: { dispatch: "driver", uring: false },
};

const indexIos: Experiment = {
  name: "index-ios",
  describe: "XRP Table 3: mean BPF-KV lookup latency by index I/Os (tree levels), one thread",
  points(p) {
    const out: (() => Row | Row[])[] = [];
    for (const [system, how] of Object.entries(SYSTEMS)) {
      for (let k = 1; k <= 6; k++) {
        out.push(() => {
          const s = runPoint(p, point(p, { ...how, depth: k, threads: 1, batch: 1 })).stats;
          return {
            ...row({ dispatch: system, index_ios: k }, s),
            paper_mean_latency_us: XRP_TABLE3[system][k - 1],
          };
        });
      }
    }
    return out;
  },
};

const threads: Experiment = {
  name: "threads",
  describe: "BPF-KV at 3 index levels, 1..12 threads on the cores: read() against XRP and SPDK",
  defaults: { depth: 3 },
  points(p) {
    const out: (() => Row | Row[])[] = [];
    for (let t = 1; t <= 12; t++) {
      out.push(() => {
        const base = runPoint(p, point(p, { dispatch: "user", threads: t })).stats;
        const rows: Row[] = [row({ dispatch: "user", threads: t }, base)];
        for (const dispatch of ["driver", "spdk"] as const) {
          const s = runPoint(p, point(p, { dispatch, threads: t })).stats;
          rows.push({
            ...row({ dispatch, threads: t }, s),
            throughput_gain: Number((s.iops / base.iops - 1).toFixed(3)),
            p99_reduction: Number((1 - s.p99_us / base.p99_us).toFixed(3)),
          });
        }
        return rows;
      });
    }
    return out;
  },
};

const uring: Experiment = {
  name: "uring",
  describe:
    "io_uring batches (chains in flight per submission, one thread): user vs driver dispatch",
  points(p) {
    const out: (() => Row | Row[])[] = [];
    for (const batch of [1, 2, 4, 8, 16, 32, 64]) {
      out.push(() => {
        const u = runPoint(p, point(p, { dispatch: "user", uring: true, batch, threads: 1 })).stats;
        const d = runPoint(
          p,
          point(p, { dispatch: "driver", uring: true, batch, threads: 1 }),
        ).stats;
        return [
          row({ dispatch: "user", batch }, u),
          {
            ...row({ dispatch: "driver", batch }, d),
            speedup: Number((d.iops / u.iops).toFixed(3)),
          },
        ];
      });
    }
    return out;
  },
};

const cache: Experiment = {
  name: "cache",
  describe:
    "upper tree levels held in memory: latency by cached levels (XRP reads them in user space)",
  points(p) {
    const out: (() => Row | Row[])[] = [];
    for (const dispatch of ["user", "driver", "page-cache"] as const) {
      for (let c = 0; c < p.depth; c++) {
        out.push(() => {
          const s = runPoint(p, point(p, { dispatch, cachedLevels: c })).stats;
          return row({ dispatch, cached_levels: c }, s);
        });
      }
    }
    return out;
  },
};

export const PAPER_EXPERIMENTS: Experiment[] = [table1, depth, indexIos, threads, uring, cache];
