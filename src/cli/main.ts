// The command-line entry: one file per command under src/cli/, registered here in the order
// `iochain --help` lists them.
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { render, toDiagnostics } from "../diagnostics.js";
import { registerAsm } from "./asm.js";
import { registerCompile } from "./compile.js";
import { registerDemo } from "./demo.js";
import { registerDisasm } from "./disasm.js";
import { registerExtents } from "./extents.js";
import { registerLoad } from "./load.js";
import { registerRun } from "./run.js";
import { registerVm } from "./vm.js";

export function buildProgram(): Command {
  const program = new Command("iochain")
    .description("storage functions: compile to eBPF, lint, run on the simulator or in the kernel")
    .version("0.1.0")
    .exitOverride();
  registerDemo(program);
  registerCompile(program);
  registerRun(program);
  registerAsm(program);
  registerDisasm(program);
  registerVm(program);
  registerExtents(program);
  registerLoad(program);
  return program;
}

/** Prints a diagnostic for anything a command throws; never a stack trace. */
export function reportError(err: unknown): number {
  for (const d of toDiagnostics(err)) {
    let source: string | undefined;
    if (d.pos) {
      try {
        source = readFileSync(d.pos.file, "utf8");
      } catch {
        source = undefined;
      }
    }
    process.stderr.write(render(d, source) + "\n");
  }
  return 1;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.exitCode = reportError(err);
  }
}
