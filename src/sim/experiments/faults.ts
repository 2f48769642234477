// Faults under driver dispatch, on real chains: the VM runs every faulty chain afresh through the
// chain driver over a device that fails or moves. EIO on a device read ends the chain with an
// error, and the application falls back to ordinary reads (a user-dispatched lookup). An extent
// remapped in the middle of a chain changes the layout's generation: the driver sees that it no
// longer matches the table the program translates with and reads the rest at file offsets. The
// old device addresses then hold other data, so a chain that kept using them would answer wrong;
// every answer is compared with the reference lookup over the file's bytes.
import { readFileSync } from "node:fs";
import { lookupBptree } from "../../datagen/bptree-reference.js";
import { Rng } from "../../datagen/rng.js";
import type { ExtentTable } from "../../abi/extents.js";
import type { Device } from "../../runtime/driver.js";
import { identityExtents } from "../../runtime/extents.js";
import { deviceModel } from "../device.js";
import { type Segments, simulate } from "../engine.js";
import type { Params } from "../params.js";
import { summarize, workloadFor } from "../point.js";
import { buildSegments } from "../segments.js";
import type { Trace } from "../trace.js";
import type { Experiment, Row } from "./types.js";

class DeviceEio extends Error {}

/** The file on a device: reads may fail (EIO) and the file may move to other addresses. */
class FaultyDevice implements Device {
  layout: ExtentTable;
  private reads = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly eioAtRead: number,
    private readonly remapAfterRead: number,
  ) {
    this.layout = identityExtents(BigInt(bytes.length), 0n);
  }
  read(buf: Uint8Array, devAddr: bigint, length: number): number {
    const n = this.reads++;
    if (n === this.eioAtRead) throw new DeviceEio("EIO");
    const e = this.layout.extents[0];
    let got = 0;
    if (devAddr >= e.devAddr && devAddr < e.devAddr + e.length) {
      const from = Number(devAddr - e.devAddr + e.fileOffset);
      const part = this.bytes.subarray(from, Math.min(from + length, this.bytes.length));
      buf.set(part, 0);
      got = part.length;
    } else {
      buf.fill(0xa5, 0, length); // the old place now holds another file's blocks
      got = length;
    }
    if (n === this.remapAfterRead) {
      const size = BigInt(this.bytes.length);
      this.layout = {
        generation: 1n,
        extents: [{ fileOffset: 0n, length: size, devAddr: size * 2n }],
      };
    }
    return got;
  }
}

export interface FaultTally {
  chains: number;
  right: number;
  errors: number;
  fallback_right: number;
  wrong: number;
}

const concat = (a: Segments, b: Segments): Segments => ({
  kinds: Uint8Array.from([...a.kinds, ...b.kinds]),
  amounts: Float64Array.from([...a.amounts, ...b.amounts]),
  ios: a.ios + b.ios,
});

const truncate = (t: Trace, hops: number): Trace => ({
  ...t,
  offsets: t.offsets.slice(0, hops),
  sizes: t.sizes.slice(0, hops),
  insns: t.insns.slice(0, hops),
});

/** Runs `chains` lookups with faults at `rate` per chain; answers checked; segments for timing. */
export function faultRun(
  p: Params,
  kind: "none" | "eio" | "remap",
  rate: number,
  chains: number,
): { tally: FaultTally; segments: Segments[] } {
  const w = workloadFor(p, p.depth);
  const bytes = new Uint8Array(readFileSync(w.tree.path));
  const rng = new Rng(p.seed * 31 + (kind === "eio" ? 1 : kind === "remap" ? 2 : 0));
  const tally: FaultTally = { chains, right: 0, errors: 0, fallback_right: 0, wrong: 0 };
  const segments: Segments[] = [];
  const shape = { uring: false, batch: 1, cachedHops: 0, capHops: 0 };
  const map = identityExtents(BigInt(bytes.length), 0n);
  for (let i = 0; i < chains; i++) {
    const key = w.tree.keys[w.keyIndex(i)];
    const want = lookupBptree(bytes, key);
    const hit = rng.below(1_000_000) < rate * 1_000_000;
    const at = hit ? rng.below(p.depth + 1) : -1;
    const device = new FaultyDevice(bytes, kind === "eio" ? at : -1, kind === "remap" ? at : -1);
    const clean = w.trace(i);
    let answer: Uint8Array | null = null;
    let errored = false;
    let seg: Segments;
    try {
      const t = w.tracer.runFresh({ key }, { extents: { map, device } });
      answer = t.result.status === "done" ? (t.result.value as Uint8Array) : null;
      errored = t.result.status !== "done";
      // Reads after a remap went to file offsets: those hops cost what a user-space read costs.
      const onDevice = t.result.reads.device;
      seg = buildSegments(truncate(clean, onDevice), p, { dispatch: "driver", ...shape });
      if (onDevice < clean.sizes.length) {
        const rest = {
          ...clean,
          offsets: clean.offsets.slice(onDevice),
          sizes: clean.sizes.slice(onDevice),
          insns: clean.insns.slice(onDevice),
        };
        seg = concat(seg, buildSegments(rest, p, { dispatch: "user", ...shape }));
      }
    } catch (err) {
      if (!(err instanceof DeviceEio)) throw err;
      errored = true;
      seg = buildSegments(truncate(clean, at + 1), p, { dispatch: "driver", ...shape });
    }
    if (errored) {
      tally.errors++;
      // The fallback: the same lookup with ordinary reads (user dispatch) over the file.
      const t = w.tracer.runFresh({ key });
      answer = t.result.status === "done" ? (t.result.value as Uint8Array) : null;
      seg = concat(seg, buildSegments(clean, p, { dispatch: "user", ...shape }));
    }
    const right =
      "value" in want
        ? answer !== null && Buffer.from(answer).equals(Buffer.from(want.value))
        : answer === null;
    if (!right) tally.wrong++;
    else if (errored) tally.fallback_right++;
    else tally.right++;
    segments.push(seg);
  }
  return { tally, segments };
}

const faults: Experiment = {
  name: "faults",
  describe: "EIO and a mid-chain extent remap under driver dispatch: every answer checked",
  points(p) {
    const chains = Math.min(p.lookups, 2000);
    const out: (() => Row)[] = [];
    for (const [kind, rate] of [
      ["none", 0],
      ["eio", 0.01],
      ["eio", 0.1],
      ["remap", 0.01],
      ["remap", 0.1],
    ] as const) {
      out.push(() => {
        const { tally, segments } = faultRun(p, kind, rate, chains);
        const r = simulate({
          cores: p.cores,
          threads: 1,
          batch: 1,
          lookups: chains,
          device: deviceModel(p),
          seed: p.seed,
          nextLookup: (i) => segments[i],
        });
        const s = summarize(r, p.cores);
        return {
          dispatch: "driver",
          fault: kind,
          rate,
          mean_latency_us: s.mean_latency_us,
          p50_us: s.p50_us,
          p99_us: s.p99_us,
          iops: s.iops,
          ...tally,
        };
      });
    }
    return out;
  },
};

export const FAULT_EXPERIMENTS: Experiment[] = [faults];
