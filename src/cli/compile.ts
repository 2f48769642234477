// iochain compile FILE --target vm|linux|xrp [-o OUT] [--emit elf|raw|asm|ir|chain-header] [--batch K]
import type { Command } from "commander";
import { writeElf } from "../object/writer.js";
import { encode } from "../bpf/insn.js";
import { formatListing } from "../compiler/back/listing.js";
import { buildChainProgram, hasChainMaps } from "../compiler/targets/kernel-chain.js";
import { IochainError } from "../diagnostics.js";
import { compileFile } from "./artifact-cache.js";
import { inputName, readText, sourceText, STDIO, writeOutput } from "../files.js";
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
import { DEFAULT_BATCH, MAX_BATCH } from "../abi/chain.js";
import { chainAbiHeader, chainProgramDefines } from "../object/chain-header.js";
import { CATALOGUE } from "./catalogue.js";

const TARGETS = ["sim", "linux", "xrp"] as const;
const EMITS = ["elf", "raw", "asm", "ir", "chain-header"] as const;
type Emit = (typeof EMITS)[number];

/** What -o writes when --emit is not given: an object libbpf loads for linux, bytecode for the VM. */
const defaultEmit = (target: string, toFile: boolean): Emit =>
  !toFile ? "asm" : target === "sim" ? "raw" : "elf";

interface CompileCliOptions {
  target: string;
  output?: string;
  emit?: string;
  bindExtents?: string;
  dumpIr?: boolean;
  unsafeNoBoundsChecks?: boolean;
  batch?: string;
  json?: boolean;
  cache: boolean;
  verbose?: boolean;
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description(CATALOGUE.compile.summary)
    .argument("<file>", "the .ioc program")
    .addOption(
      valuesOption(
        "--target <target>",
        `where it will run: ${TARGETS.map(targetLabel).join(", ")}`,
        TARGETS.map(targetLabel),
        "vm",
      ),
    )
    .option("-o, --output <file>", "where to write it (default: a listing on standard output)")
    .addOption(
      valuesOption(
        "--emit <form>",
        "elf (an object for libbpf/bpftool; default for linux and xrp), raw (bytecode; default for vm), asm (annotated listing), ir, or chain-header (iochain_chain.h for C drivers, with this program's facts)",
        EMITS,
      ),
    )
    .option(
      "--batch <k>",
      `linux objects: records of the chain program <name>_chain, chains per test run (1..${MAX_BATCH}, default ${DEFAULT_BATCH})`,
    )
    .option("--bind-extents <json>", "bind the program to this extent table at compile time")
    .addOption(renamedOption("--extents", "--bind-extents"))
    .option("--json", "print what was written as JSON (docs/schemas/compile.schema.json)")
    .option("--dump-ir", "print the IR after lowering and after each pass (standard error)")
    .option(...UNSAFE_FLAG)
    .option(...CACHE_FLAGS.noCache)
    .option(...CACHE_FLAGS.verbose)
    .action(async (file: string, opts: CompileCliOptions) => {
      const target = parseTarget(opts.target, TARGETS);
      const emit: Emit = opts.emit
        ? parseChoice("--emit", opts.emit, EMITS)
        : defaultEmit(target, !!opts.output);
      if (emit === "elf" && target === "sim") {
        throw new IochainError(
          "E0912",
          `--emit elf makes an object for the kernel: it needs --target linux or xrp, not ${targetLabel(target)}`,
          undefined,
          "the vm target runs raw bytecode (--emit raw)",
        );
      }
      if (emit === "raw" && target === "xrp") {
        throw new IochainError(
          "E0912",
          "--target xrp writes an ELF object (XRP's loader reads ELF), not raw bytecode",
          undefined,
          "use --emit elf, or --emit asm for a listing",
        );
      }
      const batch =
        opts.batch === undefined ? DEFAULT_BATCH : parseCount("--batch", opts.batch, 1, MAX_BATCH);
      if (emit === "chain-header" && target !== "linux") {
        throw new IochainError(
          "E0912",
          `--emit chain-header describes kernel chains: it needs --target linux, not ${targetLabel(target)}`,
        );
      }
      let lastIr = "";
      // Printing the IR costs as much as a pass: only when asked for.
      const wantIr = opts.dumpIr || emit === "ir";
      const { artifact, source } = await compileFile({
        file,
        bindExtents: opts.bindExtents,
        dump: wantIr
          ? (stage, text) => {
              lastIr = text;
              if (opts.dumpIr) process.stderr.write(`; ---- after ${stage}\n${text}\n`);
            }
          : undefined,
        target,
        unsafeNoBoundsChecks: opts.unsafeNoBoundsChecks,
        cache: opts.cache,
        verbose: opts.verbose,
      });
      // linux objects carry the chain program beside the step program (docs/elf.md).
      const chain =
        target === "linux" && hasChainMaps(artifact)
          ? buildChainProgram(artifact, batch)
          : undefined;
      if (emit === "elf" && target === "linux" && !chain)
        process.stderr.write(
          `note: ${artifact.name} has no block and scratch maps: the object has no chain program\n`,
        );
      if (opts.batch !== undefined && target !== "linux")
        process.stderr.write(
          `note: --batch sizes the chain program of linux objects; --target ${targetLabel(target)} has none\n`,
        );
      const out =
        emit === "elf"
          ? writeElf(artifact, {
              target: target === "xrp" ? "xrp" : "linux",
              sourceText: source,
              readSource: sourceText,
              chain,
            })
          : emit === "chain-header"
            ? chainAbiHeader() + chainProgramDefines(artifact, batch)
            : emit === "raw"
              ? encode(artifact.insns)
              : emit === "ir"
                ? lastIr
                : formatListing(artifact, new Map([[inputName(file), source]]));
      const binary = emit === "raw" || emit === "elf";
      if (!opts.output || (opts.output === STDIO && binary && process.stdout.isTTY)) {
        if (binary) {
          throw new IochainError(
            "E0911",
            `--emit ${emit} writes binary output: give -o FILE (or -o - into a pipe)`,
            undefined,
            "or use --emit asm to see a listing",
          );
        }
      } else writeOutput(opts.output, out);
      const summary = {
        output: opts.output ?? null,
        name: artifact.name,
        instructions: artifact.insns.length,
        emit,
        target: targetLabel(target),
        chain_program: emit === "elf" && chain ? `${artifact.name}_chain` : null,
        batch: emit === "elf" && chain ? batch : null,
        ...(opts.output ? {} : { text: out as string }),
      };
      // With -o - standard output holds the program: the summary goes to standard error.
      const report = opts.output === STDIO ? process.stderr : process.stdout;
      if (opts.json) report.write(JSON.stringify(summary) + "\n");
      else if (!opts.output) process.stdout.write(out);
      else
        report.write(
          `${opts.output}: ${artifact.name}, ${artifact.insns.length} instructions (${emit}, target ${targetLabel(target)})${summary.chain_program ? `, chain program ${summary.chain_program} (batch ${batch})` : ""}\n`,
        );
      if (!opts.output) return;
      // docs/xrp.md: nothing here can load it, and its ABI is unverified against a real XRP kernel.
      if (target === "xrp")
        process.stderr.write(
          `note: ${opts.output} is for an XRP-patched kernel (BPF_PROG_TYPE_XRP): untested, it cannot be loaded here (docs/xrp.md)\n`,
        );
    });
}
