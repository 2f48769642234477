// The sim target: our VM runs the artifact's instructions over the artifact's maps (block,
// scratch, extents as plain memory the driver reads and writes directly, like the mmapped kernel
// maps) with the same ctx, so its results can be compared with the linux target's byte for byte.
import {
  CTX_SIZE,
  type ExtentsInit,
  initialMapValue,
  type MapSpec,
  type ProgramArtifact,
} from "../../abi/artifact.js";
import { internalError, IochainError } from "../../diagnostics.js";
import type { StepTarget } from "../driver.js";
import { ArrayMap, type Engine, type Vm, createVm } from "../vm/index.js";
import { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG } from "../vm/maps.js";

export interface SimTargetOptions {
  /** Contents of the extents maps, replacing the artifact's (format: src/abi/extents.ts). */
  extentsInit?: ExtentsInit;
  /** The VM engine: "fast" (default) or "reference". */
  engine?: Engine;
  /** Instructions one step may execute (the VM's default otherwise). */
  budget?: number;
}

function createMap(spec: MapSpec, options: SimTargetOptions): ArrayMap {
  const map = new ArrayMap({
    valueSize: spec.valueSize,
    maxEntries: 1,
    flags: (spec.mmapable ? BPF_F_MMAPABLE : 0) | (spec.readOnlyProg ? BPF_F_RDONLY_PROG : 0),
    name: spec.name,
  });
  const init = initialMapValue(spec, options.extentsInit);
  if (init) {
    if (init.length > spec.valueSize) {
      throw new IochainError(
        "E0935",
        `the ${spec.name} map's initial value is ${init.length} bytes; the map holds ${spec.valueSize}`,
      );
    }
    map.value(0).set(init);
  }
  return map;
}

export class SimTarget implements StepTarget {
  private constructor(
    private readonly vm: Vm,
    private readonly block: Uint8Array,
    private readonly scratchBytes: Uint8Array,
    private readonly budget: number | undefined,
    private readonly extents: { map: ArrayMap; spec: MapSpec }[],
  ) {}

  static create(artifact: ProgramArtifact, options: SimTargetOptions = {}): SimTarget {
    const maps = artifact.maps.map((spec) => createMap(spec, options));
    const byName = (name: string): Uint8Array => {
      const i = artifact.maps.findIndex((m) => m.name === name);
      if (i < 0) {
        throw new IochainError(
          "E0935",
          `${artifact.name}: the artifact has no \`${name}\` map (docs/abi.md: block, scratch, extents)`,
        );
      }
      return maps[i].value(0);
    };
    const vm = createVm(artifact.insns, { maps, engine: options.engine, file: artifact.file });
    const extents = artifact.maps.flatMap((spec, i) =>
      spec.name === "extents" ? [{ map: maps[i], spec }] : [],
    );
    return new SimTarget(vm, byName("block"), byName("scratch"), options.budget, extents);
  }

  /** The VM's extents map is never frozen: writeExtents always applies. */
  get extentsWritable(): boolean {
    return this.extents.length > 0;
  }

  /** Replaces the extents maps' contents (other data files' tables; runtime/session.ts). */
  writeExtents(init: ExtentsInit): void {
    if (this.extents.length === 0)
      throw new IochainError("E0935", "the program has no extents map to fill");
    for (const { map, spec } of this.extents) {
      const table = initialMapValue({ ...spec, init: undefined }, init);
      if (!table) continue;
      const value = map.value(0);
      if (table.length > value.length) {
        throw new IochainError(
          "E0935",
          `the extents map's new value is ${table.length} bytes; the map holds ${value.length}`,
        );
      }
      value.fill(0);
      value.set(table);
    }
  }

  blockBuffer(): Uint8Array {
    return this.block;
  }

  scratch(): Uint8Array {
    return this.scratchBytes;
  }

  runStep(ctx: Uint8Array): void {
    if (ctx.length !== CTX_SIZE) throw internalError(`ctx is ${ctx.length} bytes, not ${CTX_SIZE}`);
    this.vm.run({ ctx, budget: this.budget });
  }

  close(): void {}
}
