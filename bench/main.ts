// Runs every benchmark section and prints its table. Add a section: one entry in SECTIONS.
//   npm run bench            (all sections)
//   node dist/bench/main.js vm   (only sections whose name contains "vm")
import { benchAnchors } from "./anchors.js";
import { benchChains } from "./chains.js";
import { benchClang } from "./clang.js";
import { benchCompile, benchKernel } from "./compile.js";
import { benchLookups } from "./lookups.js";
import { benchStartup } from "./startup.js";
import { formatTable, type Row } from "./table.js";
import { benchSim } from "./sim.js";
import { benchSimMachine } from "./sim-machine.js";
import { benchVm } from "./vm.js";

interface Section {
  name: string;
  run: () => Row[] | Promise<Row[]>;
}

const SECTIONS: Section[] = [
  {
    name: "startup: each command as a process, side by side, median ms (ratio = iochain / baseline; cold: --no-cache, cached: the artifact cache hits)",
    run: () => benchStartup(),
  },
  { name: "vm: throughput of both engines", run: () => benchVm() },
  { name: "clang: clang-19 + hand-written C (bench/c), loaded by libbpf", run: () => benchClang() },
  {
    name: "compile: iochain vs clang-19 + C with extent translation (instructions, compile time; ratio = iochain / clang; clang plain: the C without it)",
    run: () => benchCompile(),
  },
  {
    name: "kernel: iochain vs clang-19 + C with extent translation (verified instructions, ns per step inside the program; extents map frozen; clang plain: the C without it)",
    run: () => benchKernel(),
  },
  {
    name: "lookups: bptree lookups/s (TypeScript pread, runtime targets)",
    run: () => benchLookups(),
  },
  {
    name: "anchors: C pread loop and io_uring loop (bptree t3/t5, warm page cache)",
    run: () => benchAnchors(),
  },
  {
    // Prints its own tables (warm t3/t5, range, cold t5) as it goes; returns the goals table.
    name: "chains: kernel chains vs C anchors (bptree t3/t5, range; warm and cold)",
    run: () => benchChains(),
  },
  {
    name: "sim: the storage-stack simulator's speed (10^6 lookups of a depth point; events/s, VM instructions/s)",
    run: () => benchSim(),
  },
  {
    name: "sim-machine: the simulator's predictions for this machine (calibrated in this run) beside the measurements (warm, one thread)",
    run: () => benchSimMachine(),
  },
];

async function main(filters: string[]): Promise<void> {
  const chosen = SECTIONS.filter(
    (s) => filters.length === 0 || filters.some((f) => s.name.includes(f)),
  );
  for (const section of chosen) {
    const rows = await section.run();
    console.log(formatTable(section.name, rows) + "\n");
  }
}

await main(process.argv.slice(2));
