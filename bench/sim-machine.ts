// The simulator against this machine (issue 11): calibrate the costs the model needs, each
// measured apart from the figures it predicts — a C pread of a cached block and the C search of a
// block in memory (bench/c/calibrate.c), a Node pread, a step's test run from Node and the step's
// own kernel time (run_time_ns), a kernel chain's in-kernel time per hop (run_time_ns of batches),
// the device's O_DIRECT latency — then predict the lookups/s of the C pread loop, the per-step
// linux runtime and kernel chains (K = 1 and 64), bptree t3 and t5 warm, from the real chains' hop
// counts (VM traces over the same trees and keys); and measure those paths in the same run with
// the chains section's code. Each prediction should be within 20% of its measurement.
import { closeSync, openSync, readSync } from "node:fs";
import { CTX_SIZE } from "../src/abi/artifact.js";
import { KernelChainSession } from "../src/runtime/kernel-chain-session.js";
import { KernelSession } from "../src/runtime/session.js";
import { type Calibration, predictMachine } from "../src/sim/machine.js";
import { Tracer } from "../src/sim/trace.js";
import type { TreeName } from "./anchor-data.js";
import { build, runTool } from "./anchor-tools.js";
import { runAnchors } from "./anchors.js";
import { loadLookups } from "./chains-data.js";
import { kernelChains, perStep } from "./chains-paths.js";
import { errorCode, exampleProgram } from "./chains-program.js";
import { deviceLatency } from "./cold.js";
import type { Row } from "./table.js";

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function calibrate(tree: TreeName, keys: number, rounds: number, traceHops: bigint[]): Calibration {
  const lookups = loadLookups(tree, keys);
  const artifact = exampleProgram("bptree", "lookup");
  const tool = build("calibrate");
  if ("reason" in tool) throw new Error(`calibrate.c: ${tool.reason}`);
  const c = runTool<{ search_ns_per_hop: number; pread_ns: number }>(tool.bin, [
    lookups.data.tree,
    "--keys",
    lookups.data.keyFile,
    "--rounds",
    String(rounds),
  ]);

  // Node: a pread of each block the lookups visit.
  const fd = openSync(lookups.data.tree, "r");
  const buf = Buffer.alloc(512);
  const nodePread = Array.from({ length: rounds }, () => {
    const t0 = process.hrtime.bigint();
    for (const off of traceHops) readSync(fd, buf, 0, 512, off);
    return Number(process.hrtime.bigint() - t0) / traceHops.length;
  });
  closeSync(fd);

  // Node: one test run of the step program per call, and the step's own time in the kernel.
  const steps = KernelSession.open(artifact, { data: lookups.data.tree, stats: true });
  let stepCall: number[];
  let stepKernel: number;
  try {
    const ctx = new Uint8Array(CTX_SIZE);
    const n = 20_000;
    const before = steps.programInfo();
    stepCall = Array.from({ length: rounds }, () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) steps.target.runStep(ctx);
      return Number(process.hrtime.bigint() - t0) / n;
    });
    const after = steps.programInfo();
    stepKernel =
      Number(after.runTimeNs - before.runTimeNs) / Number(after.runCount - before.runCount);
  } finally {
    steps.close();
  }

  // In the kernel: a chain's time per hop, from batches of 64 (run_time_ns over the hops).
  const chains = KernelChainSession.open(artifact, {
    data: lookups.data.tree,
    batch: 64,
    stats: true,
  });
  let chainHop: number;
  try {
    const n = lookups.keys.length;
    chains.runPacked(lookups.slots, n); // warm
    const before = chains.programInfo();
    for (let r = 0; r < rounds; r++) chains.runPacked(lookups.slots, n);
    const after = chains.programInfo();
    chainHop = Number(after.runTimeNs - before.runTimeNs) / (rounds * traceHops.length);
  } finally {
    chains.close();
  }

  // Node: the kernel-chain runtime's own costs — fixed per call (the test run from Node, the
  // file's fstat) and per chain (arguments in, records out) — from calls at two batch sizes the
  // table does not predict (K = 4 and 16): wall time per call minus the kernel's run time.
  const perCall = (k: number): number => {
    const s = KernelChainSession.open(artifact, { data: lookups.data.tree, batch: k, stats: true });
    try {
      const calls = Math.floor(Math.min(lookups.keys.length, 32_000) / k);
      const go = () => {
        for (let i = 0; i < calls; i++)
          s.runPacked(lookups.slots.subarray(8 * k * i, 8 * k * (i + 1)), k);
      };
      go();
      const before = s.programInfo();
      const wall = Array.from({ length: rounds }, () => {
        const t0 = process.hrtime.bigint();
        go();
        return Number(process.hrtime.bigint() - t0);
      });
      const after = s.programInfo();
      return median(wall) / calls - Number(after.runTimeNs - before.runTimeNs) / (rounds * calls);
    } finally {
      s.close();
    }
  };
  const w4 = perCall(4);
  const w16 = perCall(16);
  const runtimeChain = Math.max(0, (w16 - w4) / 12);
  const runtimeCall = w4 - 4 * runtimeChain;

  // Node: the chain driver's own work per hop, on the VM (wall minus the VM's steps).
  const vm = new Tracer(artifact, lookups.data.tree);
  let driverHop: number;
  try {
    const n = Math.min(lookups.keys.length, 20_000);
    let hops = 0;
    const per = Array.from({ length: rounds }, () => {
      hops = 0;
      vm.stepNs = 0;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) hops += vm.runFresh({ key: lookups.keys[i] }).sizes.length;
      return (Number(process.hrtime.bigint() - t0) - vm.stepNs) / hops;
    });
    driverHop = median(per);
  } finally {
    vm.close();
  }
  const call = median(stepCall);
  return {
    pread_ns: c.pread_ns,
    search_ns_per_hop: c.search_ns_per_hop,
    node_pread_ns: median(nodePread),
    step_call_ns: call,
    test_run_ns: call - stepKernel,
    driver_hop_ns: driverHop,
    runtime_call_ns: runtimeCall,
    runtime_chain_ns: runtimeChain,
    chain_hop_ns: chainHop,
  };
}

export function benchSimMachine(keys = 50_000, rounds = 5): Row[] {
  const table: Row[] = [];
  const artifact = exampleProgram("bptree", "lookup");
  const notFound = errorCode(artifact, "not_found");
  for (const tree of ["t3", "t5"] as const) {
    const lookups = loadLookups(tree, keys);
    // The real chains: the VM runs each key's lookup over the tree; their reads are the hops.
    const tracer = new Tracer(artifact, lookups.data.tree);
    const traces = lookups.keys.map((key) => tracer.trace({ key }));
    tracer.close();
    const hops = traces.flatMap((t) => t.offsets);
    const cal = calibrate(tree, keys, rounds, hops);
    const dev = deviceLatency(lookups.data.tree, 512);
    console.log(
      `${tree} calibration: ${Object.entries(cal)
        .map(([k, v]) => `${k}=${v.toFixed(1)}`)
        .join(
          " ",
        )}${typeof dev === "string" ? "" : ` o_direct_512_ns=${(dev.us_median * 1000).toFixed(0)}`}`,
    );
    const predicted = predictMachine(traces, cal, tree);

    const opts = (n: number) => ({ lookups, artifact, rounds, n: Math.min(n, keys) });
    const measured = new Map<string, number>();
    const cPread = runAnchors({ tree, keys, rounds }).find((a) => a.name === "C pread loop");
    if (cPread) measured.set("C pread loop", cPread.nsPerLookup);
    measured.set("per-step runtime", perStep(opts(2_000)).nsPerLookup);
    measured.set("kernel chain K=1", kernelChains(opts(20_000), 1, "packed", notFound).nsPerLookup);
    measured.set(
      "kernel chains K=64",
      kernelChains(opts(keys), 64, "packed", notFound).nsPerLookup,
    );

    for (const p of predicted) {
      const m = measured.get(p.dispatch as string);
      const model = 1e6 / (p.mean_latency_us as number);
      const real = m === undefined ? NaN : 1e9 / m;
      table.push({
        tree,
        path: p.dispatch as string,
        "hops/lookup": p.hops_per_lookup as number,
        "model lookups/s": Math.round(model),
        "measured lookups/s": Number.isNaN(real) ? "n/a" : Math.round(real),
        "model/measured": Number.isNaN(real) ? "n/a" : Number((model / real).toFixed(2)),
        "within 20%": Number.isNaN(real) ? "n/a" : Math.abs(model / real - 1) <= 0.2 ? "yes" : "NO",
      });
    }
  }
  return table;
}
