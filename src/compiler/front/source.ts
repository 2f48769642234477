// Source text facts shared by the parser and the checker: offsets → line/col spans, the limits a
// file must respect before it is parsed at all, and a small scan for lexical problems (unterminated
// comments/strings, stray characters) that a PEG failure would explain badly.
import { IochainError } from "../../diagnostics.js";
import type { Span } from "./ast.js";

export const MAX_SOURCE_BYTES = 1 << 20;

/**
 * How deep a program may nest: brackets of any kind (`(`, `[`, `{`), and within one expression
 * the levels its operators make (parse.ts). The parser, checker and lowering recurse over the
 * tree; past this they would run out of stack, so a deeper program is E0312 instead.
 */
export const MAX_NESTING = 128;

export function tooDeep(span: Span, what: string): IochainError {
  return new IochainError(
    "E0312",
    `${what} nest more than ${MAX_NESTING} levels deep`,
    span,
    "split it up with `let` bindings or functions",
  );
}

/** Operator characters: a run of them is one operator token (`+`, `<<=`, `..`, `->`). */
const OPERATOR_CHARS = new Set(Array.from("+-*/%&|^<>=!~.", (c) => c.charCodeAt(0)));

/**
 * Refuses, in one linear pass before the grammar runs, what would make the parser recurse or
 * backtrack without end: brackets nested deeper than MAX_NESTING, or one expression with more
 * than 4 × MAX_NESTING operators (150,000 terms took the PEG parser 5 s and 900 MB). The parser
 * applies the exact limit to what passes (parse.ts). `text` has comments blanked.
 */
export function nestingError(map: LineMap, text: string): IochainError | undefined {
  // Operators so far in the current expression of each open bracket level (0: outside any).
  const ops: number[] = [0];
  const exprStart: number[] = [0];
  // `else` keywords in the current if-chain of each level: an `else if` nests one level deeper.
  const elses: number[] = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: up to its closing quote (lexicalError has checked that there is one).
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++)
        if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x28 || c === 0x5b || c === 0x7b) {
      if (ops.length > MAX_NESTING) return tooDeep(map.span(i, i + 1), "brackets");
      ops.push(0);
      exprStart.push(i + 1);
      elses.push(0);
    } else if (c === 0x29 || c === 0x5d || c === 0x7d) {
      if (ops.length > 1) {
        ops.pop();
        exprStart.pop();
        elses.pop();
      }
      if (c === 0x7d) {
        ops[ops.length - 1] = 0; // a block ends a statement, and an if-chain unless `else` follows
        if (!/^\s*else\b/.test(text.slice(i + 1, i + 64))) elses[elses.length - 1] = 0;
      }
    } else if (c === 0x65 && text.startsWith("else", i) && !/\w/.test(text[i - 1] ?? "")) {
      if (!/\w/.test(text[i + 4] ?? "") && ++elses[elses.length - 1] > MAX_NESTING)
        return tooDeep(map.span(i, i + 4), "`else if` chains");
      i += 3;
    } else if (c === 0x3b || c === 0x2c) {
      ops[ops.length - 1] = 0;
      exprStart[exprStart.length - 1] = i + 1;
    } else if (OPERATOR_CHARS.has(c)) {
      while (i + 1 < text.length && OPERATOR_CHARS.has(text.charCodeAt(i + 1))) i++;
      if (++ops[ops.length - 1] > 4 * MAX_NESTING) {
        let from = exprStart[exprStart.length - 1];
        while (/\s/.test(text[from])) from++;
        return new IochainError(
          "E0312",
          `an expression has more than ${4 * MAX_NESTING} operators`,
          map.span(from, i + 1),
          "split it up with `let` bindings or functions",
        );
      }
    }
  }
  return undefined;
}

/** Maps character offsets of one source text to 1-based line/column positions. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(
    readonly file: string,
    readonly source: string,
  ) {
    for (let i = 0; i < source.length; i++)
      if (source.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  lineCol(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] + 1 };
  }

  span(start: number, end: number): Span {
    const a = this.lineCol(start);
    const b = this.lineCol(Math.max(start, end));
    return { file: this.file, line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }
}

/** Refuses sources that are too large, binary or empty, before any parsing. */
export function checkSourceLimits(source: string, file: string): void {
  const bytes = Buffer.byteLength(source, "utf8");
  if (bytes > MAX_SOURCE_BYTES) {
    throw new IochainError(
      "E0304",
      `${file} is ${bytes} bytes; source files may be at most ${MAX_SOURCE_BYTES} bytes (1 MiB)`,
      { file, line: 1, col: 1 },
      "split the program into modules and `import` them",
    );
  }
  const nul = source.indexOf("\0");
  if (nul >= 0) {
    const lines = new LineMap(file, source);
    throw new IochainError(
      "E0310",
      `${file} contains a NUL byte: it is not iochain source text`,
      lines.span(nul, nul + 1),
      "iochain sources are UTF-8 text files (.ioc)",
    );
  }
  if (stripComments(source).trim() === "") {
    throw new IochainError(
      "E0300",
      `${file} is empty: it has no items`,
      { file, line: 1, col: 1, endLine: 1, endCol: 2 },
      "a program needs at least a `storage fn`; see docs/language.md",
    );
  }
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, " ");
}

/**
 * The source with every comment replaced by spaces (newlines kept), so that offsets are unchanged
 * and the grammar only ever skips whitespace between tokens (grammar/iochain.ohm says why). Call
 * after `lexicalError` found nothing: comments and strings are terminated.
 */
export function blankComments(source: string): string {
  if (!source.includes("/")) return source;
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (c === 0x2f /* / */ && source[i + 1] === "/") {
      let end = source.indexOf("\n", i);
      if (end < 0) end = source.length;
      parts.push(source.slice(copied, i), " ".repeat(end - i));
      i = copied = end;
    } else if (c === 0x2f && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2) + 2;
      parts.push(source.slice(copied, i), source.slice(i, end).replace(/[^\n]/g, " "));
      i = copied = end;
    } else if (c === 0x22 /* " */) {
      i++;
      while (i < source.length && source[i] !== '"' && source[i] !== "\n")
        i += source[i] === "\\" ? 2 : 1;
      i++;
    } else {
      i++;
    }
  }
  parts.push(source.slice(copied));
  return parts.join("");
}

/**
 * A run of characters that may appear outside comments and strings, except `/` and `"` (which
 * may start one). Matched with one sticky regex per run: a scan by character in JavaScript was a
 * tenth of a cold compile.
 */
const ORDINARY_RUN = /[\sA-Za-z0-9{}[\]();:,.+\-*%<>=!&|^~_]+/y;

/**
 * Finds the lexical errors PEG failures describe poorly: an unterminated block comment or string,
 * and characters that can never start a token. Returns the first, or undefined.
 */
export function lexicalError(lines: LineMap): IochainError | undefined {
  const s = lines.source;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "/" && s[i + 1] === "/") {
      while (i < s.length && s[i] !== "\n") i++;
    } else if (c === "/" && s[i + 1] === "*") {
      const end = s.indexOf("*/", i + 2);
      if (end < 0) {
        return new IochainError(
          "E0302",
          "unterminated block comment",
          lines.span(i, i + 2),
          "close it with `*/` (block comments do not nest)",
        );
      }
      i = end + 2;
    } else if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"' && s[j] !== "\n") j += s[j] === "\\" ? 2 : 1;
      if (j >= s.length || s[j] !== '"') {
        return new IochainError(
          "E0303",
          "unterminated string",
          lines.span(i, Math.min(j, s.length)),
          'strings end with `"` on the same line',
        );
      }
      i = j + 1;
    } else if (c === "/") {
      i++; // division
    } else if (((ORDINARY_RUN.lastIndex = i), ORDINARY_RUN.test(s))) {
      i = ORDINARY_RUN.lastIndex;
    } else {
      const cp = s.codePointAt(i) ?? 0;
      const shown =
        cp < 0x20 || cp === 0x7f
          ? `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`
          : String.fromCodePoint(cp);
      return new IochainError(
        "E0305",
        `unexpected character \`${shown}\``,
        lines.span(i, i + (cp > 0xffff ? 2 : 1)),
        c === "'"
          ? 'iochain has no character literals; strings use `"`'
          : "names are ASCII letters, digits and `_`",
      );
    }
  }
  return undefined;
}
