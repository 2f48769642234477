// Runs an experiment: its defaults, then the user's --param values, over the one parameter set;
// the points of a sweep on worker threads (each worker simulates its share; rows come back in
// point order, so the output does not depend on how the points were spread).
import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { IochainError } from "../diagnostics.js";
import { EXPERIMENTS, findExperiment } from "./experiments/registry.js";
import type { Row } from "./experiments/types.js";
import { DEVICE_PROFILES, type Params, defaultParams, isParamName } from "./params.js";
import type { SweepMessage, SweepWork } from "./sweep-worker.js";

export interface SimOutput {
  experiment: string;
  params: Params;
  rows: Row[];
}

export interface RunOptions {
  /** `name=value` settings over the experiment's defaults; `device=nand` picks a profile. */
  overrides?: Record<string, string>;
  /** Worker threads for the points (default: the machine's CPUs; 0 or 1: this thread). */
  workers?: number;
  /** Called after each point (for a progress bar). */
  onPoint?(done: number, total: number): void;
}

export function resolveParams(experiment: string, overrides: Record<string, string> = {}): Params {
  const e = findExperiment(experiment);
  if (!e) {
    throw new IochainError(
      "E0961",
      `unknown experiment \`${experiment}\``,
      undefined,
      `iochain sim list shows them: ${EXPERIMENTS.map((x) => x.name).join(", ")}`,
    );
  }
  const p = { ...defaultParams(), ...e.defaults };
  for (const [k, v] of Object.entries(overrides)) {
    if (k === "device") {
      const profile = DEVICE_PROFILES[v];
      if (!profile) {
        throw new IochainError(
          "E0962",
          `unknown device profile \`${v}\``,
          undefined,
          `profiles: ${Object.keys(DEVICE_PROFILES).join(", ")}`,
        );
      }
      Object.assign(p, profile);
      continue;
    }
    if (!isParamName(k)) {
      throw new IochainError(
        "E0962",
        `unknown parameter \`${k}\``,
        undefined,
        "iochain sim list --params shows them",
      );
    }
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n < 0) {
      throw new IochainError(
        "E0962",
        `parameter ${k}=${v} is not a non-negative number`,
        undefined,
        `write --param ${k}=<number>`,
      );
    }
    p[k] = n;
  }
  checkShape(p);
  return p;
}

function checkShape(p: Params): void {
  const ints: [keyof Params, number, number][] = [
    ["depth", 1, 10],
    ["cores", 1, 1024],
    ["threads", 1, 4096],
    ["throughput_threads", 1, 4096],
    ["batch", 1, 4096],
    ["lookups", 1, 100_000_000],
    ["keys", 1, 10_000_000],
    ["seed", 0, 0xffffffff],
    ["cached_levels", 0, 10],
    ["max_chain", 0, 1_000_000],
  ];
  for (const [k, lo, hi] of ints) {
    if (!Number.isInteger(p[k]) || p[k] < lo || p[k] > hi)
      throw new IochainError(
        "E0962",
        `parameter ${k}=${p[k]} must be an integer in ${lo}..${hi}`,
        undefined,
        `write --param ${k}=<${lo}..${hi}>`,
      );
  }
  if (p.device_iops_max <= 0 || p.device_512_ns <= 0)
    throw new IochainError(
      "E0962",
      "the device needs a positive service time and IOPS ceiling",
      undefined,
      "check device_512_ns and device_iops_max",
    );
}

const workerFile = (): string | undefined => {
  const f = fileURLToPath(new URL("./sweep-worker.js", import.meta.url));
  return existsSync(f) ? f : undefined; // under vitest the sources are .ts: run in this thread
};

export async function runExperiment(name: string, options: RunOptions = {}): Promise<SimOutput> {
  const params = resolveParams(name, options.overrides);
  const e = findExperiment(name)!;
  if (e.run) return { experiment: name, params, rows: e.run(params) };
  const points = e.points!(params);
  const results: Row[][] = new Array(points.length);
  const workers = Math.min(options.workers ?? availableParallelism(), points.length);
  const file = workerFile();
  let done = 0;
  if (workers <= 1 || !file) {
    for (const [i, point] of points.entries()) {
      const out = point();
      results[i] = Array.isArray(out) ? out : [out];
      options.onPoint?.(++done, points.length);
      // Let the event loop run between points (a progress bar, a test runner's messages).
      await new Promise((resolve) => setImmediate(resolve));
    }
  } else {
    await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const indices = points.map((_, i) => i).filter((i) => i % workers === w);
        const work: SweepWork = { experiment: name, params, indices };
        return new Promise<void>((resolve, reject) => {
          const worker = new Worker(file, { workerData: work });
          worker.on("message", (m: SweepMessage) => {
            if (m.kind === "point") {
              results[m.index] = m.rows;
              options.onPoint?.(++done, points.length);
            } else
              reject(
                new IochainError(m.error.code ?? "E0999", m.error.message, undefined, m.error.hint),
              );
          });
          worker.on("error", reject);
          worker.on("exit", () => resolve());
        });
      }),
    );
  }
  return { experiment: name, params, rows: results.flat() };
}
