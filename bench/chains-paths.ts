// iochain's ways of running the anchors' lookups, each checked against the reference before it is
// timed: the TypeScript pread loop (bench/lookups.ts), the per-step linux runtime (a test run and a
// pread per hop), kernel chains one per test run or in batches of K — with ChainResult objects
// (runBatch) and packed (runPacked: flat arrays, nothing allocated per chain) — and batches on
// worker threads (runThreaded: each thread its own session).
import { closeSync, openSync } from "node:fs";
import type { ProgramArtifact } from "../src/abi/artifact.js";
import { runThreadedPacked } from "../src/runtime/batch-threads.js";
import { KernelChainSession } from "../src/runtime/kernel-chain-session.js";
import type { ReadAhead } from "../src/runtime/linux/file-mapping.js";
import { openSession } from "../src/runtime/open-session.js";
import { sessionSyscalls } from "../src/runtime/session-syscalls.js";
import type { Expected } from "./anchor-data.js";
import { type Lookups, checkAnswers, foldPacked, foldResults, foldValues } from "./chains-data.js";
import { type Measured, readBytes, summarize, timeRounds } from "./chains-measure.js";
import { preadLookup } from "./lookups.js";

export interface PathOptions {
  lookups: Lookups;
  artifact: ProgramArtifact;
  rounds: number;
  /** Keys timed per pass (a prefix of the key file; slow paths take fewer). */
  n: number;
}

export function tsPreadLoop({ lookups, rounds, n }: PathOptions): Measured {
  const fd = openSync(lookups.data.tree, "r");
  try {
    const node = Buffer.alloc(512);
    const reads = { n: 0 };
    const answers = lookups.keys.slice(0, n).map((key) => {
      const before = reads.n;
      const value = preadLookup(fd, node, key, reads);
      return { value, hops: reads.n - before };
    });
    const want = lookups.expectedFor(n);
    checkAnswers("TypeScript pread loop", foldValues(answers), want);
    const t = timeRounds(rounds, n, () => {
      for (let i = 0; i < n; i++) preadLookup(fd, node, lookups.keys[i]);
    });
    const perLookup = reads.n / n;
    const path = "TS pread loop (bench/lookups.ts)";
    return { path, lookups: n, ...t, hopsPerLookup: perLookup, syscallsPerLookup: perLookup };
  } finally {
    closeSync(fd);
  }
}

/** Today's per-hop linux runtime: a pread into the block map and a test run per hop. */
export function perStep({ lookups, artifact, rounds, n }: PathOptions): Measured {
  const session = openSession(artifact, {
    target: "linux",
    chain: "step",
    data: lookups.data.tree,
  });
  try {
    const args = lookups.args.slice(0, n);
    const results = args.map((a) => session.run(a));
    const got = foldResults(results);
    checkAnswers("per-step linux runtime", got, lookups.expectedFor(n));
    const t = timeRounds(rounds, n, () => {
      for (const a of args) session.run(a);
    });
    return {
      path: "per-step linux runtime (chain: step)",
      lookups: n,
      ...t,
      hopsPerLookup: got.hops / n,
      syscallsPerLookup: sessionSyscalls(session, results) / n,
    };
  } finally {
    session.close();
  }
}

export type ChainForm = "objects" | "packed";

const label = (batch: number, form: ChainForm): string =>
  `kernel chains K=${batch}${batch === 1 ? " unbatched" : ""}, ${form === "objects" ? "runBatch" : "runPacked"}`;

/**
 * Kernel chains in batches of `batch`; batch 1 is "unbatched": one run (one test run) per chain,
 * called once per lookup, as a caller without a batch of keys at hand does.
 */
export function kernelChains(
  { lookups, artifact, rounds, n }: PathOptions,
  batch: number,
  form: ChainForm,
  notFound: number,
): Measured {
  const session = KernelChainSession.open(artifact, { data: lookups.data.tree, batch });
  try {
    const args = lookups.args.slice(0, n);
    const slots = lookups.slots.subarray(0, 8 * n);
    // `run` is what is timed (its results dropped); `answers` folds a pass, for the check only.
    let run: () => unknown;
    let answers: () => Expected;
    if (form === "objects") {
      const go = batch === 1 ? () => args.map((a) => session.run(a)) : () => session.runBatch(args);
      run = go;
      answers = () => foldResults(go());
    } else {
      const go =
        batch === 1
          ? () =>
              Array.from({ length: n }, (_, i) =>
                session.runPacked(slots.subarray(8 * i, 8 * i + 8), 1),
              )
          : () => [session.runPacked(slots, n)];
      run = go;
      answers = () => foldPacked(go(), notFound);
    }
    const want = lookups.expectedFor(n);
    checkAnswers(label(batch, form), answers(), want);
    const runsBefore = session.runs;
    const t = timeRounds(rounds, n, run);
    return {
      path: label(batch, form),
      lookups: n,
      ...t,
      hopsPerLookup: want.hops / n,
      syscallsPerLookup: (session.runs - runsBefore) / (rounds * n),
    };
  } finally {
    session.close();
  }
}

/**
 * Batches of `batch` on `threads` worker threads, each with its own session over a share of the
 * keys, packed (runThreadedPacked: the result buffers are transferred back, not copied; with
 * ChainResult objects the structured clone back to the main thread costs more than the chains).
 * Each round starts the threads again (their start-up and program load are not timed: the clock
 * starts when all are ready); `before` runs first each round (cold: eviction).
 */
export async function threaded(
  { lookups, artifact, rounds, n }: PathOptions,
  threads: number,
  opts: {
    batch: number;
    notFound: number;
    readAhead?: ReadAhead;
    before?: () => void;
    warmup?: boolean;
  },
): Promise<Measured> {
  const slots = lookups.slots.subarray(0, 8 * n);
  const want = lookups.expectedFor(n);
  const options = {
    target: "linux" as const,
    chain: "kernel" as const,
    data: lookups.data.tree,
    batch: opts.batch,
    readAhead: opts.readAhead,
  };
  const passNs: number[] = [];
  let syscalls = 0;
  let device = 0;
  const label = `kernel chains K=${opts.batch}, runPacked, ${threads} thread${threads > 1 ? "s" : ""}${opts.readAhead ? `, readAhead ${opts.readAhead}` : ""}`;
  for (let r = opts.warmup === false ? 0 : -1; r < rounds; r++) {
    opts.before?.();
    const bytes = readBytes();
    const run = await runThreadedPacked(artifact, options, slots, n, threads);
    // Every pass is checked (each one is a fresh set of threads and sessions).
    checkAnswers(label, foldPacked([run.results], opts.notFound), want);
    if (r < 0) continue;
    device += readBytes() - bytes;
    passNs.push(run.ns);
    syscalls += run.syscalls;
  }
  return {
    path: label,
    lookups: n,
    ...summarize(passNs, n),
    hopsPerLookup: want.hops / n,
    syscallsPerLookup: syscalls / (rounds * n),
    deviceBytesPerLookup: device / (rounds * n),
  };
}
