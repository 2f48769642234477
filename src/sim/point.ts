// One point of an experiment: a dispatch point, a tree depth, threads, batch and cache settings,
// simulated over real VM traces, summarised as a row (latency mean/p50/p99, lookups/s).
import { deviceModel } from "./device.js";
import { type EngineResult, type Segments, simulate } from "./engine.js";
import type { Params } from "./params.js";
import { type Dispatch, buildSegments } from "./segments.js";
import { LookupWorkload } from "./workload.js";

export interface PointStats {
  mean_latency_us: number;
  p50_us: number;
  p99_us: number;
  /** Lookups per second (the HotOS "IOPS" columns count operations: docs/sim.md). */
  iops: number;
  device_iops: number;
  cpu_utilization: number;
  events: number;
}

export interface PointSpec {
  dispatch: Dispatch;
  depth: number;
  threads: number;
  uring: boolean;
  batch: number;
  cachedLevels: number;
  capHops: number;
  lookups: number;
}

const workloads = new Map<string, LookupWorkload>();

/** The workload of a tree shape, shared by every point on it in this process. */
export function workloadFor(p: Params, depth: number): LookupWorkload {
  const id = `${p.keys}/${depth}/${p.seed}`;
  let w = workloads.get(id);
  if (!w) workloads.set(id, (w = new LookupWorkload(p.keys, depth, p.seed)));
  return w;
}

export function summarize(r: EngineResult, cores: number): PointStats {
  const sorted = Float64Array.from(r.latencies).sort();
  const q = (f: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))];
  let sum = 0;
  for (const x of sorted) sum += x;
  const round = (x: number, d = 2): number => Number(x.toFixed(d));
  const seconds = r.elapsedNs / 1e9;
  return {
    mean_latency_us: round(sum / sorted.length / 1000),
    p50_us: round(q(0.5) / 1000),
    p99_us: round(q(0.99) / 1000),
    iops: Math.round(r.lookups / seconds),
    device_iops: Math.round(r.deviceReads / seconds),
    cpu_utilization: round(Math.min(1, r.cpuBusyNs / (r.elapsedNs * cores)), 3),
    events: r.events,
  };
}

export function runPoint(p: Params, spec: PointSpec): { stats: PointStats; result: EngineResult } {
  const w = workloadFor(p, spec.depth);
  const shape = {
    dispatch: spec.dispatch,
    uring: spec.uring,
    batch: spec.batch,
    cachedHops: spec.cachedLevels,
    capHops: spec.capHops,
  };
  const bySegKey = new Map<number, Segments>();
  const result = simulate({
    cores: p.cores,
    threads: spec.threads,
    batch: spec.batch,
    lookups: spec.lookups,
    device: deviceModel(p),
    seed: p.seed,
    nextLookup: (i) => {
      const k = w.keyIndex(i);
      let s = bySegKey.get(k);
      if (!s) bySegKey.set(k, (s = buildSegments(w.trace(i), p, shape)));
      return s;
    },
  });
  return { stats: summarize(result, p.cores), result };
}
