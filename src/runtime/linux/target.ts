// The linux target: the artifact's maps created in the kernel (the block and scratch maps
// BPF_F_MMAPABLE and mmapped, so the driver reads blocks straight into the block map and results
// straight out of scratch), the program loaded as a sleepable syscall program, and one
// BPF_PROG_TEST_RUN per step with ctx in and out. The extents map is filled before the load and
// frozen (as libbpf does with `.rodata`): the verifier then reads the table as constants and
// follows the extent search only along the paths the table allows (bptree: ~2k instructions
// verified instead of ~50k). Another table needs another target (runtime/session.ts does that).
import {
  CTX_SIZE,
  type ExtentsInit,
  initialMapValue,
  type MapSpec,
  type ProgramArtifact,
} from "../../abi/artifact.js";
import type { StepTarget } from "../driver.js";
import { KernelError } from "./errors.js";
import { BpfMap } from "./maps.js";
import { type BpfProgram, type ProgInfo, loadProgram } from "./program.js";
import { requireBpf } from "./syscall.js";
import { TestRunner } from "./test-run.js";

export interface LinuxTargetOptions {
  /** Contents of the extents maps, replacing the artifact's (format: src/abi/extents.ts). */
  extentsInit?: ExtentsInit;
  /** Turn on the kernel's run-time statistics (run_time_ns / run_cnt in programInfo()). */
  stats?: boolean;
  /**
   * Freeze the extents map once filled (default true): cheaper verification, but writeExtents
   * then fails. False keeps it writable, for a table that changes under a loaded program.
   */
  freezeExtents?: boolean;
}

function initialValue(spec: MapSpec, options: LinuxTargetOptions): Uint8Array | undefined {
  const init = initialMapValue(spec, options.extentsInit);
  if (!init) return undefined;
  if (init.length > spec.valueSize) {
    throw new KernelError(
      "E0803",
      `the ${spec.name} map's initial value is ${init.length} bytes; the map holds ${spec.valueSize}`,
      22,
    );
  }
  const full = new Uint8Array(spec.valueSize);
  full.set(init);
  return full;
}

/** The artifact's maps in the kernel, filled; block and scratch mmapped. */
export interface ArtifactMaps {
  maps: BpfMap[];
  /** The block map's value mmapped (undefined when `privateBlock`: only programs touch it). */
  block: Uint8Array | undefined;
  scratch: Uint8Array;
  /** The extents maps, one per file the program reads (none when it has no resubmit). */
  extents: { map: BpfMap; spec: MapSpec }[];
}

/**
 * Creates the artifact's maps (docs/abi.md), fills them, and freezes the extents map unless told
 * not to. `privateBlock`: the block map is not mmapable (kernel chains fill it from inside the
 * kernel; a small non-mmapable value is kmalloc'd, and bpf_copy_from_user into it is cheaper than
 * into vmalloc'd mmapable memory, which hardened usercopy looks up).
 */
export function createArtifactMaps(
  artifact: ProgramArtifact,
  options: LinuxTargetOptions & { privateBlock?: boolean } = {},
): ArtifactMaps {
  const maps: BpfMap[] = [];
  try {
    const views = new Map<string, Uint8Array>();
    for (const spec of artifact.maps) {
      const mmapable = spec.mmapable && !(spec.name === "block" && options.privateBlock);
      const map = BpfMap.array({
        valueSize: spec.valueSize,
        mmapable,
        readOnlyProg: spec.readOnlyProg,
        name: spec.name,
      });
      maps.push(map);
      const init = initialValue(spec, options);
      // Read-only-for-programs maps cannot be mapped writable: those are filled by update().
      if (mmapable && !spec.readOnlyProg) {
        const bytes = map.mmap().subarray(0, spec.valueSize);
        if (init) bytes.set(init);
        views.set(spec.name, bytes);
      } else if (init) {
        map.update(0, init);
      }
      if (spec.name === "extents" && spec.readOnlyProg && options.freezeExtents !== false)
        map.freeze();
    }
    const block = views.get("block");
    const scratch = views.get("scratch");
    if ((!block && !options.privateBlock) || !scratch) {
      throw new KernelError(
        "E0803",
        `${artifact.name}: the artifact needs mmapable \`block\` and \`scratch\` maps (docs/abi.md), it has ${artifact.maps.map((m) => m.name).join(", ") || "none"}`,
        0,
      );
    }
    const extents = artifact.maps.flatMap((spec, i) =>
      spec.name === "extents" ? [{ map: maps[i], spec }] : [],
    );
    return { maps, block, scratch, extents };
  } catch (err) {
    for (const m of maps) m.close();
    throw err;
  }
}

export class LinuxTarget implements StepTarget {
  private constructor(
    private readonly maps: BpfMap[],
    private readonly program: BpfProgram,
    private readonly runner: TestRunner,
    private readonly block: Uint8Array,
    private readonly scratchBytes: Uint8Array,
    private readonly extents: { map: BpfMap; spec: MapSpec }[],
  ) {}

  /** Whether writeExtents can change the tables the program sees (not once the maps are frozen). */
  get extentsWritable(): boolean {
    return this.extents.length > 0 && this.extents.every((e) => !e.map.frozen);
  }

  static create(artifact: ProgramArtifact, options: LinuxTargetOptions = {}): LinuxTarget {
    requireBpf();
    const made = createArtifactMaps(artifact, options);
    let program: BpfProgram | undefined;
    try {
      program = loadProgram(artifact.insns, {
        maps: made.maps,
        name: artifact.name,
        file: artifact.file,
        stats: options.stats,
      });
      const runner = new TestRunner(program, CTX_SIZE);
      return new LinuxTarget(made.maps, program, runner, made.block!, made.scratch, made.extents);
    } catch (err) {
      program?.close();
      for (const m of made.maps) m.close();
      throw err;
    }
  }

  blockBuffer(): Uint8Array {
    return this.block;
  }

  scratch(): Uint8Array {
    return this.scratchBytes;
  }

  runStep(ctx: Uint8Array): void {
    this.runner.ctx.set(ctx);
    this.runner.run();
    ctx.set(this.runner.ctx.subarray(0, ctx.length));
  }

  /** Replaces the extents maps' contents (other data files' tables; runtime/session.ts). */
  writeExtents(init: ExtentsInit): void {
    if (this.extents.length === 0)
      throw new KernelError("E0803", "the program has no extents map to fill", 22);
    if (!this.extentsWritable)
      throw new KernelError(
        "E0803",
        "the extents map is frozen (the verifier took its table as constants): load the program again with the new table",
        1,
      );
    for (const { map, spec } of this.extents) {
      const full = initialValue(spec, { extentsInit: init });
      if (!full) continue;
      if (spec.mmapable && !spec.readOnlyProg) map.mmap().subarray(0, full.length).set(full);
      else map.update(0, full);
    }
  }

  /** The kernel's view of the loaded program: verified instructions, sizes, run-time stats. */
  programInfo(): ProgInfo {
    return this.program.info();
  }

  close(): void {
    this.runner.close();
    this.program.close();
    for (const m of this.maps) m.close();
  }
}
