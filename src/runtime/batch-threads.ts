// Batches over several threads: each worker thread opens its own session (its own maps, program
// and data mapping: never shared per-CPU buffers, see docs/kernel-chains.md) and runs a contiguous
// share of the argument sets; results come back in input order. The rate counts only the chains:
// workers open their sessions first, and the clock starts when all of them are ready.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ProgramArtifact } from "../compiler/artifact.js";
import { IochainError } from "../diagnostics.js";
import type { ArgValue } from "./args.js";
import type { ChainResult } from "./driver.js";
import type { SessionOptions } from "./open-session.js";

export interface ThreadedRun {
  results: ChainResult[];
  /** Wall time of the chains themselves (all workers ready → all results back), in ns. */
  ns: number;
  /** bpf() test runs plus preads made by all sessions. */
  syscalls: number;
  /** Why a worker's session ran per step, if one did (openSession's fallback). */
  fallback?: string;
}

/** Messages between the threads (batch-worker.ts). */
export type ToWorker = { kind: "go" };
export type FromWorker =
  | { kind: "ready"; fallback?: string }
  | { kind: "done"; results: ChainResult[]; syscalls: number }
  | { kind: "error"; error: { code?: string; message: string; hint?: string } };

export async function runThreaded(
  artifact: ProgramArtifact,
  options: SessionOptions,
  argsList: readonly Record<string, ArgValue>[],
  threads: number,
): Promise<ThreadedRun> {
  const n = Math.max(1, Math.min(threads, argsList.length));
  const share = Math.ceil(argsList.length / n);
  const workers: Worker[] = [];
  const ready: Promise<FromWorker>[] = [];
  const done: Promise<FromWorker>[] = [];
  try {
    for (let t = 0; t < n; t++) {
      const worker = new Worker(workerScript(), {
        workerData: { artifact, options, args: argsList.slice(t * share, (t + 1) * share) },
      });
      workers.push(worker);
      const messages = inbox(worker);
      ready.push(messages.next());
      done.push(ready[t].then(() => messages.next()));
    }
    const readies = (await Promise.all(ready)).map(check);
    const start = process.hrtime.bigint();
    for (const w of workers) w.postMessage({ kind: "go" } satisfies ToWorker);
    const finished = (await Promise.all(done)).map(check);
    const ns = Number(process.hrtime.bigint() - start);
    const results: ChainResult[] = [];
    let syscalls = 0;
    for (const f of finished) {
      if (f.kind !== "done") throw new IochainError("E0999", "internal error: worker out of step");
      results.push(...f.results);
      syscalls += f.syscalls;
    }
    const fallback = readies.find((r) => r.kind === "ready" && r.fallback);
    return {
      results,
      ns,
      syscalls,
      fallback: fallback?.kind === "ready" ? fallback.fallback : undefined,
    };
  } finally {
    // Workers end on their own once they answered (their sessions closed); one that failed while
    // opening may still hold a session: ending it then is safe (it is waiting, not in a native call).
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * The worker's compiled script: beside this module in dist/, or (when this module runs from its
 * TypeScript source, as under vitest) the built copy in dist/ — `npm test` builds first.
 */
function workerScript(): URL {
  const beside = new URL("./batch-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL("../../dist/src/runtime/batch-worker.js", import.meta.url);
}

/** A worker's error becomes the same IochainError here. */
function check(m: FromWorker): FromWorker {
  if (m.kind === "error")
    throw new IochainError(m.error.code ?? "E0999", m.error.message, undefined, m.error.hint);
  return m;
}

/** The worker's messages in order, one promise each; a crash or early exit is an error message. */
function inbox(worker: Worker): { next(): Promise<FromWorker> } {
  const queue: FromWorker[] = [];
  const waiting: ((m: FromWorker) => void)[] = [];
  const deliver = (m: FromWorker): void => {
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  };
  worker.on("message", deliver);
  worker.on("error", (err) => deliver({ kind: "error", error: { message: String(err) } }));
  worker.on("exit", (code) =>
    deliver({ kind: "error", error: { message: `worker thread exited (code ${code})` } }),
  );
  return {
    next: () =>
      new Promise((resolve) => {
        const m = queue.shift();
        if (m) resolve(m);
        else waiting.push(resolve);
      }),
  };
}
