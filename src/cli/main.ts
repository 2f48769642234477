// The command-line entry: one file per command under src/cli/, registered here in the order
// `iochain --help` lists them.
import { Command, CommanderError } from "commander";
import { EXIT, isHelpOrVersion, reportError, usageError } from "./report.js";
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
  completion: async () => (await import("./completion.js")).registerCompletion,
};

/** The program with the named command, or with all of them when `name` is none of theirs. */
export async function buildProgram(name?: string): Promise<Command> {
  const program = new Command("iochain")
    .description("storage functions: compile to eBPF, run on the simulator or in the kernel")
    .version("0.1.0")
    .exitOverride()
    // Usage errors become diagnostics (report.ts): commander prints nothing of its own but help.
    .configureOutput({ outputError: () => undefined });
  const chosen =
    name !== undefined && Object.hasOwn(COMMANDS, name) ? [name] : Object.keys(COMMANDS);
  for (const register of await Promise.all(chosen.map((c) => COMMANDS[c]()))) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const json = argv.includes("--json");
  try {
    const program = await buildProgram(argv[2]);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (isHelpOrVersion(err)) {
        process.exitCode = EXIT.ok;
        return;
      }
      process.exitCode = reportError(usageError(err, commandName(argv[2])), json);
      return;
    }
    process.exitCode = reportError(err, json);
  }
}

const commandName = (arg: string | undefined): string | undefined =>
  arg !== undefined && Object.hasOwn(COMMANDS, arg) ? arg : undefined;
