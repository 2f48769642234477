// The chain driver: the one loop every target shares (docs/abi.md "The step"). It reads a block,
// runs the program on it through a StepTarget, and follows ctx.status: resubmit the next read,
// finish (done / failed), or drain the output rows of a suspension and resume on the same block.
// It enforces the declared maximum chain length and re-checks every read itself: a target never
// sees a read outside the file, whatever the program asked for.
import {
  BuiltinError,
  CTX_SIZE,
  Ctx,
  RESUME_START,
  Status,
  type ProgramArtifact,
} from "../abi/artifact.js";
import { IochainError } from "../diagnostics.js";
import { abiBroken } from "./abi-broken.js";
import { ChainRecord, STATUS_UNSET } from "./chain-record.js";
import { type ArgValue, encodeArgs } from "./args.js";
import { translate } from "./extents.js";
import { type ExtentTable } from "../abi/extents.js";
import type { AggregateValue, ResultValue, Row } from "./outputs.js";

/** One home of the program (VM, kernel): the maps' memory and a way to run one step. */
export interface StepTarget {
  /** The block map's value (at least `blockSize` bytes); the driver reads blocks into it. */
  blockBuffer(): Uint8Array;
  /** The scratch map's value; the driver zeroes it at chain start and reads results from it. */
  scratch(): Uint8Array;
  /** Runs the program once with this ctx; the program's ctx writes land back in `ctx`. */
  runStep(ctx: Uint8Array): void;
  close(): void;
}

/** The file a chain reads, addressed by file offset. */
export interface BlockSource {
  readonly size: bigint;
  /** Reads up to `length` bytes at `offset` into `buf` from index 0; returns how many (short at EOF). */
  read(buf: Uint8Array, offset: bigint, length: number): number;
  close(): void;
}

/** The device under the file, addressed by device address, with the file's current layout. */
export interface Device {
  readonly layout: ExtentTable;
  read(buf: Uint8Array, devAddr: bigint, length: number): number;
}

/** A file's extent translation: the table its extents map holds, and the device under it. */
export interface FileExtents {
  map: ExtentTable;
  device: Device;
}

export interface ChainOptions {
  args?: Record<string, ArgValue>;
  /**
   * Extent translation, for programs with an extents map: the table the map holds and the device
   * (per file, in `artifact.files` order, for a program that reads several). While the map's
   * generation equals the device layout's, reads go to the device at ctx.next_dev; otherwise the
   * driver falls back to ordinary reads at file offsets.
   */
  extents?: FileExtents | readonly (FileExtents | undefined)[];
  /**
   * Resume at most this many suspensions; at the next one the chain returns status "suspended"
   * with the rows taken so far, that suspension's included (default: always resume).
   */
  maxSuspensions?: number;
  /** Guard against programs that never finish on one block (default 10 million program runs). */
  maxSteps?: number;
}

export type ChainStatus = "done" | "failed" | "suspended";

export interface ChainResult {
  status: ChainStatus;
  value: ResultValue;
  /** Error name (docs/abi.md table or artifact.errors) when failed, else null. */
  error: string | null;
  errorCode: number;
  /** Blocks read by the chain (its length: a 3-level tree lookup reads 3 nodes, hops = 3). */
  hops: number;
  rows: Row[];
  aggregates: Record<string, AggregateValue>;
  /** Program runs, counting re-runs after suspensions. */
  steps: number;
  suspensions: number;
  /** Reads served by the device at translated addresses, and by ordinary file reads. */
  reads: { device: number; file: number };
}

function checkArtifactFits(artifact: ProgramArtifact, target: StepTarget): void {
  const bad = (m: string): never => {
    throw new IochainError(
      "E0935",
      `${artifact.name}: ${m}`,
      undefined,
      "recompile the program; the artifact does not match the runtime's ABI",
    );
  };
  if (!Number.isInteger(artifact.blockSize) || artifact.blockSize <= 0)
    bad(`block size ${artifact.blockSize} is not a positive integer`);
  if (!Number.isInteger(artifact.maxChain) || artifact.maxChain < 1)
    bad(`maximum chain length ${artifact.maxChain} is less than 1`);
  if (target.blockBuffer().byteLength < artifact.blockSize) {
    bad(
      `the block map holds ${target.blockBuffer().byteLength} bytes, less than the block size ${artifact.blockSize}`,
    );
  }
  if (artifact.start !== "computed" && artifact.start < 0n)
    bad(`start offset ${artifact.start} is negative`);
}

const isList = <T>(x: T | readonly T[]): x is readonly T[] => Array.isArray(x);

/** The files of a program, in `artifact.files` order: one for a program that reads one. */
function filesOf(
  artifact: ProgramArtifact,
  source: BlockSource | readonly BlockSource[],
  extents: ChainOptions["extents"],
): { sources: readonly BlockSource[]; extents: readonly (FileExtents | undefined)[] } {
  const sources = isList(source) ? source : [source];
  const want = Math.max(1, artifact.files.length);
  if (sources.length !== want)
    throw new IochainError(
      "E0916",
      `${artifact.name} reads ${want} files; the chain was given ${sources.length}`,
      undefined,
      "give one data file per name in the program's `reads`",
    );
  const list = extents === undefined ? [] : isList(extents) ? extents : [extents];
  return { sources, extents: list };
}

/**
 * Runs one chain to its end (or to a suspension the caller asked to stop at). `source` is the data
 * file, or for a program that reads several, one per file in `artifact.files` order.
 */
export function runChain(
  artifact: ProgramArtifact,
  target: StepTarget,
  source: BlockSource | readonly BlockSource[],
  options: ChainOptions = {},
): ChainResult {
  checkArtifactFits(artifact, target);
  const files = filesOf(artifact, source, options.extents);
  const argSlots = encodeArgs(artifact.params, options.args ?? {});
  const maxSteps = options.maxSteps ?? 10_000_000;
  const maxSuspensions = options.maxSuspensions ?? Infinity;
  const block = target.blockBuffer();
  const scratch = target.scratch();
  const ctx = new Uint8Array(CTX_SIZE);
  const view = new DataView(ctx.buffer);
  const chain = new ChainRecord(artifact, scratch, view, maxSuspensions);
  const { reads } = chain;

  scratch.fill(0);
  argSlots.forEach((slot, i) => view.setBigUint64(Ctx.args + i * 8, slot, true));
  const finish = chain.finish.bind(chain);

  let offset: bigint;
  let size = artifact.blockSize;
  let file = artifact.startFile ?? 0;
  // A computed first read: the start step (no block) resubmits it, checked as any resubmit is.
  const computed = artifact.start === "computed";
  if (artifact.start === "computed") {
    setStepIn(view, 0n, 0, 0, RESUME_START);
    target.runStep(ctx);
    chain.steps++;
    if (view.getUint32(Ctx.status, true) !== Status.RESUBMIT) {
      const settled = chain.settle("ctx.status");
      if (settled === "resume") abiBroken("the start step suspended: it has no rows to give");
      return settled;
    }
    const firstSize = view.getUint32(Ctx.nextSize, true);
    if (firstSize === 0 || firstSize > artifact.blockSize)
      return finish("failed", BuiltinError.bad_size);
    offset = view.getBigUint64(Ctx.nextOffset, true);
    size = firstSize;
    file = nextFile(view, files.sources.length);
  } else offset = artifact.start;
  if (file >= files.sources.length) abiBroken(`the first read is from file ${file}: there is none`);
  for (let hop = 0; ; hop++) {
    // The read. The driver's own checks: inside the file, and (through the device) inside an extent.
    const source = files.sources[file];
    if (offset >= source.size) return finish("failed", BuiltinError.out_of_file);
    const real = Number(source.size - offset < BigInt(size) ? source.size - offset : BigInt(size));
    block.fill(0);
    const ext = files.extents[file];
    let got: number;
    if (ext && ext.map.generation === ext.device.layout.generation) {
      const t = translate(ext.map, offset, BigInt(real));
      // The program's own checks should have refused this; the driver never issues the read either.
      if ("error" in t) return finish("failed", BuiltinError[t.error]);
      const devAddr = hop === 0 && !computed ? t.devAddr : view.getBigUint64(Ctx.nextDev, true);
      if (devAddr !== t.devAddr) {
        abiBroken(
          `ctx.next_dev = ${devAddr} for file offset ${offset}, but the extent table maps it to device address ${t.devAddr}`,
        );
      }
      got = ext.device.read(block.subarray(0, real), devAddr, real);
      reads.device++;
    } else {
      got = source.read(block.subarray(0, real), offset, real);
      reads.file++;
    }
    chain.hops++;

    // Run the program on this block until it leaves it (resubmit) or the chain ends.
    let resume = 0;
    for (;;) {
      if (chain.steps >= maxSteps)
        abiBroken(`the chain ran ${chain.steps} steps without finishing`);
      setStepIn(view, offset, got, hop, resume, file);
      target.runStep(ctx);
      chain.steps++;
      if (view.getUint32(Ctx.status, true) === Status.RESUBMIT) break;
      const settled = chain.settle("ctx.status");
      if (settled !== "resume") return settled;
      resume = 1;
    }

    // Resubmit: the declared chain length first, then the read itself.
    if (hop + 1 >= artifact.maxChain) return finish("failed", BuiltinError.chain_too_long);
    const nextSize = view.getUint32(Ctx.nextSize, true);
    if (nextSize === 0 || nextSize > artifact.blockSize)
      return finish("failed", BuiltinError.bad_size);
    offset = view.getBigUint64(Ctx.nextOffset, true);
    size = nextSize;
    file = nextFile(view, files.sources.length);
  }
}

/** ctx.next_file of a resubmit: one of the program's files, else the program broke the ABI. */
function nextFile(view: DataView, files: number): number {
  const file = view.getUint32(Ctx.nextFile, true);
  if (file >= files)
    abiBroken(
      `ctx.next_file = ${file}, but the program reads ${files} file${files > 1 ? "s" : ""}`,
    );
  return file;
}

/** A step's in fields, and its out fields cleared. */
function setStepIn(
  view: DataView,
  offset: bigint,
  got: number,
  hop: number,
  resume: number,
  file = 0,
): void {
  view.setBigUint64(Ctx.offset, offset, true);
  view.setUint32(Ctx.file, file, true);
  view.setUint32(Ctx.nextFile, 0, true);
  view.setUint32(Ctx.size, got, true);
  view.setUint32(Ctx.hop, hop, true);
  view.setUint32(Ctx.resume, resume, true);
  view.setUint32(Ctx.status, STATUS_UNSET, true);
  view.setBigUint64(Ctx.nextOffset, 0n, true);
  view.setUint32(Ctx.nextSize, 0, true);
  view.setUint32(Ctx.error, 0, true);
  view.setBigUint64(Ctx.value, 0n, true);
  view.setUint32(Ctx.valueLen, 0, true);
  view.setBigUint64(Ctx.nextDev, 0n, true);
  // ctx.rows is kept: rows accumulate across blocks until a suspension or the end drains them.
}
