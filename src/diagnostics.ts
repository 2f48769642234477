// Diagnostics shared by every part of iochain: one shape, rendered like rustc / bpftrace:
//
//   lookup.ioc:12:9: error[E0301]: unknown name `nodee`
//      12 |     if nodee.kind == 0 {
//         |        ^^^^^
//      = hint: did you mean `node`?
//
// Codes are stable; docs/errors.md lists every one.

/** Where something came from in a source file (an .ioc line, an assembler line). */
export interface SourcePos {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  endLine?: number;
  endCol?: number;
}

export type Severity = "error" | "warning" | "note";

export interface Diagnostic {
  severity: Severity;
  code: string; // "E0301"
  message: string;
  pos?: SourcePos;
  hint?: string;
  notes?: string[];
}

/** Any failure iochain reports to a user. Carries a diagnostic instead of a stack trace. */
export class IochainError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(code: string, message: string, pos?: SourcePos, hint?: string) {
    super(message);
    this.name = "IochainError";
    this.diagnostic = { severity: "error", code, message, pos, hint };
  }
  get code(): string {
    return this.diagnostic.code;
  }
  get pos(): SourcePos | undefined {
    return this.diagnostic.pos;
  }
}

/** Errors of the eBPF core: bytecode framing, assembler, validation. */
export class BpfError extends IochainError {
  constructor(code: string, message: string, pos?: SourcePos, hint?: string) {
    super(code, message, pos, hint);
    this.name = "BpfError";
  }
}

/** Several diagnostics at once (a checker reports all it finds, not just the first). */
export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join("; "));
    this.name = "DiagnosticsError";
  }
}

export function locationPrefix(pos: SourcePos | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}: ` : "";
}

/**
 * Characters a terminal would act on rather than show: C0 and C1 controls, DEL, and the bidi
 * overrides that reorder what is shown. They are written as visible escapes (`\x1b`, `\u{202e}`)
 * so that a hostile or binary file cannot retitle, recolour or garble the terminal.
 */
const INVISIBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

function escapeChar(c: string): string {
  const n = c.codePointAt(0)!;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
}

/** Text safe to print: every invisible character as a visible escape; tabs and newlines kept. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, escapeChar);
}

/** The one-line form, escaped: `file:line:col: error[E0xxx]: message`. */
export function renderOneLine(d: Diagnostic): string {
  return visible(`${locationPrefix(d.pos)}${d.severity}[${d.code}]: ${d.message}`).replace(
    /[\r\n]/g,
    (c) => escapeChar(c),
  );
}

/** Columns of source shown around the underline; a longer line is cut with `…` at either end. */
export const EXCERPT_COLUMNS = 100;

/**
 * The source line as shown, with the underline under the same characters: escapes widen a
 * character, a tab shows as one space, and a long line is cut to a window around the span.
 */
function excerpt(text: string, col: number, end: number): { shown: string; under: string } {
  const cells = Array.from(text, (c) => (c === "\t" ? " " : visible(c)));
  const first = Math.min(Math.max(col - 1, 0), cells.length);
  const last = Math.min(Math.max(end - 1, first + 1), cells.length + 1); // exclusive
  // A window of whole cells: up to 20 columns before the span, then as many as fit after.
  const total = cells.reduce((n, c) => n + c.length, 0);
  let lo = total <= EXCERPT_COLUMNS ? 0 : first;
  let width = 0;
  while (lo > 0 && width + cells[lo - 1].length <= 20) width += cells[--lo].length;
  let hi = lo;
  width = 0;
  while (hi < cells.length && width + cells[hi].length <= EXCERPT_COLUMNS)
    width += cells[hi++].length;
  const head = lo > 0 ? "…" : "";
  const tail = hi < cells.length ? "…" : "";
  const cols = (from: number, to: number): number =>
    cells.slice(from, to).reduce((n, c) => n + c.length, 0);
  const uFrom = head.length + cols(lo, first);
  const uWidth = Math.max(1, cols(first, Math.min(last, hi)) + (last > cells.length ? 1 : 0));
  return {
    shown: head + cells.slice(lo, hi).join("") + tail,
    under: " ".repeat(uFrom) + "^".repeat(uWidth),
  };
}

/** The full form: header, source line with an underline, hint and notes. */
export function render(d: Diagnostic, source?: string): string {
  const lines = [renderOneLine(d)];
  if (d.pos && source !== undefined) {
    const text = source.split(/\r?\n/)[d.pos.line - 1];
    if (text !== undefined) {
      const num = String(d.pos.line);
      const gutter = " ".repeat(num.length);
      const sameLine = d.pos.endLine === undefined || d.pos.endLine === d.pos.line;
      const end = sameLine && d.pos.endCol !== undefined ? d.pos.endCol : text.length + 1;
      const { shown, under } = excerpt(text, d.pos.col, Math.max(end, d.pos.col + 1));
      lines.push(` ${num} | ${shown}`);
      lines.push(` ${gutter} | ${under}`);
    }
  }
  if (d.hint) lines.push(`   = hint: ${visible(d.hint)}`);
  for (const n of d.notes ?? []) lines.push(`   = note: ${visible(n)}`);
  return lines.join("\n");
}

const INTERNAL_ERROR_HINT =
  "this is a bug in iochain; please report it with the input that caused it";

/**
 * The one way to report a state iochain did not expect ("cannot happen"): E0999 with the hint to
 * report it, never a raw stack trace. `throw internalError("what went wrong", pos)`.
 */
export function internalError(message: string, pos?: SourcePos): IochainError {
  return new IochainError("E0999", `internal error: ${message}`, pos, INTERNAL_ERROR_HINT);
}

/** Turns anything thrown into diagnostics; unexpected errors become an internal-error diagnostic. */
export function toDiagnostics(err: unknown): Diagnostic[] {
  if (err instanceof IochainError) return [err.diagnostic];
  if (err instanceof DiagnosticsError) return err.diagnostics;
  const message = err instanceof Error ? err.message : String(err);
  return [internalError(message).diagnostic];
}
