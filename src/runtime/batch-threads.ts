// Batches over several threads: each worker thread opens its own session (its own maps, program
// and data mapping: never shared per-CPU buffers, see docs/kernel-chains.md) and runs a contiguous
// share of the argument sets; results come back in input order. The rate counts only the chains:
// workers open their sessions first, and the clock starts when all of them are ready.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ProgramArtifact } from "../abi/artifact.js";
import { IochainError, internalError } from "../diagnostics.js";
import type { ArgValue } from "./args.js";
import type { ChainResult } from "./driver.js";
import type { PackedResults } from "./linux/chain-records.js";
import type { SessionOptions } from "./open-session.js";

export interface ThreadedRun<T = ChainResult[]> {
  /** The workers' outputs joined in input order. */
  results: T;
  /** Wall time of the chains themselves (all workers ready → all results back), in ns. */
  ns: number;
  /** bpf() test runs plus preads made by all sessions. */
  syscalls: number;
  /** Why a worker's session ran per step, if one did (openSession's fallback). */
  fallback?: string;
}

/**
 * What a worker does with its share and sends back: ChainResult objects (structured-cloned: for
 * many chains that copy costs more than the chains), the JSON lines `iochain run --args-file`
 * prints (one string), or packed results (their buffers transferred, not copied).
 */
type Work =
  | { output: "results" | "json"; args: Record<string, ArgValue>[] }
  | { output: "packed"; slots: Uint8Array; count: number };
type OutputOf = { results: ChainResult[]; json: string; packed: PackedResults };

/** Messages between the threads (batch-worker.ts). */
export type ToWorker = { kind: "go" };
export type FromWorker =
  | { kind: "ready"; fallback?: string }
  | { kind: "done"; output: ChainResult[] | string | PackedResults; syscalls: number }
  | { kind: "error"; error: { code?: string; message: string; hint?: string } };
export type WorkerData = { artifact: ProgramArtifact; options: SessionOptions; work: Work };

/** Runs one chain per argument set, the sets split over `threads` worker threads. */
export async function runThreaded<O extends "results" | "json" = "results">(
  artifact: ProgramArtifact,
  options: SessionOptions,
  argsList: readonly Record<string, ArgValue>[],
  threads: number,
  output: O = "results" as O,
): Promise<ThreadedRun<OutputOf[O]>> {
  const n = Math.max(1, Math.min(threads, argsList.length));
  const share = Math.ceil(argsList.length / n);
  const works = Array.from({ length: n }, (_, t) => ({
    output,
    args: argsList.slice(t * share, (t + 1) * share),
  }));
  const run = await onThreads(artifact, options, works);
  const joined =
    output === "json"
      ? (run.outputs as string[]).join("")
      : (run.outputs as ChainResult[][]).flat();
  return { ...run, results: joined as OutputOf[O] };
}

/** runPacked's columnar form over `threads` worker threads (KernelChainSession.runPacked). */
export async function runThreadedPacked(
  artifact: ProgramArtifact,
  options: SessionOptions,
  slots: Uint8Array,
  count: number,
  threads: number,
): Promise<ThreadedRun<PackedResults>> {
  const n = Math.max(1, Math.min(threads, count));
  const share = Math.ceil(count / n);
  const per = slots.byteLength / Math.max(1, count);
  const works: Work[] = Array.from({ length: n }, (_, t) => {
    const first = t * share;
    const c = Math.max(0, Math.min(share, count - first));
    return { output: "packed", slots: slots.slice(first * per, (first + c) * per), count: c };
  });
  const run = await onThreads(artifact, options, works);
  return { ...run, results: joinPacked(run.outputs as PackedResults[]) };
}

function joinPacked(parts: PackedResults[]): PackedResults {
  const join = <A extends Uint8Array | Uint32Array | BigUint64Array>(
    make: (n: number) => A,
    pick: (p: PackedResults) => A,
  ): A => {
    const out = make(parts.reduce((n, p) => n + pick(p).length, 0));
    let at = 0;
    for (const p of parts) {
      (out as Uint8Array).set(pick(p) as Uint8Array, at);
      at += pick(p).length;
    }
    return out;
  };
  return {
    status: join(
      (n) => new Uint8Array(n),
      (p) => p.status,
    ),
    errorCode: join(
      (n) => new Uint32Array(n),
      (p) => p.errorCode,
    ),
    hops: join(
      (n) => new Uint32Array(n),
      (p) => p.hops,
    ),
    scalar: join(
      (n) => new BigUint64Array(n),
      (p) => p.scalar,
    ),
    bytes: join(
      (n) => new Uint8Array(n),
      (p) => p.bytes,
    ),
    bytesLength: join(
      (n) => new Uint32Array(n),
      (p) => p.bytesLength,
    ),
    width: parts[0]?.width ?? 0,
  };
}

/** Starts a worker per work, waits until all are ready, then times them from "go" to the last answer. */
async function onThreads(
  artifact: ProgramArtifact,
  options: SessionOptions,
  works: Work[],
): Promise<{
  outputs: FromWorkerDone["output"][];
  ns: number;
  syscalls: number;
  fallback?: string;
}> {
  const workers: Worker[] = [];
  const ready: Promise<FromWorker>[] = [];
  const done: Promise<FromWorker>[] = [];
  try {
    works.forEach((work, t) => {
      const worker = new Worker(workerScript(), {
        workerData: { artifact, options, work } satisfies WorkerData,
      });
      workers.push(worker);
      const messages = inbox(worker);
      ready.push(messages.next());
      done.push(ready[t].then(() => messages.next()));
    });
    const readies = (await Promise.all(ready)).map(check);
    const start = process.hrtime.bigint();
    for (const w of workers) w.postMessage({ kind: "go" } satisfies ToWorker);
    const finished = (await Promise.all(done)).map(check);
    const ns = Number(process.hrtime.bigint() - start);
    const outputs: FromWorkerDone["output"][] = [];
    let syscalls = 0;
    for (const f of finished) {
      if (f.kind !== "done") throw internalError("a worker answered out of step");
      outputs.push(f.output);
      syscalls += f.syscalls;
    }
    const fallback = readies.find((r) => r.kind === "ready" && r.fallback);
    return {
      outputs,
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

type FromWorkerDone = Extract<FromWorker, { kind: "done" }>;

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
    throw m.error.code
      ? new IochainError(m.error.code, m.error.message, undefined, m.error.hint)
      : internalError(`a worker thread failed: ${m.error.message}`);
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
