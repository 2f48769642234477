// iochain vm FILE [--mem HEX] [--json]: runs a program on the VM with r1 = memory, r2 = its length
// (the bpf_conformance convention) and prints r0 and the instructions executed.
import type { Command } from "commander";
import { createVm, DEFAULT_BUDGET, type Engine } from "../runtime/vm/index.js";
import { parseHex } from "../files.js";
import { parseChoice, parseCount, valuesOption } from "./options.js";
import { readProgram, type AsmSyntax } from "./program-input.js";
import { CATALOGUE } from "./catalogue.js";

interface VmOptions {
  mem?: string;
  json?: boolean;
  engine: string;
  budget: string;
  syntax?: string;
  section?: string;
}

export function registerVm(program: Command): void {
  program
    .command("vm")
    .description(CATALOGUE.vm.summary)
    .argument("<file>", "raw bytecode, an ELF object, or assembly (uBPF or LLVM syntax)")
    .option("--mem <hex>", "memory the program sees through r1, as hex bytes")
    .option("--json", "print {r0, r0_hex, insns, mem} as JSON")
    .addOption(
      valuesOption(
        "--engine <engine>",
        "fast (translated) or reference (interpreter)",
        ["fast", "reference"],
        "fast",
      ),
    )
    .option("--budget <n>", "instructions the run may execute", String(DEFAULT_BUDGET))
    .addOption(
      valuesOption("--syntax <syntax>", "assembly syntax when FILE is text: ubpf or llvm", [
        "ubpf",
        "llvm",
      ]),
    )
    .option("--section <name>", "which executable section of an ELF object")
    .action(async (file: string, opts: VmOptions) => {
      const engine = parseChoice<Engine>("--engine", opts.engine, ["fast", "reference"]);
      const syntax = opts.syntax
        ? parseChoice<AsmSyntax>("--syntax", opts.syntax, ["ubpf", "llvm"])
        : undefined;
      const budget = parseCount("--budget", opts.budget);
      const mem = opts.mem !== undefined ? parseHex(opts.mem, "--mem") : new Uint8Array(0);
      const { insns } = await readProgram(file, syntax, opts.section);
      const vm = createVm(insns, { engine, budget, file });
      const { r0, insnCount } = vm.run({ mem, r1: "mem", r2: BigInt(mem.length) });
      if (opts.json) {
        const r0Json = r0 <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r0) : r0.toString();
        const out = {
          r0: r0Json,
          r0_hex: `0x${r0.toString(16)}`,
          insns: insnCount,
          mem: Buffer.from(mem).toString("hex"),
        };
        process.stdout.write(JSON.stringify(out) + "\n");
      } else {
        process.stdout.write(
          `r0 = 0x${r0.toString(16)} (${r0})\ninstructions executed: ${insnCount}\n`,
        );
      }
    });
}
