// This machine, warm page cache, one thread: the lookups/s of the C pread loop, the per-step linux
// runtime and kernel chains (K = 1, 64) predicted from the costs measured on this machine (the
// m_* (depth 3) and m5_* (depth 5) parameters; `npm run bench -- sim-machine` measures them again and puts each prediction
// beside a measurement taken in the same run), for the simulator's trees at depths 3 and 5.
import type { Calibration } from "../machine.js";
import { CALIBRATION_FIELDS, predictMachine } from "../machine.js";
import type { Params } from "../params.js";
import { workloadFor } from "../point.js";
import type { Experiment, Row } from "./types.js";

/** The calibration of the tree at `depth`: m5_* for depth 5 (t5), m_* otherwise (t3). */
export function calibrationOf(p: Params, depth: number): Calibration {
  const c = {} as Calibration;
  for (const f of CALIBRATION_FIELDS) c[f] = depth === 5 ? p[`m5_${f}`] : p[`m_${f}`];
  return c;
}

const machine: Experiment = {
  name: "machine",
  describe: "this machine, warm: C pread loop, per-step runtime, kernel chains K=1/64 (depth 3, 5)",
  points(p) {
    return [3, 5].map((depth) => (): Row[] => {
      const w = workloadFor(p, depth);
      const n = Math.min(p.lookups, 20_000);
      const traces = Array.from({ length: n }, (_, i) => w.trace(i));
      return predictMachine(traces, calibrationOf(p, depth), `depth ${depth}`).map((r) => ({
        ...r,
        depth,
      }));
    });
  },
};

export const MACHINE_EXPERIMENTS: Experiment[] = [machine];
