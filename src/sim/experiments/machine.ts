// This machine, warm page cache, one thread: the lookups/s of the C pread loop, the per-step linux
// runtime and kernel chains (K = 1, 64) predicted from the costs measured on this machine (the
// m_* parameters; `npm run bench -- sim-machine` measures them again and puts each prediction
// beside a measurement taken in the same run), for the simulator's trees at depths 3 and 5.
import type { Calibration } from "../machine.js";
import { predictMachine } from "../machine.js";
import type { Params } from "../params.js";
import { workloadFor } from "../point.js";
import type { Experiment, Row } from "./types.js";

export const calibrationOf = (p: Params): Calibration => ({
  pread_ns: p.m_pread_ns,
  search_ns_per_hop: p.m_search_ns_per_hop,
  node_pread_ns: 0,
  step_call_ns: p.m_step_call_ns,
  test_run_ns: 0,
  driver_hop_ns: p.m_driver_hop_ns,
  runtime_call_ns: p.m_runtime_call_ns,
  runtime_chain_ns: p.m_runtime_chain_ns,
  chain_hop_ns: p.m_chain_hop_ns,
});

const machine: Experiment = {
  name: "machine",
  describe: "this machine, warm: C pread loop, per-step runtime, kernel chains K=1/64 (depth 3, 5)",
  points(p) {
    return [3, 5].map((depth) => (): Row[] => {
      const w = workloadFor(p, depth);
      const n = Math.min(p.lookups, 20_000);
      const traces = Array.from({ length: n }, (_, i) => w.trace(i));
      return predictMachine(traces, calibrationOf(p), `depth ${depth}`).map((r) => ({
        ...r,
        depth,
      }));
    });
  },
};

export const MACHINE_EXPERIMENTS: Experiment[] = [machine];
