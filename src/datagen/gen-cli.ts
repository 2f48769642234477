// The generators' command line: `node dist/examples/<name>/gen.js OUT [--seed N] [--keys N] ...`.
// Each gen.ts declares its options; this parses them, writes the file atomically and prints a
// one-line JSON summary.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../files.js";
import { IochainError, renderOneLine, toDiagnostics } from "../diagnostics.js";

export function badOption(message: string, hint?: string): never {
  throw new IochainError("E0936", message, undefined, hint);
}

/** True when the module at `metaUrl` is the script node was started with. */
export function isMain(metaUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(metaUrl));
  } catch {
    return false;
  }
}

export function intOption(
  values: Record<string, unknown>,
  name: string,
  lo: number,
  hi: number,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < lo || n > hi)
    badOption(`--${name} must be an integer in ${lo}..${hi}, got ${JSON.stringify(raw)}`);
  return n;
}

export interface GenCli {
  usage: string;
  /** Options besides the output path; every one takes a value except the booleans. */
  strings: string[];
  booleans?: string[];
  /** Builds the file from the parsed options; returns the bytes and a summary to print. */
  build(values: Record<string, unknown>): { bytes: Uint8Array; summary: Record<string, unknown> };
}

/** Runs a generator's command line; returns the exit code. */
export function runGenCli(cli: GenCli, argv: string[]): number {
  try {
    const options: Record<string, { type: "string" | "boolean" }> = {};
    for (const s of cli.strings) options[s] = { type: "string" };
    for (const b of cli.booleans ?? []) options[b] = { type: "boolean" };
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (err) {
      badOption((err as Error).message, cli.usage);
    }
    if (parsed.positionals.length !== 1) badOption("name one output file", cli.usage);
    const out = parsed.positionals[0];
    const { bytes, summary } = cli.build(parsed.values);
    writeFileAtomic(out, bytes);
    process.stdout.write(
      JSON.stringify({ file: out, bytes: bytes.length, ...summary }, (_k, v) =>
        typeof v === "bigint" ? v.toString() : v,
      ) + "\n",
    );
    return 0;
  } catch (err) {
    for (const d of toDiagnostics(err))
      process.stderr.write(renderOneLine(d) + (d.hint ? `\n   = hint: ${d.hint}` : "") + "\n");
    return 1;
  }
}
