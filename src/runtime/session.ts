// One loaded program and its open data file (one per file a program that reads several names),
// for many chains: the program is loaded (and, in the kernel, verified) once, the files opened
// once, and each chain is one runChain over them. This is
// what `iochain run` does for its single chain (runProgram opens a session, runs once, closes it)
// and what tests and benchmarks that run thousands of chains use. A session can move to another
// data file (switchData): the program stays loaded when the extents map can hold the new file's
// table as it is; the kernel target freezes that map (the verifier then checks the extent search
// against the table's constants), so a file with another layout loads the program again.
import { readText } from "../files.js";
import { type ExtentsInit, extentsMapFile, type ProgramArtifact } from "../abi/artifact.js";
import { internalError } from "../diagnostics.js";
import type { ArgValue } from "./args.js";
import { ExtentDevice, FileBlockSource, type RawDevice } from "./block-source.js";
import { type DataFileSpec, type NamedDataFile, resolveDataFiles } from "./data-files.js";
import {
  type ChainOptions,
  type ChainResult,
  type FileExtents,
  type StepTarget,
  runChain,
} from "./driver.js";
import { identityExtents, parseExtentJson } from "./extents.js";
import { type ExtentTable, decodeExtentTable, encodeExtentTable } from "../abi/extents.js";
import { type FileDeviceOptions, openFileDevice, tableForRun } from "./linux/bind-extents.js";
import type { ProgInfo } from "./linux/program.js";
import { LinuxTarget } from "./linux/target.js";
import { SimTarget } from "./sim/target.js";
import type { Engine } from "./vm/index.js";

export type TargetName = "sim" | "linux";

/** The data a session's chains read. */
export interface DataOptions {
  /**
   * The data file, or for a program that reads several (`reads "a", "b"`), each by its name
   * (checked against the program's: data-files.ts).
   */
  data: string | readonly NamedDataFile[];
  /**
   * The data file's current extent layout: a path to the simulator's extent JSON, or a table.
   * Programs with an extents map get it loaded into that map unless the compiler already bound
   * one (then the two generations are compared, and reads fall back to file offsets when they
   * differ). Without it a file is one extent at device address = file offset. Named data files
   * give theirs in NamedDataFile.extents instead.
   */
  extents?: string | ExtentTable;
  /**
   * Read translated blocks from the real device under the data file (its loop image, or /dev/NAME),
   * with the file's current layout from FIEMAP as the device's layout (docs/extents.md). Applies to
   * programs with an extents map; `true` takes the defaults (and `direct` below).
   */
  realDevice?: boolean | FileDeviceOptions;
  /** O_DIRECT for the data file (and the real device unless its options say otherwise). */
  direct?: boolean;
}

export interface SimSessionOptions extends DataOptions {
  /** The VM engine. */
  engine?: Engine;
}

export interface KernelSessionOptions extends DataOptions {
  /** The kernel's run-time statistics (run_time_ns / run_cnt in programInfo()). */
  stats?: boolean;
}

/** Per chain: what runChain takes besides the data (which the session holds). */
export type RunOptions = Pick<ChainOptions, "maxSuspensions" | "maxSteps">;

export function loadExtents(extents: string | ExtentTable): ExtentTable {
  return typeof extents === "string"
    ? parseExtentJson(readText(extents, "extent table"), extents)
    : extents;
}

/** A target whose unbound extents maps may be refilled between chains, unless they are frozen. */
export interface RefillableTarget extends StepTarget {
  /** False when the extents map is frozen (or absent): another table needs another target. */
  readonly extentsWritable: boolean;
  writeExtents(init: ExtentsInit): void;
  close(): void;
}

/** The open data files: where chains read, and what the target's extents maps must hold. */
export interface DataBinding {
  /** The (first) data file. */
  source: FileBlockSource;
  /** Every data file, in `artifact.files` order. */
  sources: FileBlockSource[];
  extents: (FileExtents | undefined)[];
  /**
   * The extents maps' contents for these files: one table for a program that reads one file, one
   * per file otherwise; undefined when the program has none or is bound.
   */
  extentsInit: ExtentsInit | undefined;
  close(): void;
}

/** One open data file (bindData does each). */
interface FileBinding {
  source: FileBlockSource;
  extents: FileExtents | undefined;
  extentsInit: Uint8Array | undefined;
  close(): void;
}

export function bindData(artifact: ProgramArtifact, options: DataOptions): DataBinding {
  const files = resolveDataFiles(artifact, options.data, options.extents);
  const bound: FileBinding[] = [];
  const close = (): void => {
    for (const b of bound) b.close();
  };
  try {
    files.forEach((file, i) => bound.push(bindFile(artifact, i, file, options)));
  } catch (err) {
    close();
    throw err;
  }
  const inits = bound.map((b) => b.extentsInit);
  return {
    source: bound[0].source,
    sources: bound.map((b) => b.source),
    extents: bound.map((b) => b.extents),
    extentsInit:
      bound.length === 1 ? inits[0] : inits.some((i) => i !== undefined) ? inits : undefined,
    close,
  };
}

function bindFile(
  artifact: ProgramArtifact,
  index: number,
  file: DataFileSpec,
  options: DataOptions,
): FileBinding {
  const source = new FileBlockSource(file.path, { direct: options.direct });
  let real: RawDevice | undefined;
  const close = (): void => {
    real?.close();
    source.close();
  };
  try {
    // A bad extent file is reported even when the program has no extents map to put it in.
    const given = file.extents === undefined ? undefined : loadExtents(file.extents);
    const spec = artifact.maps.find((m) => m.name === "extents" && extentsMapFile(m) === index);
    if (!spec) return { source, extents: undefined, extentsInit: undefined, close };
    // The map holds what the program was bound to (compile time) or else the file's layout now.
    const bound = spec.init ? decodeExtentTable(spec.init) : undefined;
    let layout: ReturnType<typeof openFileDevice>["layout"] | undefined;
    if (options.realDevice) {
      const deviceOptions = options.realDevice === true ? {} : options.realDevice;
      const device = openFileDevice(file.path, { direct: options.direct, ...deviceOptions });
      real = device;
      layout = device.layout;
    }
    const current = layout ?? given ?? bound ?? identityExtents(source.size);
    const map = bound ?? (layout ? tableForRun(layout) : current);
    const extentsInit = bound
      ? undefined
      : encodeExtentTable(
          map,
          spec.valueSize,
          typeof file.extents === "string" ? file.extents : "extent table",
        );
    return {
      source,
      extents: { map, device: real ?? new ExtentDevice(source, current) },
      extentsInit,
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}

/** Makes the session's target with this extents map content (undefined: the artifact's own). */
type TargetFactory<T> = (extentsInit: ExtentsInit | undefined) => T;

const sameTable = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b)));

/** Whether two extents maps' contents (one table, or one per file) are the same bytes. */
export function sameBytes(a: ExtentsInit | undefined, b: ExtentsInit | undefined): boolean {
  if (a === undefined || b === undefined || a instanceof Uint8Array || b instanceof Uint8Array)
    return sameTable(a as Uint8Array | undefined, b as Uint8Array | undefined);
  return a.length === b.length && a.every((t, i) => sameTable(t, b[i]));
}

export class ChainSession<T extends RefillableTarget = RefillableTarget> {
  private closed = false;
  private reloadCount = 0;

  protected constructor(
    readonly artifact: ProgramArtifact,
    private current: T,
    private data: DataBinding,
    private readonly createTarget: TargetFactory<T>,
  ) {}

  /** Binds the data first (it decides the extents map's contents), then creates the target. */
  protected static build<T extends RefillableTarget, S>(
    artifact: ProgramArtifact,
    options: DataOptions,
    createTarget: TargetFactory<T>,
    wrap: (target: T, data: DataBinding, createTarget: TargetFactory<T>) => S,
  ): S {
    const data = bindData(artifact, options);
    let target: T | undefined;
    try {
      target = createTarget(data.extentsInit);
      return wrap(target, data, createTarget);
    } catch (err) {
      target?.close();
      data.close();
      throw err;
    }
  }

  /** The loaded program (a new one after a switchData that had to reload). */
  get target(): T {
    return this.current;
  }

  /** The open data file. */
  get source(): FileBlockSource {
    return this.data.source;
  }

  /** Runs one chain per argument set, in order (the kernel-chain session runs them in batches). */
  runBatch(argsList: readonly Record<string, ArgValue>[], options: RunOptions = {}): ChainResult[] {
    return argsList.map((args) => this.run(args, options));
  }

  /** Runs one chain with these arguments over the session's data. */
  run(args: Record<string, ArgValue>, options: RunOptions = {}): ChainResult {
    if (this.closed) throw internalError(`${this.artifact.name}: session used after close()`);
    return runChain(this.artifact, this.target, this.data.sources, {
      ...options,
      args,
      extents: this.data.extents,
    });
  }

  /**
   * Moves the session to another data file. A bound extents map keeps the table the program was
   * compiled with; an unbound one must hold the new file's table: when it already does (same
   * layout) nothing changes, a writable map is refilled, and a frozen one (the kernel target's)
   * means loading the program again over new maps. Scratch starts zeroed with each chain anyway.
   * On failure the session stays on its old file and program.
   */
  switchData(options: DataOptions): void {
    const next = bindData(this.artifact, options);
    let replaced: T | undefined;
    try {
      if (next.extentsInit && !sameBytes(next.extentsInit, this.data.extentsInit)) {
        if (this.current.extentsWritable) this.current.writeExtents(next.extentsInit);
        else replaced = this.createTarget(next.extentsInit);
      }
    } catch (err) {
      next.close();
      throw err;
    }
    if (replaced) {
      const old = this.current;
      this.current = replaced;
      this.reloadCount++;
      old.close();
    }
    this.data.close();
    this.data = next;
  }

  /** How many times switchData loaded the program again (a new extent layout, frozen map). */
  get reloads(): number {
    return this.reloadCount;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.target.close();
    } finally {
      this.data.close();
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The program in the kernel: maps created and mmapped, program loaded and verified once. */
export class KernelSession extends ChainSession<LinuxTarget> {
  static open(artifact: ProgramArtifact, options: KernelSessionOptions): KernelSession {
    return ChainSession.build(
      artifact,
      options,
      (extentsInit) => LinuxTarget.create(artifact, { extentsInit, stats: options.stats }),
      (target, data, create) => new KernelSession(artifact, target, data, create),
    );
  }

  /** The kernel's view of the program: verified instructions, sizes, run-time statistics. */
  programInfo(): ProgInfo {
    return this.target.programInfo();
  }
}

/** The program on our VM over the same maps. */
export class SimSession extends ChainSession<SimTarget> {
  static open(artifact: ProgramArtifact, options: SimSessionOptions): SimSession {
    return ChainSession.build(
      artifact,
      options,
      (extentsInit) => SimTarget.create(artifact, { extentsInit, engine: options.engine }),
      (target, data, create) => new SimSession(artifact, target, data, create),
    );
  }
}
