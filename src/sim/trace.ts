// The real work behind every simulated lookup: the compiled program runs on the VM over the real
// data file through the chain driver (runtime/driver.ts), and what it did becomes the lookup's
// trace — each hop's file offset and size (they drive the device model) and the instructions each
// step executed (they become CPU time). Traces are cached per key: a chain is a pure function of
// its key and the file, so running it again would give the same trace (docs/sim.md says so).
import type { MapSpec, ProgramArtifact } from "../abi/artifact.js";
import { CTX_SIZE, Ctx, type ExtentsInit, initialMapValue } from "../abi/artifact.js";
import { IochainError } from "../diagnostics.js";
import type { BlockSource, ChainOptions, ChainResult, StepTarget } from "../runtime/driver.js";
import { runChain } from "../runtime/driver.js";
import { bindData, type DataBinding } from "../runtime/session.js";
import { ArrayMap, createVm, type Vm } from "../runtime/vm/index.js";
import { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG } from "../runtime/vm/maps.js";

export interface Trace {
  /** File offset and size of each block read, in chain order. */
  offsets: bigint[];
  sizes: number[];
  /** VM instructions of the step(s) run on each block. */
  insns: number[];
  result: ChainResult;
}

/** A StepTarget like the VM target (runtime/sim/target.ts) that also counts each step's instructions. */
class CountingTarget implements StepTarget {
  lastInsns = 0;
  private constructor(
    private readonly vm: Vm,
    private readonly block: Uint8Array,
    private readonly scratchBytes: Uint8Array,
  ) {}

  static create(artifact: ProgramArtifact, extentsInit: ExtentsInit | undefined): CountingTarget {
    const maps = artifact.maps.map((spec: MapSpec) => {
      const map = new ArrayMap({
        valueSize: spec.valueSize,
        maxEntries: 1,
        flags: (spec.mmapable ? BPF_F_MMAPABLE : 0) | (spec.readOnlyProg ? BPF_F_RDONLY_PROG : 0),
        name: spec.name,
      });
      const init = initialMapValue(spec, extentsInit);
      if (init) map.value(0).set(init);
      return map;
    });
    const byName = (name: string): Uint8Array => {
      const i = artifact.maps.findIndex((m) => m.name === name);
      if (i < 0)
        throw new IochainError("E0935", `${artifact.name}: the artifact has no ${name} map`);
      return maps[i].value(0);
    };
    const vm = createVm(artifact.insns, { maps, file: artifact.file });
    return new CountingTarget(vm, byName("block"), byName("scratch"));
  }

  blockBuffer(): Uint8Array {
    return this.block;
  }
  scratch(): Uint8Array {
    return this.scratchBytes;
  }
  runStep(ctx: Uint8Array): void {
    if (ctx.length !== CTX_SIZE) throw new IochainError("E0999", `ctx is ${ctx.length} bytes`);
    this.lastInsns += this.vm.run({ ctx }).insnCount;
  }
  close(): void {}
}

/** Records the reads a chain makes through a source (the file, or the device fallback). */
class RecordingSource implements BlockSource {
  offsets: bigint[] = [];
  sizes: number[] = [];
  constructor(private readonly inner: BlockSource) {}
  get size(): bigint {
    return this.inner.size;
  }
  read(buf: Uint8Array, offset: bigint, length: number): number {
    this.offsets.push(offset);
    this.sizes.push(length);
    return this.inner.read(buf, offset, length);
  }
  close(): void {}
}

/** One program over one data file, run on the VM chain by chain; traces cached by key. */
export class Tracer {
  private readonly data: DataBinding;
  private readonly target: CountingTarget;
  private readonly cache = new Map<string, Trace>();
  /** VM instructions actually executed (cache misses only) and chains actually run. */
  vmInsns = 0;
  vmChains = 0;
  /** Wall time spent inside the VM's steps (ns), for the machine calibration. */
  stepNs = 0;

  constructor(
    readonly artifact: ProgramArtifact,
    readonly dataPath: string,
  ) {
    // Without an extents option reads go to the file (identity layout): the offsets are the file's.
    this.data = bindData(artifact, { data: dataPath });
    this.target = CountingTarget.create(artifact, this.data.extentsInit);
  }

  /** The chain for `key`'s arguments, run once on the VM (then from the cache). */
  trace(args: Record<string, bigint>, chainOptions: Pick<ChainOptions, "extents"> = {}): Trace {
    const id = Object.values(args).join(",");
    const hit = chainOptions.extents ? undefined : this.cache.get(id);
    if (hit) return hit;
    const t = this.runFresh(args, chainOptions);
    if (!chainOptions.extents) this.cache.set(id, t);
    return t;
  }

  /** Runs the chain on the VM now, with the given device (faults) or the file. */
  runFresh(
    args: Record<string, bigint>,
    chainOptions: Pick<ChainOptions, "extents"> & { source?: BlockSource } = {},
  ): Trace {
    const source = new RecordingSource(chainOptions.source ?? this.data.source);
    const insns: number[] = [];
    const target = this.target;
    // Per-hop instruction counts: the driver reads a block, then runs steps on it.
    const counting: StepTarget = {
      blockBuffer: () => target.blockBuffer(),
      scratch: () => target.scratch(),
      runStep: (ctx) => {
        const before = target.lastInsns;
        const t0 = process.hrtime.bigint();
        target.runStep(ctx);
        this.stepNs += Number(process.hrtime.bigint() - t0);
        const hop = new DataView(ctx.buffer, ctx.byteOffset).getUint32(Ctx.hop, true);
        insns[hop] = (insns[hop] ?? 0) + target.lastInsns - before;
      },
      close: () => {},
    };
    const result = runChain(this.artifact, counting, source, {
      args,
      extents: chainOptions.extents,
    });
    this.vmChains++;
    for (const n of insns) this.vmInsns += n ?? 0;
    return { offsets: source.offsets, sizes: source.sizes, insns, result };
  }

  close(): void {
    this.data.close();
  }
}
