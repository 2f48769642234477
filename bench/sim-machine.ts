// The simulator against this machine (issue 11): calibrate the costs the model needs, each
// measured apart from the figures it predicts — a C pread of a cached block and the C search of a
// block just copied in (bench/c/calibrate.c), a step's test run from Node, the chain driver's own
// work per hop, and kernel chains' costs fitted over calls of K = 2..32 chains (time per call, and
// the kernel's run_time_ns for the in-kernel part) — then predict the lookups/s of the C pread
// loop, the per-step linux runtime and kernel chains (K = 1 and 64), bptree t3 and t5 warm, from
// the real chains' hop counts (VM traces over the same trees and keys), and measure those paths.
//
// The machine is shared: a cost measured a second before or after its figure can be 2-5x off
// under a burst of other work. So calibration and measurement are interleaved: each round runs
// every probe once (short passes, the order rotated each round), and each figure is the median of
// its rounds. Every pass is timed by two clocks, wall and the thread's CPU time, and each clock's
// figures are predicted from the calibration by the same clock (docs/sim.md). Each prediction
// should be within 20%.
//
// The calibration (CPU time) is written to a parameter file (IOCHAIN_SIM_PARAMS, default in the
// tmp dir) that `iochain sim run machine --params FILE` reads: m_* from t3, m5_* from t5.
import { closeSync, openSync, readSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CTX_SIZE } from "../src/abi/artifact.js";
import type { ProgramArtifact } from "../src/abi/artifact.js";
import { writeFileAtomic } from "../src/files.js";
import { KernelChainSession } from "../src/runtime/kernel-chain-session.js";
import { KernelSession } from "../src/runtime/session.js";
import { type Calibration, CALIBRATION_FIELDS, predictMachine } from "../src/sim/machine.js";
import { Tracer } from "../src/sim/trace.js";
import type { TreeName } from "./anchor-data.js";
import { ANCHORS, build, runAnchor, runTool } from "./anchor-tools.js";
import { type Lookups, loadLookups } from "./chains-data.js";
import { kernelChains, perStep } from "./chains-paths.js";
import { errorCode, exampleProgram } from "./chains-program.js";
import type { Measured } from "./chains-measure.js";
import { deviceLatency } from "./cold.js";
import { threadCpuNs } from "./cpu-clock.js";
import type { Row } from "./table.js";

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One short measurement: named figures (ns), taken once per round. */
interface Probe {
  name: string;
  run(): Record<string, number>;
}

/** Every probe once per round, the order rotated each round: each figure's values by round. */
function interleave(probes: readonly Probe[], rounds: number): Map<string, number[]> {
  const got = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < probes.length; i++) {
      const p = probes[(i + r) % probes.length];
      for (const [k, v] of Object.entries(p.run())) {
        const key = `${p.name}.${k}`;
        const list = got.get(key) ?? [];
        list.push(v);
        got.set(key, list);
      }
    }
  }
  return got;
}

/** A run of `f` by both clocks: wall ns and this thread's CPU ns. */
function timed(f: () => void): { wall: number; cpu: number } {
  const c0 = threadCpuNs();
  const t0 = process.hrtime.bigint();
  f();
  const wall = Number(process.hrtime.bigint() - t0);
  return { wall, cpu: threadCpuNs() - c0 };
}

/** `name` per `n` by both clocks: name (wall) and name@cpu. */
const both = (name: string, t: { wall: number; cpu: number }, n: number) => ({
  [name]: t.wall / n,
  [`${name}@cpu`]: t.cpu / n,
});

/** The calibration probes over `lookups` (all its keys), and what to close after. */
function calibrationProbes(
  lookups: Lookups,
  artifact: ProgramArtifact,
  offsets: readonly bigint[],
): { probes: Probe[]; close(): void } {
  const tool = build("calibrate");
  if ("reason" in tool) throw new Error(`calibrate.c: ${tool.reason}`);
  const tree = lookups.data.tree;
  const n = lookups.keys.length;
  const closers: (() => void)[] = [];

  // C, its own process as the C pread loop is: a pread of each block the lookups visit, and the
  // search of each block in memory.
  const c: Probe = {
    name: "c",
    run: () => {
      const r = runTool<{
        search_ns_per_hop: number;
        pread_ns: number;
        search_cpu_ns_per_hop: number;
        pread_cpu_ns: number;
      }>(tool.bin, [tree, "--keys", lookups.data.keyFile, "--rounds", "3"]);
      return {
        pread_ns: r.pread_ns,
        "pread_ns@cpu": r.pread_cpu_ns,
        search_ns_per_hop: r.search_ns_per_hop,
        "search_ns_per_hop@cpu": r.search_cpu_ns_per_hop,
      };
    },
  };

  // Node: a pread (fs.readSync) of each block the lookups visit (for the record: the per-step
  // runtime's driver reads this way; driver_hop_ns below includes it).
  const fd = openSync(tree, "r");
  closers.push(() => closeSync(fd));
  const buf = Buffer.alloc(512);
  const nodePread: Probe = {
    name: "node",
    run: () =>
      both(
        "pread_ns",
        timed(() => {
          for (const off of offsets) readSync(fd, buf, 0, 512, off);
        }),
        offsets.length,
      ),
  };

  // Node: a step's test run (koffi + bpf() + the step on an empty ctx), and its time in the kernel.
  const steps = KernelSession.open(artifact, { data: tree, stats: true });
  closers.push(() => steps.close());
  const ctx = new Uint8Array(CTX_SIZE);
  const step: Probe = {
    name: "step",
    run: () => {
      const calls = 5_000;
      const before = steps.programInfo();
      const t = timed(() => {
        for (let i = 0; i < calls; i++) steps.target.runStep(ctx);
      });
      const after = steps.programInfo();
      return {
        ...both("call_ns", t, calls),
        kernel_ns: Number(after.runTimeNs - before.runTimeNs) / calls,
      };
    },
  };

  // Kernel chains at K = 2, 4, 8, 16 and 32 (batch sizes the table does not predict): wall and
  // CPU time per call, and the kernel's run time per call; a line fitted through them gives the
  // fixed cost of a call and the cost of each chain, and the kernel's part of each chain over its
  // hops gives the hop's cost (bpf_copy_from_user of the block + the step).
  const fitKeys = Math.min(n, 4_096);
  const fitSession = (k: number) => {
    const s = KernelChainSession.open(artifact, { data: tree, batch: k, stats: true });
    closers.push(() => s.close());
    const calls = Math.floor(fitKeys / k);
    const pass = () => {
      for (let i = 0; i < calls; i++)
        s.runPacked(lookups.slots.subarray(8 * k * i, 8 * k * (i + 1)), k);
    };
    pass(); // the JIT and the mapping's page tables
    return () => {
      const before = s.programInfo();
      const t = timed(pass);
      const after = s.programInfo();
      return {
        ...both(`call${k}`, t, calls),
        [`kernel${k}`]: Number(after.runTimeNs - before.runTimeNs) / calls,
      };
    };
  };
  const fits = FIT_BATCHES.map(fitSession);
  const chains: Probe = {
    name: "chains",
    run: () => Object.assign({}, ...fits.map((f) => f())) as Record<string, number>,
  };

  // Node: the chain driver's own work per hop, on the VM (wall minus the VM's steps).
  const vm = new Tracer(artifact, tree);
  closers.push(() => vm.close());
  const driverKeys = Math.min(n, 3_000);
  // The VM's steps are timed by the wall clock only (a CPU clock read per step would cost more
  // than the step): the CPU figure takes off the steps' share of the pass's CPU time.
  const driverPass = () => {
    let hops = 0;
    vm.stepNs = 0;
    const t = timed(() => {
      for (let i = 0; i < driverKeys; i++)
        hops += vm.runFresh({ key: lookups.keys[i] }).sizes.length;
    });
    return {
      hop_ns: (t.wall - vm.stepNs) / hops,
      "hop_ns@cpu": (t.cpu * (1 - vm.stepNs / t.wall)) / hops,
    };
  };
  driverPass(); // the JIT
  const driver: Probe = { name: "driver", run: driverPass };

  return {
    probes: [c, nodePread, step, chains, driver],
    close: () => {
      for (const f of closers.reverse()) f();
    },
  };
}

/** The paths the model predicts, each a short timed run (its answers checked first). */
function measurementProbes(lookups: Lookups, artifact: ProgramArtifact): Probe[] {
  const notFound = errorCode(artifact, "not_found");
  const n = lookups.keys.length;
  const opts = (keys: number) => ({ lookups, artifact, rounds: 3, n: Math.min(keys, n) });
  const probes: Probe[] = [];
  const anchor = ANCHORS.find((a) => a.name === "C pread loop");
  const bin = build("pread-loop");
  if (anchor && !("reason" in bin))
    probes.push({
      name: "C pread loop",
      run: () => {
        const r = runAnchor(bin.bin, anchor, lookups.data, ["--rounds", "3"]);
        return { ns: r.ns_per_lookup, "ns@cpu": r.cpu_ns_per_lookup };
      },
    });
  else console.warn(`skipping the C pread loop: ${"reason" in bin ? bin.reason : "no anchor"}`);
  const clocks = (m: Measured) => ({ ns: m.nsPerLookup, "ns@cpu": m.cpuNsPerLookup ?? NaN });
  probes.push(
    { name: "per-step runtime", run: () => clocks(perStep(opts(1_500))) },
    {
      name: "kernel chain K=1",
      run: () => clocks(kernelChains(opts(5_000), 1, "packed", notFound)),
    },
    {
      name: "kernel chains K=64",
      run: () => clocks(kernelChains(opts(n), 64, "packed", notFound)),
    },
  );
  return probes;
}

/**
 * The model's costs from the rounds' medians by one clock ("" wall, "@cpu" this thread's CPU):
 * the line over K = 2..32 solved for its parts (the kernel's run time is the same for both clocks).
 */
function calibrationFrom(
  m: (key: string) => number,
  hopsPerLookup: number,
  clock: Clock,
): Calibration {
  const call = fitLine(FIT_BATCHES.map((k) => [k, m(`chains.call${k}${clock}`)]));
  const kernel = fitLine(FIT_BATCHES.map((k) => [k, m(`chains.kernel${k}`)]));
  const perChain = call.slope;
  const kernelPerChain = kernel.slope;
  return {
    pread_ns: m(`c.pread_ns${clock}`),
    search_ns_per_hop: m(`c.search_ns_per_hop${clock}`),
    step_call_ns: m(`step.call_ns${clock}`),
    driver_hop_ns: m(`driver.hop_ns${clock}`),
    runtime_call_ns: call.intercept,
    runtime_chain_ns: perChain - kernelPerChain,
    chain_hop_ns: kernelPerChain / hopsPerLookup,
  };
}

type Clock = "" | "@cpu";

/** The batch sizes kernel chains' costs are fitted over (not 1 and 64, which are predicted). */
const FIT_BATCHES = [2, 4, 8, 16, 32];

/** Least-squares line through (x, y) points. */
function fitLine(points: readonly [number, number][]): { intercept: number; slope: number } {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope };
}

const PARAMS_FILE = process.env.IOCHAIN_SIM_PARAMS ?? join(tmpdir(), "iochain-sim-machine.json");
const COMMAND = "node dist/bench/main.js sim-machine";

export function benchSimMachine(keys = 20_000, rounds = 7): Row[] {
  const table: Row[] = [];
  const artifact = exampleProgram("bptree", "lookup");
  const params: Record<string, { value: number; source: string; note: string }> = {};
  for (const tree of ["t3", "t5"] as TreeName[]) {
    const lookups = loadLookups(tree, keys);
    // The real chains: the VM runs each key's lookup over the tree; their reads are the hops.
    const tracer = new Tracer(artifact, lookups.data.tree);
    const traces = lookups.keys.map((key) => tracer.trace({ key }));
    tracer.close();
    const offsets = traces.flatMap((t) => t.offsets);
    const hopsPerLookup = offsets.length / traces.length;

    const cal = calibrationProbes(lookups, artifact, offsets);
    let got: Map<string, number[]>;
    try {
      got = interleave([...cal.probes, ...measurementProbes(lookups, artifact)], rounds);
    } finally {
      cal.close();
    }
    const m = (key: string): number => median(got.get(key) ?? [NaN]);
    const range = (key: string): string => {
      const xs = got.get(key) ?? [];
      return `${Math.min(...xs).toFixed(0)}..${Math.max(...xs).toFixed(0)}`;
    };
    const byClock = {
      "": calibrationFrom(m, hopsPerLookup, ""),
      "@cpu": calibrationFrom(m, hopsPerLookup, "@cpu"),
    };
    const dev = deviceLatency(lookups.data.tree, 512);
    const kernelStart =
      m("chains.kernel4") - (4 * (m("chains.kernel16") - m("chains.kernel4"))) / 12;
    console.log(
      `${tree} calibration, ns (medians of ${rounds} interleaved rounds; wall / thread CPU):\n` +
        CALIBRATION_FIELDS.map(
          (f) => `  ${f}=${byClock[""][f].toFixed(1)} / ${byClock["@cpu"][f].toFixed(1)}`,
        ).join("\n") +
        `\n  wall ranges over the rounds: C pread ${range("c.pread_ns")}, C search ${range("c.search_ns_per_hop")},` +
        ` step call ${range("step.call_ns")}, driver hop ${range("driver.hop_ns")}, K=4 call ${range("chains.call4")},` +
        ` K=32 call ${range("chains.call32")}` +
        `\n  for the record: a step's own kernel time ${m("step.kernel_ns").toFixed(0)}, the chain program's` +
        ` start per call ${kernelStart.toFixed(0)}, Node pread ${m("node.pread_ns").toFixed(0)} / ${m("node.pread_ns@cpu").toFixed(0)}` +
        `${typeof dev === "string" ? "" : `, O_DIRECT 512 B ${(dev.us_median * 1000).toFixed(0)}`}`,
    );
    const stamp = `measured: ${COMMAND} (${tree}, thread CPU time, ${new Date().toISOString().slice(0, 16)}Z)`;
    const prefix = tree === "t3" ? "m_" : "m5_";
    for (const f of CALIBRATION_FIELDS)
      params[`${prefix}${f}`] = {
        value: Number(byClock["@cpu"][f].toFixed(1)),
        source: "measured",
        note: stamp,
      };

    const predicted = {
      "": predictMachine(traces, byClock[""], tree),
      "@cpu": predictMachine(traces, byClock["@cpu"], tree),
    };
    predicted[""].forEach((p, i) => {
      const path = p.dispatch as string;
      const cells: Row = { tree, path, "hops/lookup": p.hops_per_lookup as number };
      for (const clock of ["", "@cpu"] as const) {
        const ns = got.get(`${path}.ns${clock}`);
        const model = 1e6 / (predicted[clock][i].mean_latency_us as number);
        const real = ns ? 1e9 / median(ns) : NaN;
        const known = !Number.isNaN(real);
        const tag = clock === "" ? "wall" : "cpu";
        cells[`${tag}: model/s`] = Math.round(model);
        cells[`${tag}: measured/s`] = known ? Math.round(real) : "n/a";
        if (clock === "")
          cells["wall: measured range"] = ns
            ? `${Math.round(1e9 / Math.max(...ns))}..${Math.round(1e9 / Math.min(...ns))}`
            : "n/a";
        cells[`${tag}: ratio`] = known ? Number((model / real).toFixed(2)) : "n/a";
        cells[`${tag}: ±20%`] = known ? (Math.abs(model / real - 1) <= 0.2 ? "yes" : "NO") : "n/a";
      }
      table.push(cells);
    });
  }
  writeFileAtomic(PARAMS_FILE, JSON.stringify({ command: COMMAND, params }, null, 2) + "\n");
  console.log(
    `calibration written to ${PARAMS_FILE}: iochain sim run machine --params ${PARAMS_FILE}`,
  );
  return table;
}
