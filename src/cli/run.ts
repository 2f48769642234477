// iochain run FILE --target vm|linux --data DATA --arg NAME=VALUE ... [--json]
// iochain run FILE --data DATA --args-file FILE|- [--batch K] [--threads T]   (one result per line)
import type { Command } from "commander";
import type { ProgramArtifact } from "../abi/artifact.js";
import { DEFAULT_BATCH, MAX_BATCH } from "../abi/chain.js";
import { IochainError } from "../diagnostics.js";
import { type ArgValue, encodeArgs } from "../runtime/args.js";
import { runThreaded } from "../runtime/batch-threads.js";
import type { ChainResult } from "../runtime/driver.js";
import type { ReadAhead } from "../runtime/linux/file-mapping.js";
import { type ChainMode, type SessionOptions, openSession } from "../runtime/open-session.js";
import { formatResultJson, jsonScalar, resultToJson } from "../runtime/result-json.js";
import type { TargetName } from "../runtime/run-program.js";
import { sessionSyscalls } from "../runtime/session-syscalls.js";
import { type ArgsFile, readArgsFile } from "./args-file.js";
import { compileFile } from "./artifact-cache.js";
import {
  CACHE_FLAGS,
  parseChoice,
  parseCount,
  parseTarget,
  renamedOption,
  targetLabel,
  UNSAFE_FLAG,
  valuesOption,
} from "./options.js";
import { collectArg, collectNamedPath, dataOption, type NamedPath } from "./run-args.js";
import { withVerifierLog } from "./verifier-log.js";
import { CATALOGUE } from "./catalogue.js";

interface RunCliOptions {
  target: string;
  data: NamedPath[];
  arg?: Record<string, ArgValue>;
  json?: boolean;
  dataExtents?: NamedPath[];
  bindExtents?: string;
  realDevice?: boolean;
  direct?: boolean;
  unsafeNoBoundsChecks?: boolean;
  verifierLog?: string;
  chain?: string;
  argsFile?: string;
  batch?: string;
  threads?: string;
  readAhead?: string;
  cache: boolean;
  verbose?: boolean;
}

const RUN_TARGETS: readonly TargetName[] = ["sim", "linux"];
const CHAIN_MODES: readonly ChainMode[] = ["kernel", "step"];
const READ_AHEADS: readonly ReadAhead[] = ["random", "normal"];

export function registerRun(program: Command): void {
  program
    .command("run")
    .description(CATALOGUE.run.summary)
    .argument("<file>", "the .ioc program")
    .addOption(
      valuesOption(
        "--target <target>",
        "vm (iochain's VM) or linux (the kernel, through bpf())",
        RUN_TARGETS.map(targetLabel),
        "vm",
      ),
    )
    .requiredOption(
      "--data <file>",
      "the data file the chain reads; NAME=PATH for each file a program that reads several names (repeat)",
      collectNamedPath,
    )
    .option("--arg <name=value>", "a parameter (repeat for each)", collectArg)
    .option("--json", "print the result as JSON")
    .option(
      "--data-extents <json>",
      "the data file's current extent table (JSON from iochain extents -o); NAME=JSON per named file",
      collectNamedPath,
    )
    .addOption(
      renamedOption(
        "--extents",
        "--data-extents (the data file's current extent table) or --bind-extents (bind at compile time)",
      ),
    )
    .option("--bind-extents <json>", "bind the program to this extent table at compile time")
    .option("--real-device", "read at translated device addresses (the device under the data file)")
    .option("--direct", "read with O_DIRECT")
    .option(...UNSAFE_FLAG)
    .option(...CACHE_FLAGS.noCache)
    .option(...CACHE_FLAGS.verbose)
    .option(
      "--verifier-log <file>",
      "if the kernel rejects the program, write the verifier's whole log here",
    )
    .addOption(
      valuesOption(
        "--chain <mode>",
        "linux: kernel (whole chains in one test run; the default) or step (a test run per hop)",
        CHAIN_MODES,
      ),
    )
    .option(
      "--args-file <file>",
      "one chain per line of JSON arguments (- for stdin); prints one JSON result per line",
    )
    .option("--batch <k>", `kernel chains per test run (1..${MAX_BATCH}, default ${DEFAULT_BATCH})`)
    .option(
      "--threads <t>",
      "with --args-file: worker threads, each with its own session (default 1)",
    )
    .addOption(
      valuesOption(
        "--read-ahead <mode>",
        "kernel chains: random (MADV_RANDOM, the default) or normal (the kernel's read-around)",
        READ_AHEADS,
      ),
    )
    .action(async (file: string, opts: RunCliOptions) => {
      const args = opts.arg ?? {};
      const target = parseTarget<TargetName>(opts.target, RUN_TARGETS);
      const { artifact } = await compileFile({
        file,
        bindExtents: opts.bindExtents,
        unsafeNoBoundsChecks: opts.unsafeNoBoundsChecks,
        cache: opts.cache,
        verbose: opts.verbose,
      });
      const options: SessionOptions = {
        target,
        ...dataOption(opts.data, opts.dataExtents),
        realDevice: opts.realDevice,
        direct: opts.direct,
        chain:
          opts.chain === undefined
            ? undefined
            : parseChoice<ChainMode>("--chain", opts.chain, CHAIN_MODES),
        batch:
          opts.batch === undefined ? undefined : parseCount("--batch", opts.batch, 1, MAX_BATCH),
        readAhead:
          opts.readAhead === undefined
            ? undefined
            : parseChoice<ReadAhead>("--read-ahead", opts.readAhead, READ_AHEADS),
      };
      const threads =
        opts.threads === undefined ? 1 : parseCount("--threads", opts.threads, 1, 256);
      if (opts.argsFile !== undefined) {
        if (Object.keys(args).length > 0)
          throw new IochainError(
            "E0910",
            "--arg and --args-file cannot be combined",
            undefined,
            "put every argument set in the file, one JSON object per line",
          );
        const file = readArgsFile(opts.argsFile);
        checkArgs(artifact, file);
        const argsList = file.args;
        await withVerifierLog(opts.verifierLog, () =>
          runBatchCli(artifact, options, argsList, threads),
        );
        return;
      }
      if (threads > 1)
        throw new IochainError(
          "E0910",
          "--threads needs --args-file (one chain runs on one thread)",
        );
      const result = withVerifierLog(opts.verifierLog, () => {
        const session = openSession(artifact, options);
        try {
          if (session.fallback) process.stderr.write(`note: ${session.fallback}\n`);
          return session.run(args);
        } finally {
          session.close();
        }
      });
      process.stdout.write(opts.json ? formatResultJson(result) : formatResultText(result));
      if (result.status === "failed") process.exitCode = 2;
    });
}

/** Every argument set fits the program's parameters, or the error names its line. */
function checkArgs(artifact: ProgramArtifact, file: ArgsFile): void {
  file.args.forEach((args, i) => {
    try {
      encodeArgs(artifact.params, args);
    } catch (err) {
      if (err instanceof IochainError)
        throw new IochainError(
          err.diagnostic.code,
          `${file.where[i]}: ${err.diagnostic.message}`,
          undefined,
          err.diagnostic.hint,
        );
      throw err;
    }
  });
}

/** Runs every argument set, prints one JSON result per line in input order, and a summary on stderr. */
async function runBatchCli(
  artifact: ProgramArtifact,
  options: SessionOptions,
  argsList: Record<string, ArgValue>[],
  threads: number,
): Promise<void> {
  let results: ChainResult[];
  let ns: number;
  let syscalls: number;
  if (threads > 1) {
    // The workers print the lines themselves: one string back instead of every result object.
    const run = await runThreaded(artifact, options, argsList, threads, "json");
    if (run.fallback) process.stderr.write(`note: ${run.fallback}\n`);
    process.stdout.write(run.results);
    process.stderr.write(batchSummary(summaryOf(run.results), run.ns, run.syscalls) + "\n");
    return;
  } else {
    const session = openSession(artifact, options);
    try {
      if (session.fallback) process.stderr.write(`note: ${session.fallback}\n`);
      const start = process.hrtime.bigint();
      results = session.runBatch(argsList);
      ns = Number(process.hrtime.bigint() - start);
      syscalls = sessionSyscalls(session, results);
    } finally {
      session.close();
    }
  }
  process.stdout.write(results.map((r) => JSON.stringify(resultToJson(r)) + "\n").join(""));
  process.stderr.write(batchSummary(results, ns, syscalls) + "\n");
}

/** What the summary line counts, from result objects or from the JSON lines. */
type Counted = Pick<ChainResult, "status" | "hops">;
const summaryOf = (jsonLines: string): Counted[] =>
  jsonLines
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Counted);

/** `N chains (D done, F failed) in S s: X chains/s, H hops/chain, C syscalls/chain`. */
export function batchSummary(results: readonly Counted[], ns: number, syscalls: number): string {
  const n = results.length;
  const done = results.filter((r) => r.status === "done").length;
  const failed = results.filter((r) => r.status === "failed").length;
  const seconds = ns / 1e9;
  const per = (x: number): string => (n === 0 ? "0" : (x / n).toFixed(2));
  const rate = seconds > 0 ? Math.round(n / seconds) : 0;
  const hops = results.reduce((s, r) => s + r.hops, 0);
  return `${n} chains (${done} done, ${failed} failed) in ${seconds.toFixed(3)} s: ${rate} chains/s, ${per(hops)} hops/chain, ${per(syscalls)} syscalls/chain`;
}

/** The human form: what happened, then the value, rows and aggregates. */
export function formatResultText(r: ChainResult): string {
  const lines = [
    r.status === "failed"
      ? `failed: ${r.error} after ${r.hops} block reads`
      : `${r.status} after ${r.hops} block reads${r.suspensions ? ` (${r.suspensions} suspensions)` : ""}`,
  ];
  if (r.value !== null) lines.push(`value: ${jsonScalar(r.value)}`);
  if (r.rows.length) {
    lines.push(`rows: ${r.rows.length}`);
    for (const row of r.rows.slice(0, 20))
      lines.push(
        "  " +
          Object.entries(row)
            .map(([k, v]) => `${k}=${jsonScalar(v)}`)
            .join(" "),
      );
    if (r.rows.length > 20) lines.push(`  ... ${r.rows.length - 20} more (--json prints them all)`);
  }
  for (const [k, v] of Object.entries(r.aggregates)) lines.push(`${k}: ${jsonScalar(v)}`);
  return lines.join("\n") + "\n";
}
