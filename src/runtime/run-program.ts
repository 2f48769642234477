// Everything `iochain run` does after compiling: open the data file, build the target's maps
// (the extent table included), run one chain through the driver, close it all.
import { readText } from "../cli/io.js";
import type { ProgramArtifact } from "../compiler/artifact.js";
import { ExtentDevice, FileBlockSource } from "./block-source.js";
import { type ArgValue } from "./args.js";
import { type ChainOptions, type ChainResult, type StepTarget, runChain } from "./driver.js";
import {
  type ExtentTable,
  decodeExtentTable,
  encodeExtentTable,
  identityExtents,
  parseExtentJson,
} from "./extents.js";
import { type FileDeviceOptions, openFileDevice, tableForRun } from "./linux/bind-extents.js";
import { LinuxTarget } from "./linux/target.js";
import { SimTarget } from "./sim/target.js";
import type { Engine } from "./vm/index.js";

export type TargetName = "sim" | "linux";

export interface RunProgramOptions {
  target: TargetName;
  /** The data file the chain reads. */
  data: string;
  args: Record<string, ArgValue>;
  /**
   * The data file's current extent layout: a path to the simulator's extent JSON, or a table.
   * Programs with an extents map get it loaded into that map unless the compiler already bound
   * one (then the two generations are compared, and reads fall back to file offsets when they
   * differ). Without it a file is one extent at device address = file offset.
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
  /** The sim target's VM engine. */
  engine?: Engine;
  maxSuspensions?: ChainOptions["maxSuspensions"];
}

export function loadExtents(extents: string | ExtentTable): ExtentTable {
  return typeof extents === "string"
    ? parseExtentJson(readText(extents, "extent table"), extents)
    : extents;
}

export function runProgram(artifact: ProgramArtifact, options: RunProgramOptions): ChainResult {
  const source = new FileBlockSource(options.data, { direct: options.direct });
  let target: StepTarget | undefined;
  let real: ReturnType<typeof openFileDevice> | undefined;
  try {
    const given = options.extents === undefined ? undefined : loadExtents(options.extents);
    const spec = artifact.maps.find((m) => m.name === "extents");
    let chainExtents: ChainOptions["extents"];
    let extentsInit: Uint8Array | undefined;
    if (spec) {
      // The map holds what the program was bound to (compile time) or else the file's layout now.
      const bound = spec.init ? decodeExtentTable(spec.init) : undefined;
      if (options.realDevice) {
        const deviceOptions = options.realDevice === true ? {} : options.realDevice;
        real = openFileDevice(options.data, { direct: options.direct, ...deviceOptions });
      }
      const current = real?.layout ?? given ?? bound ?? identityExtents(source.size);
      const map = bound ?? (real ? tableForRun(real.layout) : current);
      if (!bound)
        extentsInit = encodeExtentTable(
          map,
          spec.valueSize,
          typeof options.extents === "string" ? options.extents : "extent table",
        );
      chainExtents = { map, device: real ?? new ExtentDevice(source, current) };
    }
    target =
      options.target === "linux"
        ? LinuxTarget.create(artifact, { extentsInit })
        : SimTarget.create(artifact, { extentsInit, engine: options.engine });
    return runChain(artifact, target, source, {
      args: options.args,
      extents: chainExtents,
      maxSuspensions: options.maxSuspensions,
    });
  } finally {
    target?.close();
    real?.close();
    source.close();
  }
}
