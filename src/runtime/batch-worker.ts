// One thread of runThreaded (batch-threads.ts): opens its own session, says ready, waits for
// "go", runs its argument sets in one batch and sends the results back.
import { parentPort, workerData } from "node:worker_threads";
import type { FromWorker, ToWorker, WorkerData } from "./batch-threads.js";
import { KernelChainSession } from "./kernel-chain-session.js";
import { openSession } from "./open-session.js";
import { resultToJson } from "./result-json.js";
import { sessionSyscalls } from "./session-syscalls.js";

const { artifact, options, work } = workerData as WorkerData;
const port = parentPort!;
const send = (m: FromWorker): void => port.postMessage(m);

try {
  const session = openSession(artifact, options);
  send({ kind: "ready", fallback: session.fallback });
  port.once("message", (m: ToWorker) => {
    if (m.kind !== "go") return;
    // The session is closed before the answer goes out: the main thread may end this thread then.
    let answer: FromWorker;
    let transfer: ArrayBuffer[] = [];
    try {
      const before = sessionSyscalls(session, []);
      if (work.output === "packed") {
        if (!(session instanceof KernelChainSession))
          throw new Error("packed results come from kernel chains (target linux, chain kernel)");
        const output = session.runPacked(work.slots, work.count);
        const syscalls = sessionSyscalls(session, []) - before;
        answer = { kind: "done", output, syscalls };
        transfer = [
          output.status,
          output.errorCode,
          output.hops,
          output.scalar,
          output.bytes,
          output.bytesLength,
        ].map((a) => a.buffer as ArrayBuffer);
      } else {
        const results = session.runBatch(work.args);
        const syscalls = sessionSyscalls(session, results) - before;
        const output =
          work.output === "json"
            ? results.map((r) => JSON.stringify(resultToJson(r)) + "\n").join("")
            : results;
        answer = { kind: "done", output, syscalls };
      }
    } catch (err) {
      answer = { kind: "error", error: describe(err) };
    }
    session.close();
    port.postMessage(answer, transfer);
  });
} catch (err) {
  send({ kind: "error", error: describe(err) });
}

function describe(err: unknown): { code?: string; message: string; hint?: string } {
  const d = (err as { diagnostic?: { code: string; message: string; hint?: string } }).diagnostic;
  return d ? { code: d.code, message: d.message, hint: d.hint } : { message: String(err) };
}
