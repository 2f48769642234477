// iochain lsp: the language server over stdio (src/lsp/server.ts).
import type { Command } from "commander";
import { startServer } from "../lsp/server.js";

export function registerLsp(program: Command): void {
  program
    .command("lsp")
    .description(
      "run the language server over stdio (diagnostics, lint, formatting, hover, definitions)",
    )
    .option("--stdio", "talk over stdin/stdout (the default and only transport)")
    .action(() => startServer());
}
