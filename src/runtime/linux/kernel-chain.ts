// Kernel chains (docs/kernel-chains.md): the artifact's chain program (compiler/targets/
// kernel-chain.ts) loaded over the artifact's maps plus the batch's records, and run over a
// data file mapped read-only in this process. One BPF_PROG_TEST_RUN runs a whole batch of chains;
// it comes back early only when a chain suspends (its rows are drained here and it resumes on the
// same block) or when its iteration budget is spent (it is simply run again).
//
// One target belongs to one thread: the block, scratch and records are its own. Threads each open
// their own target (runtime/batch-threads.ts), never sharing per-CPU buffers (a sleepable program
// can sleep in a page fault while another task runs it on the same CPU).
import { CTX_SIZE, type ProgramArtifact } from "../../abi/artifact.js";
import {
  ChainCtx,
  ChainStop,
  DEFAULT_BATCH,
  chainFileEntry,
  type ChainProgram,
} from "../../abi/chain.js";
import { buildChainProgram } from "../../compiler/targets/kernel-chain.js";
import { BPF_MAX_LOOPS } from "../../abi/helpers.js";
import { IochainError, internalError } from "../../diagnostics.js";
import { type ArgValue, encodeArgs } from "../args.js";
import { ChainRecord } from "../chain-record.js";
import type { ChainResult } from "../driver.js";
import { type Carried, ChainRecords, type PackedResults, packedResults } from "./chain-records.js";
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

/**
 * The data a batch reads: the file mapped, or for a program that reads several files, one mapping
 * per file in `artifact.files` order.
 */
export type ChainData = FileMapping | readonly FileMapping[];

const mappings = (data: ChainData): readonly FileMapping[] =>
  Array.isArray(data) ? (data as readonly FileMapping[]) : [data as FileMapping];

export interface ChainRunOptions {
  /** As ChainOptions.maxSuspensions: stop a chain at its (n+1)th suspension (default: never). */
  maxSuspensions?: number;
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
    records: Uint8Array,
  ) {
    this.records = new ChainRecords(artifact, records, chain.recordSize, scratch.byteLength);
    this.ctx = new DataView(runner.ctx.buffer, runner.ctx.byteOffset, chain.ctxSize);
  }

  private readonly records: ChainRecords;
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
    data: ChainData,
    argsList: readonly Record<string, ArgValue>[],
    options: ChainRunOptions = {},
  ): ChainResult[] {
    // Every argument set is checked before anything runs.
    const slots = argsList.map((args) => encodeArgs(this.artifact.params, args));
    const results: ChainResult[] = new Array<ChainResult>(slots.length);
    this.inBatches(data, slots.length, (first, count) => {
      for (let i = 0; i < count; i++) this.records.writeArgs(i, slots[first + i]);
      const carried = this.execute(data, count, options);
      for (let i = 0; i < count; i++) {
        const c = carried?.get(i);
        results[first + i] = c?.result ?? this.records.settle(i, c);
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
  runPacked(data: ChainData, args: Uint8Array, count: number): PackedResults {
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
    const out = packedResults(this.artifact, count);
    const argBytes = Buffer.from(args.buffer, args.byteOffset, args.byteLength);
    this.inBatches(data, count, (first, n) => {
      for (let i = 0; i < n; i++) this.records.copyArgs(i, argBytes, first + i, params);
      if (this.execute(data, n, {}) !== undefined)
        throw internalError(`${this.artifact.name} suspended without rows`);
      for (let i = 0; i < n; i++) this.records.pack(i, first + i, out);
    });
    return out;
  }

  /**
   * Runs `batch(first, count)` over each batch of the chains. A file changed under the mapping may
   * have fed a batch bytes of two versions: the file is mapped again and the batch run again, so
   * every answer comes from one version of the file.
   */
  private inBatches(
    data: ChainData,
    total: number,
    batch: (first: number, count: number) => void,
  ): void {
    for (let first = 0; first < total; first += this.capacity) {
      const count = Math.min(this.capacity, total - first);
      for (let attempt = 1; ; attempt++) {
        batch(first, count);
        const changed = mappings(data).filter((m) => m.changed());
        if (changed.length === 0) break;
        if (attempt === MAX_ATTEMPTS) {
          throw new IochainError(
            "E0938",
            `${changed[0].path}: the data file changed during each of ${MAX_ATTEMPTS} runs of a batch`,
            undefined,
            "run the chains when the file is not being written",
          );
        }
        for (const m of changed) m.remap();
      }
    }
  }

  /**
   * Runs records 0..count-1 (their arguments written) to their ends: test runs until the chain
   * program says the batch is done, draining and resuming suspended chains on the way. Returns
   * what suspended chains carried (undefined when none suspended).
   */
  private execute(
    data: ChainData,
    count: number,
    options: ChainRunOptions,
  ): Map<number, Carried> | undefined {
    this.records.clearEnds(count);
    const ctx = this.ctx;
    this.runner.ctx.fill(0);
    const files = mappings(data);
    const want = Math.max(1, this.artifact.files.length);
    if (files.length !== want)
      throw internalError(`${this.artifact.name} reads ${want} files; ${files.length} mapped`);
    ctx.setBigUint64(ChainCtx.base, files[0].address, true);
    ctx.setBigUint64(ChainCtx.fileSize, files[0].size, true);
    for (let f = 1; f < files.length; f++) {
      const entry = chainFileEntry(f);
      ctx.setBigUint64(entry.base, files[f].address, true);
      ctx.setBigUint64(entry.fileSize, files[f].size, true);
    }
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
      if (stop !== ChainStop.SUSPENDED)
        throw internalError(
          `${this.artifact.name}: the chain program stopped with code ${stop} at record ${next}`,
        );
      carried ??= new Map();
      let c = carried.get(next);
      if (!c) carried.set(next, (c = { rows: [], suspensions: 0 }));
      this.suspend(c, maxSuspensions);
    }
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

  programInfo(): ProgInfo {
    return this.program.info();
  }

  close(): void {
    this.runner.close();
    this.program.close();
    for (const m of this.maps) m.close();
  }
}
