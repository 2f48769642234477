// iochain compile FILE --target sim|linux [-o OUT] [--emit raw|asm|ir]
import type { Command } from "commander";
import { encode } from "../bpf/insn.js";
import type { ProgramArtifact } from "../compiler/artifact.js";
import { formatListing } from "../compiler/listing.js";
import { printModule } from "../compiler/ir-print.js";
import { compile } from "../compiler/pipeline.js";
import { IochainError } from "../diagnostics.js";
import { loadExtents } from "../runtime/run-program.js";
import { readText, writeFileAtomic } from "./io.js";
import { parseChoice } from "./options.js";

const TARGETS = ["sim", "linux"] as const;
const EMITS = ["raw", "asm", "ir"] as const;
type Emit = (typeof EMITS)[number];

interface CompileCliOptions {
  target: string;
  output?: string;
  emit?: string;
  extents?: string;
  dumpIr?: boolean;
}

/** Compiles FILE; the source text is kept for listings and diagnostics. */
export function compileFile(file: string, extents?: string, dump?: (stage: string, text: string) => void): { artifact: ProgramArtifact; source: string } {
  const source = readText(file, "iochain source");
  const artifact = compile(source, file, {
    extents: extents ? loadExtents(extents) : undefined,
    dump: dump ? (stage, m) => dump(stage, printModule(m)) : undefined,
  });
  return { artifact, source };
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("compile a storage function to eBPF")
    .argument("<file>", "the .ioc program")
    .option("--target <target>", `where it will run: ${TARGETS.join(", ")}`, "sim")
    .option("-o, --output <file>", "where to write it (default: a listing on standard output)")
    .option("--emit <form>", "raw (bytecode), asm (annotated listing) or ir (the IR after optimisation)")
    .option("--extents <json>", "bind the program to this extent table at compile time")
    .option("--dump-ir", "print the IR after lowering and after each pass (standard error)")
    .action((file: string, opts: CompileCliOptions) => {
      parseChoice("--target", opts.target, TARGETS);
      const emit: Emit = opts.emit ? parseChoice("--emit", opts.emit, EMITS) : opts.output ? "raw" : "asm";
      let lastIr = "";
      // Printing the IR costs as much as a pass: only when asked for.
      const wantIr = opts.dumpIr || emit === "ir";
      const { artifact, source } = compileFile(file, opts.extents, wantIr ? (stage, text) => {
        lastIr = text;
        if (opts.dumpIr) process.stderr.write(`; ---- after ${stage}\n${text}\n`);
      } : undefined);
      const out =
        emit === "raw" ? encode(artifact.insns) : emit === "ir" ? lastIr : formatListing(artifact, new Map([[file, source]]));
      if (!opts.output) {
        if (emit === "raw") {
          throw new IochainError("E0911", "--emit raw writes bytecode: give -o FILE", undefined, "or use --emit asm to see a listing");
        }
        process.stdout.write(out);
        return;
      }
      writeFileAtomic(opts.output, out);
      process.stdout.write(`${opts.output}: ${artifact.name}, ${artifact.insns.length} instructions (${emit}, target ${opts.target})\n`);
    });
}
