// The command-line entry: one file per command under src/cli/, registered here in the order
// `iochain --help` lists them.
import { Command, CommanderError, Option } from "commander";
import { IochainError } from "../diagnostics.js";
import { CATALOGUE } from "./catalogue.js";
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
  sim: async () => (await import("./sim.js")).registerSim,
  completion: async () => (await import("./completion.js")).registerCompletion,
  lint: async () => (await import("./lint.js")).registerLint,
  fmt: async () => (await import("./fmt.js")).registerFmt,
  lsp: async () => (await import("./lsp.js")).registerLsp,
};

/**
 * The program with the named command. Any other first word (--help, --version, help, none, a
 * mistyped command) gets the catalogue's stand-ins, which commander lists and suggests from
 * without loading a command; `help NAME` loads NAME for its help.
 */
export async function buildProgram(name?: string, next?: string): Promise<Command> {
  const program = new Command("iochain")
    .description("storage functions: compile to eBPF, run on the VM or in the kernel")
    .version("0.1.0")
    .exitOverride()
    // Usage errors become diagnostics (report.ts): commander prints nothing of its own but help.
    .configureOutput({ outputError: () => undefined });
  const wanted = name === "help" ? next : name;
  if (wanted !== undefined && Object.hasOwn(COMMANDS, wanted)) {
    (await COMMANDS[wanted]())(program);
    return program;
  }
  if (name === undefined) {
    // Every command, registered for real (completion scripts list their options).
    for (const register of await Promise.all(Object.values(COMMANDS).map((c) => c())))
      register(program);
    return program;
  }
  for (const [command, entry] of Object.entries(CATALOGUE)) {
    const stub = program.command(command).description(entry.summary);
    for (const arg of entry.args) stub.argument(arg);
    // commander writes "[options]" for a command with options: all but completion have some.
    if (command !== "completion") stub.addOption(new Option("--options").hideHelp());
    // Reached only when something came before the command's name (`iochain --json run ...`).
    stub.action(() => {
      throw new IochainError(
        "E0914",
        `\`${command}\` comes first: iochain ${command} [options]`,
        undefined,
        `iochain ${command} --help lists its options`,
      );
    });
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const json = argv.includes("--json");
  try {
    // No first word is a request for the help: list the catalogue, not every command.
    const program = await buildProgram(argv[2] ?? "--help", argv[3]);
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
