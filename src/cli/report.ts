// How the CLI reports failure: a diagnostic per problem on standard error (rendered, coloured on a
// terminal, or one JSON object per line under --json), commander's usage errors turned into
// diagnostics with a code and a hint, and the exit codes of docs/cli.md.
import { CommanderError } from "commander";
import { type Diagnostic, IochainError, render, toDiagnostics } from "../diagnostics.js";
import { sourceText } from "../files.js";

/** Exit codes, the same for every command (docs/cli.md). */
export const EXIT = {
  /** The command did what was asked (for run: the chain ended done or suspended). */
  ok: 0,
  /** An error: bad input, a usage error, a file that cannot be read, a refused program. */
  error: 1,
  /** run: the program ran and its chain failed (a user error or a runtime check). */
  chainFailed: 2,
} as const;

/**
 * Colour when the stream is a terminal; NO_COLOR (any non-empty value) turns it off and
 * FORCE_COLOR (anything but 0 or false) on, whatever the stream (https://no-color.org).
 */
export function wantColour(stream: { isTTY?: boolean }, env = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (force === "0" || force === "false") return false;
  return !!stream.isTTY && env.TERM !== "dumb";
}

const SGR = { bold: "1", red: "31", yellow: "33", cyan: "36", blue: "34" } as const;
const paint = (codes: string[], text: string): string => `\x1b[${codes.join(";")}m${text}\x1b[0m`;

/** Colours a rendered diagnostic: the severity and code, the underline, the gutter, the hint. */
export function colourise(rendered: string): string {
  return rendered
    .split("\n")
    .map((line, i) => {
      if (i === 0)
        return line.replace(/\b(error|warning|note)(\[E\d{4}\])/, (_m, sev: string, code: string) =>
          paint([SGR.bold, sev === "error" ? SGR.red : SGR.yellow], sev + code),
        );
      const gutter = /^( *\d* \| )(.*)$/.exec(line);
      if (gutter) {
        const body = /^ *\^+$/.test(gutter[2])
          ? gutter[2].replace(/\^+/, (u) => paint([SGR.bold, SGR.red], u))
          : gutter[2];
        return paint([SGR.bold, SGR.blue], gutter[1]) + body;
      }
      return line.replace(/^( {3}= (?:hint|note):)/, (h) => paint([SGR.bold, SGR.cyan], h));
    })
    .join("\n");
}

/** A diagnostic as one JSON object: code, message, file, line, column, hint (schema: docs/schemas). */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    file: d.pos?.file ?? null,
    line: d.pos?.line ?? null,
    column: d.pos?.col ?? null,
    hint: d.hint ?? null,
    ...(d.notes?.length ? { notes: d.notes } : {}),
  };
}

/** One diagnostic as the user sees it: JSON under --json, else rendered (coloured on a terminal). */
export function formatDiagnostic(d: Diagnostic, json: boolean): string {
  if (json) return JSON.stringify(diagnosticJson(d));
  const text = render(d, d.pos ? sourceText(d.pos.file) : undefined);
  return wantColour(process.stderr) ? colourise(text) : text;
}

/** Prints a diagnostic for anything a command throws; never a stack trace. Returns the exit code. */
export function reportError(err: unknown, json = false): number {
  for (const d of toDiagnostics(err)) process.stderr.write(formatDiagnostic(d, json) + "\n");
  return EXIT.error;
}

/** commander's own exits: help and version are not errors. */
export const isHelpOrVersion = (err: CommanderError): boolean =>
  ["commander.help", "commander.helpDisplayed", "commander.version"].includes(err.code);

/** A usage error of commander's (missing option, unknown option, ...) as a diagnostic. */
export function usageError(err: CommanderError, command: string | undefined): IochainError {
  const message = err.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ");
  const help = command ? `iochain ${command} --help` : "iochain --help";
  switch (err.code) {
    case "commander.missingMandatoryOptionValue":
    case "commander.missingArgument":
    case "commander.optionMissingArgument":
      return new IochainError("E0913", message, undefined, `${help} lists what it needs`);
    case "commander.unknownCommand":
      return new IochainError("E0914", message, undefined, "iochain --help lists the commands");
    default:
      return new IochainError("E0914", message, undefined, `${help} lists the options`);
  }
}
