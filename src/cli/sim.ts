// iochain sim list | sim run EXPERIMENT [--params FILE] [--param k=v ...] [--json] [--csv FILE]
// [--svg FILE]: the storage-stack simulator (src/sim/, docs/sim.md). Not `iochain run --target
// sim`, which is the VM. A progress bar shows on a terminal only (not in pipes or CI).
import type { Command } from "commander";
import { SingleBar } from "cli-progress";
import { writeFileAtomic } from "../files.js";
import { IochainError } from "../diagnostics.js";
import { EXPERIMENTS } from "../sim/experiments/registry.js";
import { paramLine, toCsv, toJson, toTable } from "../sim/format.js";
import { type ParamFile, readParamFile } from "../sim/param-file.js";
import { PARAM_SPECS } from "../sim/params.js";
import { runExperiment } from "../sim/run.js";
import { renderSvg } from "../sim/plot.js";

interface RunOpts {
  param: string[];
  params?: string;
  json?: boolean;
  csv?: string;
  svg?: string;
  workers?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function parseParams(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq <= 0)
      throw new IochainError(
        "E0962",
        `--param ${item}: expected name=value`,
        undefined,
        "e.g. --param threads=4",
      );
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Which values came from --params FILE, and from where (the file's notes, once each). */
function fileLine(path: string | undefined, file: ParamFile | undefined): string {
  if (path === undefined || !file) return "";
  const names = Object.keys(file.overrides);
  const notes = [...new Set(Object.values(file.notes))];
  return `from ${path}: ${names.join(" ")}${notes.length ? ` (${notes.join("; ")})` : ""}\n`;
}

export function registerSim(program: Command): void {
  const sim = program
    .command("sim")
    .description("the storage-stack simulator: the papers' experiments over real compiled chains");
  sim
    .command("list")
    .description("list the experiments (and with --params every parameter and its source)")
    .option("--params", "list the parameters with their values and sources")
    .action((opts: { params?: boolean }) => {
      if (opts.params) {
        for (const [k, s] of Object.entries(PARAM_SPECS))
          process.stdout.write(
            `${k.padEnd(20)} ${String(s.value).padStart(9)}  ${s.source.padEnd(8)} ${s.note}\n`,
          );
        return;
      }
      for (const e of EXPERIMENTS) process.stdout.write(`${e.name.padEnd(10)} ${e.describe}\n`);
    });
  sim
    .command("run")
    .description("run an experiment and print its rows")
    .argument("<experiment>", "an experiment from iochain sim list")
    .option(
      "--param <name=value>",
      "set a parameter (repeatable); device=nand picks a profile",
      collect,
      [],
    )
    .option(
      "--params <file>",
      "take parameters from a file (npm run bench -- sim-machine writes this machine's); --param overrides it",
    )
    .option("--json", 'print {"experiment","params","rows"} as one JSON object')
    .option("--csv <file>", "write the rows as CSV (atomically)")
    .option("--svg <file>", "write a plot of the rows as SVG (atomically)")
    .option("--workers <n>", "worker threads for the points (default: the CPUs)")
    .action(async (experiment: string, opts: RunOpts) => {
      const file = opts.params === undefined ? undefined : readParamFile(opts.params);
      const overrides = { ...file?.overrides, ...parseParams(opts.param) };
      const workers = opts.workers === undefined ? undefined : Number(opts.workers);
      if (workers !== undefined && (!Number.isInteger(workers) || workers < 0))
        throw new IochainError("E0962", `--workers ${opts.workers}: expected a whole number`);
      const bar =
        process.stderr.isTTY && !process.env.CI
          ? new SingleBar({
              format: `${experiment} [{bar}] {value}/{total} points`,
              stream: process.stderr,
            })
          : undefined;
      let started = false;
      const out = await runExperiment(experiment, {
        overrides,
        workers,
        onPoint: (done, total) => {
          if (!bar) return;
          if (!started) bar.start(total, 0);
          started = true;
          bar.update(done);
        },
      });
      if (started) bar?.stop();
      if (opts.csv !== undefined) writeFileAtomic(opts.csv, toCsv(out.rows));
      if (opts.svg !== undefined) writeFileAtomic(opts.svg, await renderSvg(out));
      if (opts.json) process.stdout.write(toJson(out));
      else process.stdout.write(fileLine(opts.params, file) + paramLine(out) + toTable(out));
    });
}
