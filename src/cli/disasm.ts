// iochain disasm FILE: raw bytecode or an ELF object, listed as `llvm-objdump -d` prints it.
import type { Command } from "commander";
import { disassemble, disassembleUbpf } from "../bpf/disasm.js";
import { disassembleObject } from "../bpf/elf/objdump.js";
import { readElf } from "../bpf/elf/reader.js";
import { decode } from "../bpf/insn.js";
import { parseChoice, valuesOption } from "./options.js";
import { isElf, readProgramBytes } from "./program-input.js";
import { CATALOGUE } from "./catalogue.js";
import { objectJson, rawJson } from "./disasm-json.js";
import { inputName, STDIO, writeOutput } from "../files.js";

const SYNTAXES = ["llvm", "ubpf"] as const;

export function registerDisasm(program: Command): void {
  program
    .command("disasm")
    .description(CATALOGUE.disasm.summary)
    .argument("<file>", "raw bytecode (.bin) or ELF object (.o)")
    .addOption(
      valuesOption("--syntax <syntax>", "llvm (as llvm-objdump) or ubpf", SYNTAXES, "llvm"),
    )
    .option("--no-raw-insn", "leave out the instruction bytes")
    .option("-r, --relocations", "show relocations under the instructions they patch (ELF)")
    .option(
      "--lossless",
      "spell out what llvm-objdump leaves ambiguous (local vs helper calls, ld_pseudo's second imm) so the listing assembles back to the same bytes",
    )
    .option(
      "--json",
      "print the listing as JSON: each instruction's offset, bytes, text and source line (docs/schemas/disasm.schema.json)",
    )
    .action(
      (
        file: string,
        opts: {
          syntax: string;
          rawInsn: boolean;
          relocations?: boolean;
          lossless?: boolean;
          json?: boolean;
        },
      ) => {
        const syntax = parseChoice("--syntax", opts.syntax, SYNTAXES);
        const bytes = readProgramBytes(file);
        if (opts.json) {
          const lossless = opts.lossless === true;
          const listing = isElf(bytes)
            ? objectJson(readElf(bytes, file), lossless)
            : rawJson(inputName(file), decode(bytes, file), lossless);
          writeOutput(STDIO, JSON.stringify(listing, null, 2) + "\n");
          return;
        }
        if (isElf(bytes)) {
          process.stdout.write(
            disassembleObject(readElf(bytes, file), {
              rawInsn: opts.rawInsn,
              relocations: opts.relocations,
              lossless: opts.lossless,
            }),
          );
          return;
        }
        const insns = decode(bytes, file);
        process.stdout.write(
          syntax === "ubpf"
            ? disassembleUbpf(insns)
            : disassemble(insns, { rawInsn: opts.rawInsn, lossless: opts.lossless }),
        );
      },
    );
}
