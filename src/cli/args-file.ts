// `iochain run --args-file FILE`: one JSON object of arguments per line ({"key": 42}), `-` for
// standard input. Integers may be JSON numbers or decimal strings; numbers are read from their
// text, so values beyond 2^53 keep every digit. Blank lines are skipped.
import { IochainError } from "../diagnostics.js";
import { readText } from "../files.js";
import type { ArgValue } from "../runtime/args.js";
import { parseArgValue } from "./run-args.js";

/** Bare JSON integers become strings before parsing, so that none loses digits. */
const BARE_INTEGER = /([:,[]\s*)(-?\d+)(?=\s*[,}\]])/g;

/** One argument set per non-blank line, and where each came from (`FILE:LINE`, for messages). */
export interface ArgsFile {
  args: Record<string, ArgValue>[];
  where: string[];
}

export function readArgsFile(path: string): ArgsFile {
  const text = readText(path, "arguments file");
  const out: ArgsFile = { args: [], where: [] };
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${path === "-" ? "<stdin>" : path}:${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.replace(BARE_INTEGER, '$1"$2"'));
    } catch (err) {
      throw new IochainError(
        "E0910",
        `${where}: not a JSON object: ${(err as Error).message}`,
        undefined,
        'one object per line, for example {"key": 42}',
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new IochainError(
        "E0910",
        `${where}: expected a JSON object of arguments`,
        undefined,
        'for example {"key": 42}',
      );
    }
    const args: Record<string, ArgValue> = {};
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === "boolean") args[name] = value;
      else if (typeof value === "string") args[name] = parseArgValue(name, value, where);
      else
        throw new IochainError(
          "E0910",
          `${where}: argument \`${name}\` must be an integer (a number or a decimal string) or a boolean`,
        );
    }
    out.args.push(args);
    out.where.push(where);
  });
  return out;
}
