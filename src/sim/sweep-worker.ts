// One worker thread of a sweep (src/sim/run.ts): rebuilds the experiment's point list from the
// same parameters (it is deterministic), runs the points it was given, and sends their rows back.
import { parentPort, workerData } from "node:worker_threads";
import { findExperiment } from "./experiments/registry.js";
import type { Row } from "./experiments/types.js";
import type { Params } from "./params.js";

export type SweepWork = { experiment: string; params: Params; indices: number[] };
export type SweepMessage =
  | { kind: "point"; index: number; rows: Row[] }
  | { kind: "error"; error: { code?: string; message: string; hint?: string } };

const { experiment, params, indices } = workerData as SweepWork;
const port = parentPort!;
try {
  const points = findExperiment(experiment)?.points?.(params) ?? [];
  for (const index of indices) {
    const out = points[index]();
    port.postMessage({
      kind: "point",
      index,
      rows: Array.isArray(out) ? out : [out],
    } satisfies SweepMessage);
  }
} catch (err) {
  const d = (err as { diagnostic?: { code: string; hint?: string } }).diagnostic;
  port.postMessage({
    kind: "error",
    error: { code: d?.code, message: (err as Error).message, hint: d?.hint },
  } satisfies SweepMessage);
}
