// The bpf_conformance plugin protocol: the program's bytes as hex on stdin (an ELF object with
// --elf), the memory as hex in the first argument; r1 = memory, r2 = its length. Prints r0 in hex
// and exits 0; on any error prints the message and exits 1.
import { readFileSync } from "node:fs";
import { decode } from "../bpf/insn.js";
import { renderOneLine, toDiagnostics } from "../diagnostics.js";
import { createVm } from "../runtime/vm/index.js";
import { readElfProgram } from "./elf-input.js";
import { parseHex } from "../files.js";

export function runPlugin(args: readonly string[], stdin: string): string {
  const elf = args.includes("--elf");
  const memArg = args.find((a) => !a.startsWith("--")) ?? "";
  const programBytes = parseHex(stdin, "the program on standard input");
  const insns = elf ? readElfProgram(programBytes, "<stdin>") : decode(programBytes, "<stdin>");
  const mem = parseHex(memArg, "the memory argument");
  const { r0 } = createVm(insns, { file: "<stdin>" }).run({
    mem,
    r1: "mem",
    r2: BigInt(mem.length),
  });
  return r0.toString(16);
}

export function main(argv: string[]): void {
  try {
    process.stdout.write(runPlugin(argv.slice(2), readFileSync(0, "utf8")) + "\n");
  } catch (err) {
    process.stdout.write(toDiagnostics(err).map(renderOneLine).join("\n") + "\n");
    process.exitCode = 1;
  }
}
