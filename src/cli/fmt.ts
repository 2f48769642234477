// iochain fmt [--check] FILE... | -
// Rewrites each file in place (atomically), as rustfmt does; --check only reports the files that
// would change (exit 1); `-` reads stdin and writes stdout. Formatting is the prettier plugin in
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
        if (file === "-") {
          const out = await formatIoc(readFileSync(0, "utf8"));
          process.stdout.write(out);
          continue;
        }
        let source: string;
        try {
          source = readText(file);
        } catch (err) {
          process.stderr.write(render((err as IochainError).diagnostic) + "\n");
          process.exitCode = 2;
          continue;
        }
        const out = await formatIoc(source);
        if (out === source) continue;
        unformatted++;
        if (opts.check) process.stdout.write(`${file}: not formatted\n`);
        else writeFileAtomic(file, out, { durable: true });
      }
      if (opts.check && unformatted > 0 && process.exitCode !== 2) process.exitCode = 1;
    });
}
