// iochain run FILE --target sim|linux --data DATA --arg NAME=VALUE ... [--json]
import type { Command } from "commander";
import type { ArgValue } from "../runtime/args.js";
import type { ChainResult } from "../runtime/driver.js";
import { formatResultJson, jsonScalar } from "../runtime/result-json.js";
import { runProgram, type TargetName } from "../runtime/run-program.js";
import { compileFile, UNSAFE_FLAG } from "./compile.js";
import { parseChoice } from "./options.js";
import { collectArg } from "./run-args.js";
import { withVerifierLog } from "./verifier-log.js";

interface RunCliOptions {
  target: string;
  data: string;
  arg: Record<string, ArgValue>;
  json?: boolean;
  extents?: string;
  bindExtents?: string;
  realDevice?: boolean;
  direct?: boolean;
  unsafeNoBoundsChecks?: boolean;
  verifierLog?: string;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("compile a storage function and run one chain over a data file")
    .argument("<file>", "the .ioc program")
    .option("--target <target>", "sim (our VM) or linux (the kernel, through bpf())", "sim")
    .requiredOption("--data <file>", "the data file the chain reads")
    .option("--arg <name=value>", "a parameter (repeat for each)", collectArg, {})
    .option("--json", "print the result as JSON")
    .option("--extents <json>", "the data file's current extent table (the sim's JSON)")
    .option("--bind-extents <json>", "bind the program to this extent table at compile time")
    .option("--real-device", "read at translated device addresses (the device under the data file)")
    .option("--direct", "read with O_DIRECT")
    .option(...UNSAFE_FLAG)
    .option(
      "--verifier-log <file>",
      "if the kernel rejects the program, write the verifier's whole log here",
    )
    .action((file: string, opts: RunCliOptions) => {
      const target = parseChoice<TargetName>("--target", opts.target, ["sim", "linux"]);
      const { artifact } = compileFile(
        file,
        opts.bindExtents,
        undefined,
        undefined,
        opts.unsafeNoBoundsChecks,
      );
      const result = withVerifierLog(opts.verifierLog, () =>
        runProgram(artifact, {
          target,
          data: opts.data,
          args: opts.arg,
          extents: opts.extents,
          realDevice: opts.realDevice,
          direct: opts.direct,
        }),
      );
      process.stdout.write(opts.json ? formatResultJson(result) : formatResultText(result));
      if (result.status === "failed") process.exitCode = 2;
    });
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
