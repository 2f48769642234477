// Kernel chains (docs/kernel-chains.md): the artifact's chain program (compiler/targets/
// kernel-chain.ts) loaded over the artifact's maps plus the batch's records, and run over a
// data file mapped read-only in this process. One BPF_PROG_TEST_RUN runs a whole batch of chains;
// it comes back early only when a chain suspends (its rows are drained here and it resumes on the
// same block) or when its iteration budget is spent (it is simply run again).
//
// One target belongs to one thread: the block, scratch and records are its own. Threads each open
// their own target (runtime/batch-threads.ts), never sharing per-CPU buffers (a sleepable program
// can sleep in a page fault while another task runs it on the same CPU).
import { CTX_SIZE, Ctx, Status, errorName, type ProgramArtifact } from "../../abi/artifact.js";
import {
  ChainCtx,
  ChainEnd,
  ChainRecord as Rec,
  ChainStop,
  DEFAULT_BATCH,
} from "../../abi/chain.js";
import type { ChainProgram } from "../../abi/chain.js";
import { buildChainProgram } from "../../compiler/targets/kernel-chain.js";
import { BPF_MAX_LOOPS } from "../../abi/helpers.js";
import { IochainError } from "../../diagnostics.js";
import { type ArgValue, encodeArgs } from "../args.js";
import { ChainRecord } from "../chain-record.js";
import type { ChainResult } from "../driver.js";
import { type AggregateValue, type ResultValue, type Row, decodeAggregates } from "../outputs.js";
import { fromSlot } from "../scalars.js";
import { KernelError } from "./errors.js";
import type { FileMapping } from "./file-mapping.js";
import { BpfMap } from "./maps.js";
import { type BpfProgram, type ProgInfo, loadProgram } from "./program.js";
import { requireBpf } from "./syscall.js";
import { type LinuxTargetOptions, createArtifactMaps } from "./target.js";
import { TestRunner } from "./test-run.js";
import { describeErrno } from "./native.js";

/** Runs of one batch over a file that keeps changing before giving up. */
const MAX_ATTEMPTS = 3;

export interface KernelChainOptions extends LinuxTargetOptions {
  /** Chains per test run (the records the program holds); default DEFAULT_BATCH. */
  batch?: number;
}

export interface ChainRunOptions {
  /** As ChainOptions.maxSuspensions: stop a chain at its (n+1)th suspension (default: never). */
  maxSuspensions?: number;
}

/**
 * Packed results (runPacked): per chain its status (Status.DONE or FAILED; SUSPENDED only past
 * maxSuspensions, which runPacked does not set), error code, blocks read, and its value: a scalar
 * result's 64-bit slot, or a byte result's bytes at i * width (bytesLength[i] of them).
 */
export interface PackedResults {
  status: Uint8Array;
  errorCode: Uint32Array;
  hops: Uint32Array;
  scalar: BigUint64Array;
  bytes: Uint8Array;
  bytesLength: Uint32Array;
  width: number;
}

/** What a suspended chain carried over its suspensions, before its record ends it. */
interface Carried {
  rows: Row[];
  suspensions: number;
  /** Ended by user space at a suspension (maxSuspensions), not by its record. */
  result?: ChainResult;
}

export class KernelChainTarget {
  /** Test runs made (for the syscalls-per-chain figure). */
  runs = 0;

  private constructor(
    readonly artifact: ProgramArtifact,
    readonly chain: ChainProgram,
    private readonly maps: BpfMap[],
    private readonly program: BpfProgram,
    private readonly runner: TestRunner,
    private readonly scratch: Uint8Array,
    private readonly records: Uint8Array,
  ) {
    this.recordsView = new DataView(records.buffer, records.byteOffset, records.byteLength);
    this.recordBuffer = Buffer.from(records.buffer, records.byteOffset, records.byteLength);
    this.ctx = new DataView(runner.ctx.buffer, runner.ctx.byteOffset, chain.ctxSize);
    if (
      artifact.result.kind === "bytes" &&
      artifact.result.offset + artifact.result.length > scratch.byteLength
    )
      throw new IochainError("E0935", `${artifact.name}: the result lies outside the scratch map`);
  }

  private readonly recordsView: DataView;
  /** The same bytes as a Buffer, for copies without a view per record. */
  private readonly recordBuffer: Buffer;
  /** The chain program's ctx (the test run's buffer): header fields and the step's ctx. */
  private readonly ctx: DataView;

  static create(artifact: ProgramArtifact, options: KernelChainOptions = {}): KernelChainTarget {
    requireBpf();
    const chain = buildChainProgram(artifact, options.batch ?? DEFAULT_BATCH);
    const made = createArtifactMaps(artifact, { ...options, privateBlock: true });
    const maps = [...made.maps];
    let program: BpfProgram | undefined;
    try {
      const [recordsSpec, zerosSpec] = chain.maps;
      const records = BpfMap.array({ valueSize: recordsSpec.valueSize, name: "chains" });
      maps.push(records);
      const zeros = BpfMap.array({
        valueSize: zerosSpec.valueSize,
        mmapable: false,
        readOnlyProg: true,
        name: "zeros",
      });
      maps.push(zeros);
      zeros.freeze();
      program = loadProgram(chain.insns, {
        maps,
        name: `${artifact.name}_chain`,
        file: artifact.file,
        stats: options.stats,
      });
      const runner = new TestRunner(program, chain.ctxSize);
      const recordBytes = records.mmap().subarray(0, recordsSpec.valueSize);
      return new KernelChainTarget(
        artifact,
        chain,
        maps,
        program,
        runner,
        made.scratch,
        recordBytes,
      );
    } catch (err) {
      program?.close();
      for (const m of maps) m.close();
      throw err;
    }
  }

  /** Chains one test run takes. */
  get capacity(): number {
    return this.chain.capacity;
  }

  /** Runs one chain per argument set over the mapped file; results in the same order. */
  runChains(
    data: FileMapping,
    argsList: readonly Record<string, ArgValue>[],
    options: ChainRunOptions = {},
  ): ChainResult[] {
    // Every argument set is checked before anything runs.
    const slots = argsList.map((args) => encodeArgs(this.artifact.params, args));
    const results: ChainResult[] = new Array<ChainResult>(slots.length);
    this.inBatches(data, slots.length, (first, count) => {
      const R = this.chain.recordSize;
      for (let i = 0; i < count; i++) {
        const args = slots[first + i];
        for (let a = 0; a < args.length; a++)
          this.recordsView.setBigUint64(i * R + Ctx.args + 8 * a, args[a], true);
      }
      const carried = this.execute(data, count, options);
      for (let i = 0; i < count; i++) {
        const c = carried?.get(i);
        results[first + i] = c?.result ?? this.settleRecord(i, c);
      }
    });
    return results;
  }

  /**
   * The columnar form for many chains of a program without output rows: arguments as 8-byte
   * little-endian slots (chain i's parameter j at (i * params + j) * 8, as ctx.args holds them),
   * results into flat arrays, nothing allocated per chain. Each chain's outcome is what runChains
   * gives (the same checks; an ABI violation throws the same error).
   */
  runPacked(data: FileMapping, args: Uint8Array, count: number): PackedResults {
    const params = this.artifact.params.length;
    if (this.artifact.output)
      throw new IochainError(
        "E0937",
        `${this.artifact.name} emits rows: run it with runChains (packed results hold no rows)`,
      );
    if (args.byteLength !== count * params * 8)
      throw new IochainError(
        "E0930",
        `${count} chains of ${params} parameters need ${count * params * 8} bytes of arguments, not ${args.byteLength}`,
      );
    const width = this.artifact.result.kind === "bytes" ? this.artifact.result.length : 0;
    const out: PackedResults = {
      status: new Uint8Array(count),
      errorCode: new Uint32Array(count),
      hops: new Uint32Array(count),
      scalar: new BigUint64Array(this.artifact.result.kind === "scalar" ? count : 0),
      bytes: new Uint8Array(count * width),
      bytesLength: new Uint32Array(width ? count : 0),
      width,
    };
    const records = this.recordBuffer;
    const argBytes = Buffer.from(args.buffer, args.byteOffset, args.byteLength);
    const R = this.chain.recordSize;
    this.inBatches(data, count, (first, n) => {
      for (let i = 0; i < n; i++)
        argBytes.copy(
          records,
          i * R + Ctx.args,
          (first + i) * params * 8,
          (first + i + 1) * params * 8,
        );
      if (this.execute(data, n, {}) !== undefined)
        throw new IochainError(
          "E0999",
          `internal error: ${this.artifact.name} suspended without rows`,
        );
      for (let i = 0; i < n; i++) this.packRecord(i, first + i, out);
    });
    return out;
  }

  /**
   * Runs `batch(first, count)` over each batch of the chains. A file changed under the mapping may
   * have fed a batch bytes of two versions: the file is mapped again and the batch run again, so
   * every answer comes from one version of the file.
   */
  private inBatches(
    data: FileMapping,
    total: number,
    batch: (first: number, count: number) => void,
  ): void {
    for (let first = 0; first < total; first += this.capacity) {
      const count = Math.min(this.capacity, total - first);
      for (let attempt = 1; ; attempt++) {
        batch(first, count);
        if (!data.changed()) break;
        if (attempt === MAX_ATTEMPTS) {
          throw new IochainError(
            "E0938",
            `${data.path}: the data file changed during each of ${MAX_ATTEMPTS} runs of a batch`,
            undefined,
            "run the chains when the file is not being written",
          );
        }
        data.remap();
      }
    }
  }

  /**
   * Runs records 0..count-1 (their arguments written) to their ends: test runs until the chain
   * program says the batch is done, draining and resuming suspended chains on the way. Returns
   * what suspended chains carried (undefined when none suspended).
   */
  private execute(
    data: FileMapping,
    count: number,
    options: ChainRunOptions,
  ): Map<number, Carried> | undefined {
    const R = this.chain.recordSize;
    for (let i = 0; i < count; i++)
      this.recordsView.setUint32(i * R + Rec.end, ChainEnd.NONE, true);
    const ctx = this.ctx;
    this.runner.ctx.fill(0);
    ctx.setBigUint64(ChainCtx.base, data.address, true);
    ctx.setBigUint64(ChainCtx.fileSize, data.size, true);
    ctx.setUint32(ChainCtx.end, count, true);
    const budget = Math.min(BPF_MAX_LOOPS, count * (this.artifact.maxChain + 1));
    const maxSuspensions = options.maxSuspensions ?? Infinity;
    let carried: Map<number, Carried> | undefined;
    for (;;) {
      ctx.setUint32(ChainCtx.budget, budget, true);
      ctx.setUint32(ChainCtx.stop, ChainStop.BUDGET, true);
      this.runner.run();
      this.runs++;
      const stop = ctx.getUint32(ChainCtx.stop, true);
      if (stop === ChainStop.DONE) return carried;
      const loopError = ctx.getInt32(ChainCtx.loopError, true);
      if (loopError < 0) {
        throw new KernelError(
          "E0803",
          `${this.artifact.name}: the chain program's bpf_loop failed: ${describeErrno(-loopError)}`,
          -loopError,
        );
      }
      if (stop === ChainStop.BUDGET) continue;
      const next = ctx.getUint32(ChainCtx.next, true);
      if (stop !== ChainStop.SUSPENDED) {
        throw new IochainError(
          "E0999",
          `internal error: ${this.artifact.name}: the chain program stopped with code ${stop} at record ${next}`,
        );
      }
      carried ??= new Map();
      let c = carried.get(next);
      if (!c) carried.set(next, (c = { rows: [], suspensions: 0 }));
      this.suspend(c, maxSuspensions);
    }
  }

  /** Record i into packed results at index k: the common ends directly, the rest as runChains. */
  private packRecord(i: number, k: number, out: PackedResults): void {
    const base = i * this.chain.recordSize;
    const view = this.recordsView;
    const status = view.getUint32(base + Ctx.status, true);
    const end = view.getUint32(base + Rec.end, true);
    out.hops[k] = view.getUint32(base + Rec.hops, true);
    const plain = end === ChainEnd.PROGRAM && view.getUint32(base + Ctx.rows, true) === 0;
    if (end === ChainEnd.DRIVER || (plain && status === Status.FAILED)) {
      out.status[k] = Status.FAILED;
      out.errorCode[k] = view.getUint32(
        base + (end === ChainEnd.DRIVER ? Rec.error : Ctx.error),
        true,
      );
      return;
    }
    const r = this.artifact.result;
    if (plain && status === Status.DONE) {
      out.status[k] = Status.DONE;
      if (r.kind === "scalar") out.scalar[k] = view.getBigUint64(base + Ctx.value, true);
      else if (r.kind === "bytes") {
        const len = view.getUint32(base + Ctx.valueLen, true);
        if (len > r.length) this.settleRecord(i, undefined); // throws the driver's error
        const at = base + Rec.scratch + r.offset;
        this.recordBuffer.copy(out.bytes, k * r.length, at, at + len);
        out.bytesLength[k] = len;
      }
      return;
    }
    const result = this.settleRecord(i, undefined);
    out.status[k] =
      result.status === "done"
        ? Status.DONE
        : result.status === "failed"
          ? Status.FAILED
          : Status.SUSPENDED;
    out.errorCode[k] = result.errorCode;
    const v = result.value;
    if (v instanceof Uint8Array) {
      out.bytes.set(v, k * out.width);
      out.bytesLength[k] = v.length;
    } else if (typeof v === "bigint") out.scalar[k] = BigInt.asUintN(64, v);
    else if (typeof v === "number" || typeof v === "boolean")
      out.scalar[k] = BigInt.asUintN(64, BigInt(v));
  }

  /** The chain at ctx.next suspended: take its rows; resume it, or end it at maxSuspensions. */
  private suspend(carried: Carried, maxSuspensions: number): void {
    const ctx = this.ctx;
    const stepCtx = new DataView(ctx.buffer, ctx.byteOffset, CTX_SIZE);
    const record = new ChainRecord(this.artifact, this.scratch, stepCtx, maxSuspensions);
    record.suspensions = carried.suspensions;
    record.rows.push(...carried.rows);
    record.hops = ctx.getUint32(ChainCtx.hops, true);
    record.steps = ctx.getUint32(ChainCtx.steps, true);
    record.reads.file = record.hops;
    // As the driver: rows drained (ctx.rows back to 0), an empty suspension is an ABI violation.
    const settled = record.settle("ctx.status");
    carried.rows = record.rows;
    carried.suspensions = record.suspensions;
    if (settled === "resume") return; // the chain program set `resume`
    // Past maxSuspensions: the chain ends here, and the batch goes on with the next one.
    carried.result = settled;
    ctx.setUint32(ChainCtx.active, 0, true);
    ctx.setUint32(ChainCtx.resume, 0, true);
    ctx.setUint32(ChainCtx.next, ctx.getUint32(ChainCtx.next, true) + 1, true);
  }

  /** The result of record i, settled as the driver settles a chain's last step. */
  private settleRecord(i: number, carried: Carried | undefined): ChainResult {
    const R = this.chain.recordSize;
    const base = i * R;
    const view = this.recordsView;
    const end = view.getUint32(base + Rec.end, true);
    const hops = view.getUint32(base + Rec.hops, true);
    const steps = view.getUint32(base + Rec.steps, true);
    const status = view.getUint32(base + Ctx.status, true);
    // The common case without the general machinery: a chain that ran to done or failed with no
    // rows left in its buffer and none carried from suspensions.
    if (
      end === ChainEnd.PROGRAM &&
      !carried &&
      view.getUint32(base + Ctx.rows, true) === 0 &&
      (status === Status.DONE || status === Status.FAILED) &&
      (this.artifact.result.kind !== "bytes" ||
        view.getUint32(base + Ctx.valueLen, true) <= this.artifact.result.length)
    ) {
      const failed = status === Status.FAILED;
      const errorCode = failed ? view.getUint32(base + Ctx.error, true) : 0;
      return {
        status: failed ? "failed" : "done",
        value: failed ? null : this.valueAt(base),
        error: failed ? errorName(this.artifact, errorCode) : null,
        errorCode,
        hops,
        rows: [],
        aggregates: this.aggregatesAt(base),
        steps,
        suspensions: 0,
        reads: { device: 0, file: hops },
      };
    }
    const scratch = this.scratchImage(base);
    const record = new ChainRecord(
      this.artifact,
      scratch,
      new DataView(view.buffer, view.byteOffset + base, R),
    );
    if (carried) record.rows.push(...carried.rows);
    record.suspensions = carried?.suspensions ?? 0;
    record.hops = hops;
    record.steps = steps;
    record.reads.file = hops;
    if (end === ChainEnd.DRIVER)
      return record.finish("failed", view.getUint32(base + Rec.error, true));
    if (end === ChainEnd.PROGRAM) {
      const settled = record.settle("ctx.status");
      if (settled !== "resume") return settled;
    }
    throw new IochainError(
      "E0999",
      `internal error: ${this.artifact.name}: kernel chain record ${i} ended as ${end}`,
    );
  }

  private scratchImage(base: number): Uint8Array {
    const at = base + Rec.scratch;
    return this.records.subarray(at, at + this.scratch.byteLength);
  }

  private valueAt(base: number): ResultValue {
    const r = this.artifact.result;
    if (r.kind === "none") return null;
    if (r.kind === "scalar")
      return fromSlot(this.recordsView.getBigUint64(base + Ctx.value, true), r.type);
    const at = base + Rec.scratch + r.offset;
    return this.records.slice(at, at + this.recordsView.getUint32(base + Ctx.valueLen, true));
  }

  private aggregatesAt(base: number): Record<string, AggregateValue> {
    const aggregates = this.artifact.aggregates;
    return aggregates.length === 0 ? {} : decodeAggregates(aggregates, this.scratchImage(base));
  }

  /** bpf_copy_from_user's return for a chain that ended with read_fault (else 0). */
  readError(i: number): number {
    const view = new DataView(
      this.records.buffer,
      this.records.byteOffset + i * this.chain.recordSize,
    );
    return view.getInt32(Rec.readError, true);
  }

  programInfo(): ProgInfo {
    return this.program.info();
  }

  close(): void {
    this.runner.close();
    this.program.close();
    for (const m of this.maps) m.close();
  }
}
