// The command-line entry: one file per command under src/cli/, registered here in the order
// `iochain --help` lists them.
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { render, toDiagnostics } from "../diagnostics.js";
type Register = (program: Command) => void;

/**
 * The commands in `iochain --help` order. Each is loaded only when it runs (or for --help), so
 * `iochain disasm` does not pay for loading the compiler and `iochain compile` not for koffi.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  demo: async () => (await import("./demo.js")).registerDemo,
  compile: async () => (await import("./compile.js")).registerCompile,
  run: async () => (await import("./run.js")).registerRun,
  asm: async () => (await import("./asm.js")).registerAsm,
  disasm: async () => (await import("./disasm.js")).registerDisasm,
  vm: async () => (await import("./vm.js")).registerVm,
  extents: async () => (await import("./extents.js")).registerExtents,
  load: async () => (await import("./load.js")).registerLoad,
  lint: async () => (await import("./lint.js")).registerLint,
  fmt: async () => (await import("./fmt.js")).registerFmt,
  lsp: async () => (await import("./lsp.js")).registerLsp,
};

/** The program with the named command, or with all of them when `name` is none of theirs. */
export async function buildProgram(name?: string): Promise<Command> {
  const program = new Command("iochain")
    .description("storage functions: compile to eBPF, run on the simulator or in the kernel")
    .version("0.1.0")
    .exitOverride();
  const chosen =
    name !== undefined && Object.hasOwn(COMMANDS, name) ? [name] : Object.keys(COMMANDS);
  for (const register of await Promise.all(chosen.map((c) => COMMANDS[c]()))) register(program);
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
  const program = await buildProgram(argv[2]);
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
