// A session of kernel chains (docs/kernel-chains.md): the chain program loaded once, the data file
// mapped read-only once, and chains run in batches inside the kernel — one BPF_PROG_TEST_RUN per
// batch instead of one per hop plus a pread. The same run/runBatch/switchData as the per-step
// sessions (session.ts), so callers choose a mode and nothing else changes.
import type { ProgramArtifact } from "../abi/artifact.js";
import type { ArgValue } from "./args.js";
import type { ChainResult } from "./driver.js";
import { FileMapping, type ReadAhead } from "./linux/file-mapping.js";
import type { PackedResults } from "./linux/chain-records.js";
import { KernelChainTarget } from "./linux/kernel-chain.js";
import type { ProgInfo } from "./linux/program.js";
import {
  type DataBinding,
  type DataOptions,
  type KernelSessionOptions,
  type RunOptions,
  bindData,
  sameBytes,
} from "./session.js";
import { IochainError, internalError } from "../diagnostics.js";

export interface KernelChainSessionOptions extends KernelSessionOptions {
  /** Chains per test run (default DEFAULT_BATCH, abi/chain.ts). */
  batch?: number;
  /**
   * The data mapping's read-ahead: "random" (default, MADV_RANDOM: a miss reads one page, no
   * read-around inflating the I/O) or "normal" (the kernel's read-around).
   */
  readAhead?: ReadAhead;
}

interface MappedData {
  binding: DataBinding;
  /** One read-only mapping per data file, in `artifact.files` order. */
  mappings: FileMapping[];
}

function mapData(
  artifact: ProgramArtifact,
  options: DataOptions,
  readAhead: ReadAhead | undefined,
): MappedData {
  if (options.realDevice || options.direct) {
    throw new IochainError(
      "E0937",
      `kernel chains read the data file through the page cache; ${options.realDevice ? "reads at device addresses" : "O_DIRECT"} need the per-step mode`,
      undefined,
      "run with --chain step",
    );
  }
  const binding = bindData(artifact, options);
  const mappings: FileMapping[] = [];
  try {
    for (const source of binding.sources) mappings.push(FileMapping.open(source.path, readAhead));
    return { binding, mappings };
  } catch (err) {
    closeMapped({ binding, mappings });
    throw err;
  }
}

function closeMapped(data: MappedData): void {
  try {
    for (const m of data.mappings) m.close();
  } finally {
    data.binding.close();
  }
}

export class KernelChainSession {
  private closed = false;
  private reloadCount = 0;

  private constructor(
    readonly artifact: ProgramArtifact,
    private current: KernelChainTarget,
    private data: MappedData,
    private readonly options: KernelChainSessionOptions,
  ) {}

  static open(artifact: ProgramArtifact, options: KernelChainSessionOptions): KernelChainSession {
    const data = mapData(artifact, options, options.readAhead);
    try {
      const target = KernelChainTarget.create(artifact, {
        extentsInit: data.binding.extentsInit,
        stats: options.stats,
        batch: options.batch,
      });
      return new KernelChainSession(artifact, target, data, options);
    } catch (err) {
      closeMapped(data);
      throw err;
    }
  }

  /** The loaded chain program. */
  get target(): KernelChainTarget {
    return this.current;
  }

  /** The open data file. */
  get source(): DataBinding["source"] {
    return this.data.binding.source;
  }

  /** Test runs made so far (one per batch, plus one per suspension). */
  get runs(): number {
    return this.current.runs;
  }

  run(args: Record<string, ArgValue>, options: RunOptions = {}): ChainResult {
    return this.runBatch([args], options)[0];
  }

  runBatch(argsList: readonly Record<string, ArgValue>[], options: RunOptions = {}): ChainResult[] {
    if (this.closed) throw internalError(`${this.artifact.name}: session used after close()`);
    return this.current.runChains(this.data.mappings, argsList, options);
  }

  /** The columnar form (KernelChainTarget.runPacked): slots in, flat arrays out. */
  runPacked(args: Uint8Array, count: number): PackedResults {
    return this.current.runPacked(this.data.mappings, args, count);
  }

  /**
   * Moves the session to another data file; the program is loaded again only when the file's
   * extent table differs from the frozen one the program was verified with (as KernelSession).
   */
  switchData(options: DataOptions): void {
    const next = mapData(this.artifact, options, this.options.readAhead);
    let replaced: KernelChainTarget | undefined;
    try {
      const after = next.binding.extentsInit;
      if (after && !sameBytes(after, this.data.binding.extentsInit)) {
        replaced = KernelChainTarget.create(this.artifact, {
          extentsInit: after,
          stats: this.options.stats,
          batch: this.options.batch,
        });
      }
    } catch (err) {
      closeMapped(next);
      throw err;
    }
    if (replaced) {
      this.current.close();
      this.current = replaced;
      this.reloadCount++;
    }
    closeMapped(this.data);
    this.data = next;
  }

  get reloads(): number {
    return this.reloadCount;
  }

  programInfo(): ProgInfo {
    return this.current.programInfo();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.current.close();
    } finally {
      closeMapped(this.data);
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
