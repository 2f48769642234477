// One thread of runThreaded (batch-threads.ts): opens its own session, says ready, waits for
// "go", runs its argument sets in one batch and sends the results back.
import { parentPort, workerData } from "node:worker_threads";
import type { ProgramArtifact } from "../compiler/artifact.js";
import type { ArgValue } from "./args.js";
import type { FromWorker, ToWorker } from "./batch-threads.js";
import { openSession, type SessionOptions } from "./open-session.js";
import { sessionSyscalls } from "./session-syscalls.js";

const { artifact, options, args } = workerData as {
  artifact: ProgramArtifact;
  options: SessionOptions;
  args: Record<string, ArgValue>[];
};
const port = parentPort!;
const send = (m: FromWorker): void => port.postMessage(m);

try {
  const session = openSession(artifact, options);
  send({ kind: "ready", fallback: session.fallback });
  port.once("message", (m: ToWorker) => {
    if (m.kind !== "go") return;
    // The session is closed before the answer goes out: the main thread may end this thread then.
    let answer: FromWorker;
    try {
      const before = sessionSyscalls(session, []);
      const results = session.runBatch(args);
      answer = { kind: "done", results, syscalls: sessionSyscalls(session, results) - before };
    } catch (err) {
      answer = { kind: "error", error: describe(err) };
    }
    session.close();
    send(answer);
  });
} catch (err) {
  send({ kind: "error", error: describe(err) });
}

function describe(err: unknown): { code?: string; message: string; hint?: string } {
  const d = (err as { diagnostic?: { code: string; message: string; hint?: string } }).diagnostic;
  return d ? { code: d.code, message: d.message, hint: d.hint } : { message: String(err) };
}
