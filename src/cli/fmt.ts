// iochain fmt [--check] FILE... | -
// Rewrites each file in place (atomically), as rustfmt does; --check only reports the files that
// would change (exit 1); `-` reads stdin and writes stdout. A file that does not parse is not
// touched: its syntax error is printed (exit 2). Formatting is the prettier plugin in
// src/fmt/plugin.ts.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { IochainError, render } from "../diagnostics.js";
import { readText, writeFileAtomic } from "../files.js";
import { formatIoc } from "../fmt/format.js";

export function registerFmt(program: Command): void {
  program
    .command("fmt")
    .description("format .ioc files in place (--check: only report; -: stdin to stdout)")
    .argument("<files...>", ".ioc files, or - for stdin")
    .option("--check", "report files that are not formatted (exit 1), change nothing")
    .action(async (files: string[], opts: { check?: boolean }) => {
      let unformatted = 0;
      for (const file of files) {
        let out: string;
        let source: string | undefined;
        try {
          source = file === "-" ? readFileSync(0, "utf8") : readText(file);
          out = await formatIoc(source, undefined, file === "-" ? "<stdin>" : file);
        } catch (err) {
          if (!(err instanceof IochainError)) throw err;
          process.stderr.write(render(err.diagnostic, source) + "\n");
          process.exitCode = 2;
          continue;
        }
        if (file === "-") {
          process.stdout.write(out);
          continue;
        }
        if (out === source) continue;
        unformatted++;
        if (opts.check) process.stdout.write(`${file}: not formatted\n`);
        else writeFileAtomic(file, out, { durable: true });
      }
      if (opts.check && unformatted > 0 && process.exitCode !== 2) process.exitCode = 1;
    });
}
