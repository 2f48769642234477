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

/** `file:line:col: error[E0xxx]: message` — the one-line form. */
export function renderOneLine(d: Diagnostic): string {
  return `${locationPrefix(d.pos)}${d.severity}[${d.code}]: ${d.message}`;
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
      const width = Math.max(1, end - d.pos.col);
      lines.push(` ${num} | ${text}`);
      lines.push(` ${gutter} | ${" ".repeat(Math.max(0, d.pos.col - 1))}${"^".repeat(width)}`);
    }
  }
  if (d.hint) lines.push(`   = hint: ${d.hint}`);
  for (const n of d.notes ?? []) lines.push(`   = note: ${n}`);
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
