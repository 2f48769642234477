// Fairness: long range scans (examples/range/scan.ioc, run on the VM over the same tree) beside
// point lookups, all dispatched from the NVMe driver. A chain's resubmissions run in interrupt
// context, which the CPU serves before threads, so scans that never leave the kernel delay the
// lookups' own work. A cap on in-kernel hops (max_chain) sends a chain back to user space every
// `cap` hops, where it queues behind the others (round-robin); the row shows the lookups' p99.
import { deviceModel } from "../device.js";
import { type Segments, simulate } from "../engine.js";
import { summarize, workloadFor } from "../point.js";
import { buildSegments } from "../segments.js";
import { Tracer } from "../trace.js";
import { exampleArtifact } from "../workload.js";
import type { Experiment, Row } from "./types.js";

/** Keys each scan covers (a few dozen leaves of the simulator's trees). */
const SCAN_KEYS = 300;

const fairness: Experiment = {
  name: "fairness",
  describe: "range scans beside point lookups (driver dispatch): lookups' p99 by in-kernel hop cap",
  points(p) {
    const out: (() => Row)[] = [];
    for (const cap of [0, 64, 16, 4]) {
      out.push(() => {
        const w = workloadFor(p, p.depth);
        const scans = new Tracer(exampleArtifact("range", "scan"), w.tree.path);
        const shape = { uring: false, batch: 1, cachedHops: 0, capHops: cap };
        const scanSegs = new Map<number, Segments>();
        const lookupSegs = new Map<number, Segments>();
        const threads = Math.max(2, p.throughput_threads);
        const n = w.tree.keys.length;
        try {
          const r = simulate({
            cores: p.cores,
            threads,
            batch: 1,
            lookups: p.lookups,
            device: deviceModel(p),
            seed: p.seed,
            // Even threads scan, odd threads look up.
            nextLookup: (i, thread) => {
              const k = w.keyIndex(i);
              if (thread % 2 === 1) {
                let s = lookupSegs.get(k);
                if (!s)
                  lookupSegs.set(
                    k,
                    (s = buildSegments(w.trace(i), p, { dispatch: "driver", ...shape })),
                  );
                return s;
              }
              let s = scanSegs.get(k);
              if (!s) {
                const lo = w.tree.keys[Math.min(k, n - 1)];
                const hi = w.tree.keys[Math.min(k + SCAN_KEYS, n - 1)];
                const t = scans.trace({ lo, hi });
                s = { ...buildSegments(t, p, { dispatch: "driver", ...shape }), cls: 1 };
                scanSegs.set(k, s);
              }
              return s;
            },
          });
          const pick = (cls: number) => {
            const lat = r.latencies.filter((_, i) => r.classes[i] === cls);
            return summarize({ ...r, latencies: lat, lookups: lat.length }, p.cores);
          };
          const lookups = pick(0);
          const scan = pick(1);
          return {
            dispatch: "driver",
            max_chain: cap,
            mean_latency_us: lookups.mean_latency_us,
            p50_us: lookups.p50_us,
            p99_us: lookups.p99_us,
            iops: lookups.iops,
            scan_mean_latency_us: scan.mean_latency_us,
            scans_per_s: scan.iops,
          };
        } finally {
          scans.close();
        }
      });
    }
    return out;
  },
};

export const FAIRNESS_EXPERIMENTS: Experiment[] = [fairness];
