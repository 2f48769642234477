// iochain asm FILE [--syntax ubpf|llvm] -o OUT: assembly text → raw bytecode.
import type { Command } from "commander";
import { encode } from "../bpf/insn.js";
import { validate } from "../bpf/validate.js";
import { inputName, readText, STDIO, writeOutput } from "../files.js";
import { assemble, type AsmSyntax } from "./program-input.js";
import { parseChoice, valuesOption } from "./options.js";
import { CATALOGUE } from "./catalogue.js";

export function registerAsm(program: Command): void {
  program
    .command("asm")
    .description(CATALOGUE.asm.summary)
    .argument("<file>", "assembly source")
    .addOption(
      valuesOption("--syntax <syntax>", "ubpf or llvm (default: detected from the text)", [
        "ubpf",
        "llvm",
      ]),
    )
    .requiredOption("-o, --output <file>", "where to write the bytecode (- for standard output)")
    .option("--json", "print what was written as JSON (docs/schemas/asm.schema.json)")
    .action((file: string, opts: { syntax?: string; output: string; json?: boolean }) => {
      const syntax = opts.syntax
        ? parseChoice<AsmSyntax>("--syntax", opts.syntax, ["ubpf", "llvm"])
        : undefined;
      const insns = assemble(readText(file, "assembly file"), inputName(file), syntax);
      validate(insns, file);
      const bytes = encode(insns);
      writeOutput(opts.output, bytes);
      const report = opts.output === STDIO ? process.stderr : process.stdout;
      report.write(
        opts.json
          ? JSON.stringify({
              output: opts.output,
              instructions: insns.length,
              bytes: bytes.length,
            }) + "\n"
          : `${opts.output}: ${insns.length} instructions, ${bytes.length} bytes\n`,
      );
    });
}
