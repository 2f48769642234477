// The simulator's own speed: one depth-experiment point (depth 10, every dispatch) of 10^6
// simulated lookups, with the VM's runs included (each distinct key's chain runs on the VM once;
// its trace is then reused, src/sim/trace.ts), and the VM alone re-running chains afresh.
import { defaultParams } from "../src/sim/params.js";
import { runPoint, workloadFor } from "../src/sim/point.js";
import type { Row } from "./table.js";

export function benchSim(lookups = 1_000_000): Row[] {
  const rows: Row[] = [];
  const p = { ...defaultParams(), lookups };
  for (const dispatch of ["user", "driver"] as const) {
    // A fresh process-wide workload per row would need a fresh tree; count the VM work it adds.
    const w = workloadFor(p, 10);
    const insnsBefore = w.tracer.vmInsns;
    const chainsBefore = w.tracer.vmChains;
    const t0 = process.hrtime.bigint();
    const { result, stats } = runPoint(p, {
      dispatch,
      depth: 10,
      threads: 1,
      uring: false,
      batch: 1,
      cachedLevels: 0,
      capHops: 0,
      lookups,
    });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rows.push({
      what: `depth 10, ${dispatch}, ${lookups} lookups`,
      seconds: Number(s.toFixed(2)),
      "events/s": Math.round(result.events / s),
      "VM chains run": w.tracer.vmChains - chainsBefore,
      "VM insns": w.tracer.vmInsns - insnsBefore,
      "mean µs (model)": stats.mean_latency_us,
    });
  }
  // The VM alone: chains re-run afresh (no cache), instructions per second.
  const w = workloadFor(p, 10);
  const n = 20_000;
  const before = w.tracer.vmInsns;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) w.tracer.runFresh({ key: w.tree.keys[w.keyIndex(i)] });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const insns = w.tracer.vmInsns - before;
  rows.push({
    what: `VM alone: ${n} chains afresh`,
    seconds: Number(s.toFixed(2)),
    "events/s": 0,
    "VM chains run": n,
    "VM insns": insns,
    "mean µs (model)": 0,
  });
  rows.push({
    what: "VM instructions/s",
    seconds: 0,
    "events/s": 0,
    "VM chains run": 0,
    "VM insns": Math.round(insns / s),
    "mean µs (model)": 0,
  });
  return rows;
}
