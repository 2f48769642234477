// iochain extents FILE [--json] [-o OUT] [--no-sync]: a real file's extent map through FIEMAP,
// printed like `filefrag -v` (in file-system blocks), or as the simulator's extent JSON, which
// -o writes to a file for `iochain run --data-extents` (the VM target translates offsets through it).
import type { Command } from "commander";
import {
  extentFlagNames,
  type FileExtentMap,
  fileExtentMapToJson,
  readFileExtents,
} from "../runtime/linux/fiemap.js";
import { deviceReadPath, fileDevice } from "../runtime/linux/file-device.js";
import { STDIO, writeOutput } from "../files.js";
import { CATALOGUE } from "./catalogue.js";

interface ExtentsOptions {
  json?: boolean;
  output?: string;
  sync: boolean;
}

export function registerExtents(program: Command): void {
  program
    .command("extents")
    .description(CATALOGUE.extents.summary)
    .argument("<file>", "a regular file on a block file system (ext4, xfs)")
    .option("--json", "print the extent JSON instead of the table")
    .option("-o, --output <file>", "write the extent JSON to this file (atomically)")
    .option(
      "--no-sync",
      "do not flush the file's dirty data first (delayed extents then have no address)",
    )
    .action((file: string, opts: ExtentsOptions) => {
      const map = readFileExtents(file, { sync: opts.sync });
      const json = fileExtentMapToJson(map);
      if (opts.output !== undefined) writeOutput(opts.output, json);
      if (opts.output === STDIO) return;
      process.stdout.write(opts.json ? json : formatExtentMap(map));
    });
}

/** The table `filefrag -v` prints: offsets and lengths in file-system blocks, inclusive ranges. */
export function formatExtentMap(map: FileExtentMap): string {
  const bs = BigInt(map.blockSize);
  const blocks = (map.size + bs - 1n) / bs;
  const dev = fileDevice(map.device);
  const where = deviceReadPath(dev);
  const lines = [
    `File size of ${map.path} is ${map.size} (${blocks} block${blocks === 1n ? "" : "s"} of ${map.blockSize} bytes)`,
    `File system ${map.fsType} on device ${dev.major}:${dev.minor}${where ? ` (${where})` : ""}, layout generation 0x${map.generation.toString(16)}`,
    " ext:     logical_offset:        physical_offset: length:   expected: flags:",
  ];
  let expected: bigint | undefined;
  map.extents.forEach((e, i) => {
    const first = e.fileOffset / bs;
    const count = (e.length + bs - 1n) / bs;
    const phys = e.devAddr / bs;
    const gap = expected !== undefined && phys !== expected ? String(expected) : "";
    const cols = [
      `${String(i).padStart(4)}:`,
      `${String(first).padStart(8)}..${String(first + count - 1n).padStart(8)}:`,
      `${String(phys).padStart(10)}..${String(phys + count - 1n).padStart(10)}:`,
      `${String(count).padStart(6)}:`,
      gap ? `${gap.padStart(10)}:` : "",
    ];
    lines.push(`${cols.join(" ").padEnd(67)} ${extentFlagNames(e.flags).join(",")}`.trimEnd());
    expected = phys + count;
  });
  const n = map.extents.length;
  lines.push(`${map.path}: ${n} extent${n === 1 ? "" : "s"} found`);
  return lines.join("\n") + "\n";
}
