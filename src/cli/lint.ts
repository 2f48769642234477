// iochain lint FILE... [--target vm|linux|xrp] [--format text|json|sarif] [--kernel X.Y]
//                      [--deny-warnings] [--unsafe-no-bounds-checks] [--report bounds]
// Exit 0: no error finding (warnings too with --deny-warnings); 1: some; 2: usage or input errors
// (a file that cannot be read or does not compile).
import type { Command } from "commander";
import { IochainError, render } from "../diagnostics.js";
import { readText } from "../files.js";
import { lintSource, type LintResult } from "../lint/lint.js";
import { formatCount, formatKernel, type KernelVersion } from "../lint/rule.js";
import { DISTINGUISHED_KERNELS } from "../lint/rules/helpers-kernel.js";
import { toSarif } from "../lint/sarif.js";
import { parseChoice, parseTarget, targetLabel, valuesOption } from "./options.js";

const TARGETS = ["sim", "linux", "xrp"] as const;
const FORMATS = ["text", "json", "sarif"] as const;
/** `--report bounds`: a note per bounds check (E0718). */
const REPORTS = ["bounds"] as const;

function parseKernel(value: string): KernelVersion {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(value);
  if (!m)
    throw new IochainError(
      "E0907",
      `--kernel must be a version like 5.12 or 6.1, not '${value}'`,
      undefined,
      "try --kernel 6.1",
    );
  return [Number(m[1]), Number(m[2])];
}

interface LintCliOptions {
  target: string;
  format: string;
  kernel?: string;
  denyWarnings?: boolean;
  unsafeNoBoundsChecks?: boolean;
  report?: string;
}

export function registerLint(program: Command): void {
  program
    .command("lint")
    .description(
      "check programs against the verifier's and the storage stack's limits before loading them",
    )
    .argument("<files...>", ".ioc programs")
    .addOption(
      valuesOption("--target <target>", "vm, linux or xrp", TARGETS.map(targetLabel), "linux"),
    )
    .addOption(valuesOption("--format <format>", "text, json or sarif", FORMATS, "text"))
    .addOption(
      valuesOption(
        "--kernel <version>",
        "the kernel the program is for (5.12, 6.1, ...)",
        DISTINGUISHED_KERNELS.map(formatKernel),
      ),
    )
    .option("--deny-warnings", "exit 1 on warnings too")
    .option("--unsafe-no-bounds-checks", "lint as compiled with this option (reported as an error)")
    .option("--report <view>", "bounds: a note for each bounds check, elided or kept, and why")
    .action((files: string[], opts: LintCliOptions) => {
      let target: (typeof TARGETS)[number];
      let format: (typeof FORMATS)[number];
      let kernel: KernelVersion | undefined;
      try {
        target = parseTarget(opts.target, TARGETS);
        format = parseChoice("--format", opts.format, FORMATS);
        kernel = opts.kernel === undefined ? undefined : parseKernel(opts.kernel);
        if (opts.report !== undefined) parseChoice("--report", opts.report, REPORTS);
      } catch (err) {
        process.stderr.write(render((err as IochainError).diagnostic) + "\n");
        process.exitCode = 2;
        return;
      }
      const results: LintResult[] = [];
      const sources = new Map<string, string>();
      let inputError = false;
      for (const file of files) {
        let source: string;
        try {
          source = readText(file);
        } catch (err) {
          process.stderr.write(
            render(
              (err as IochainError).diagnostic ?? {
                severity: "error",
                code: "E0900",
                message: String(err),
              },
            ) + "\n",
          );
          inputError = true;
          continue;
        }
        sources.set(file, source);
        const r = lintSource(source, file, {
          target,
          kernel,
          unsafeNoBoundsChecks: opts.unsafeNoBoundsChecks,
          reportBounds: opts.report === "bounds",
        });
        if (r.compileFailed) inputError = true;
        results.push(r);
      }
      if (format === "sarif")
        process.stdout.write(JSON.stringify(toSarif(results, process.cwd()), null, 2) + "\n");
      else if (format === "json")
        process.stdout.write(
          JSON.stringify(
            results.map((r) => ({
              file: r.file,
              compiled: !r.compileFailed,
              processedEstimate: r.estimate?.processed,
              needsKernel: r.needsKernel,
              findings: r.diagnostics,
            })),
            null,
            2,
          ) + "\n",
        );
      else
        for (const r of results) {
          for (const d of r.diagnostics)
            process.stdout.write(
              render(d, sources.get(d.pos?.file ?? r.file) ?? sources.get(r.file)) + "\n",
            );
          if (r.estimate)
            process.stdout.write(
              `${r.file}: processed-instruction estimate ${formatCount(r.estimate.processed)} of 1,000,000; needs Linux ${r.needsKernel}\n`,
            );
        }
      const all = results.flatMap((r) => r.diagnostics);
      const errors = all.some((d) => d.severity === "error");
      const warnings = all.some((d) => d.severity === "warning");
      process.exitCode = inputError ? 2 : errors || (opts.denyWarnings && warnings) ? 1 : 0;
    });
}
