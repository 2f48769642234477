// This machine, warm page cache, one thread: the ways iochain and its C anchor run a bptree lookup,
// predicted from costs measured apart (a calibration) and the real chains' hop counts (VM traces).
// The engine adds up the CPU work of each lookup (no device: every block is cached).
//
//   C pread loop          per hop: a pread of a cached block + the search in user space
//   per-step runtime      per hop: the chain driver's work (its pread included) + one test run of
//                         the step from Node
//   kernel chain, K = 1   one runtime call (a test run from Node, the file's fstat), the chain's
//                         own handling (arguments in, record out) and its in-kernel hops
//   kernel chains, K      the runtime call shared by K chains, plus each chain's handling and hops
import { Seg, type Segments, simulate } from "./engine.js";
import { summarize } from "./point.js";
import type { Trace } from "./trace.js";
import type { Row } from "./experiments/types.js";

/** What the model needs of this machine (one tree: per-hop costs depend on the tree's size). */
export interface Calibration {
  /** C: one 512 B pread of a cached block. */
  pread_ns: number;
  /** C: the user-space search of one block in memory. */
  search_ns_per_hop: number;
  /** Node: one test run of the step program per call, wall (koffi + bpf() + the step). */
  step_call_ns: number;
  /** Node: the chain driver's own work per hop (runtime/driver.ts, its pread included). */
  driver_hop_ns: number;
  /** Kernel chains: a runPacked call's fixed time (Node, the test run, the program's start). */
  runtime_call_ns: number;
  /** Kernel chains: each chain's time in a call besides its hops (arguments in, record out). */
  runtime_chain_ns: number;
  /** Kernel chains: a hop in the kernel (bpf_copy_from_user of the block + the step). */
  chain_hop_ns: number;
}

/** The calibration's fields, in the order the parameters list them (m_<field>, m5_<field>). */
export const CALIBRATION_FIELDS = [
  "pread_ns",
  "search_ns_per_hop",
  "step_call_ns",
  "driver_hop_ns",
  "runtime_call_ns",
  "runtime_chain_ns",
  "chain_hop_ns",
] as const satisfies readonly (keyof Calibration)[];

export const MACHINE_PATHS = [
  "C pread loop",
  "per-step runtime",
  "kernel chain K=1",
  "kernel chains K=64",
] as const;
export type MachinePath = (typeof MACHINE_PATHS)[number];

function segmentsFor(path: MachinePath, hops: number, c: Calibration): Segments {
  let ns: number;
  switch (path) {
    case "C pread loop":
      ns = hops * (c.pread_ns + c.search_ns_per_hop);
      break;
    case "per-step runtime":
      ns = hops * (c.driver_hop_ns + c.step_call_ns);
      break;
    // One call per chain: the whole fixed cost of a call is this chain's.
    case "kernel chain K=1":
      ns = c.runtime_call_ns + c.runtime_chain_ns + hops * c.chain_hop_ns;
      break;
    // One call per 64 chains: the fixed cost shared.
    case "kernel chains K=64":
      ns = c.runtime_call_ns / 64 + c.runtime_chain_ns + hops * c.chain_hop_ns;
      break;
  }
  return { kinds: Uint8Array.of(Seg.cpu), amounts: Float64Array.of(ns), ios: 0 };
}

/** Predicted mean µs and lookups/s of each path over these chains (one thread, warm). */
export function predictMachine(traces: readonly Trace[], c: Calibration, label: string): Row[] {
  return MACHINE_PATHS.map((path) => {
    const segs = traces.map((t) => segmentsFor(path, t.sizes.length, c));
    const r = simulate({
      cores: 1,
      threads: 1,
      batch: 1,
      lookups: segs.length,
      device: { channels: 1, serviceNs: () => 0, jitter: 0 },
      seed: 1,
      nextLookup: (i) => segs[i],
    });
    const s = summarize(r, 1);
    return {
      dispatch: path,
      tree: label,
      hops_per_lookup: Number(
        (traces.reduce((n, t) => n + t.sizes.length, 0) / traces.length).toFixed(2),
      ),
      mean_latency_us: s.mean_latency_us,
      p50_us: s.p50_us,
      p99_us: s.p99_us,
      iops: s.iops,
    };
  });
}
