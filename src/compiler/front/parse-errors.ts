// Turns ohm's "rightmost failure" (a position and the set of things that could have matched there)
// into one plain diagnostic: what was expected in words, what was found, where, and a hint for the
// mistakes people actually make (a missing `;`, `=` for `==`, a keyword used as a name).
import type { FailedMatchResult } from "ohm-js";
import { IochainError } from "../../diagnostics.js";
import type { LineMap } from "./source.js";
import { closest } from "./spelling.js";

interface OhmFailure {
  getText(): string;
  getType(): string;
  isFluffy(): boolean;
}

const RESERVED = new Set([
  "as",
  "at",
  "break",
  "const",
  "continue",
  "else",
  "error",
  "false",
  "fail",
  "fn",
  "for",
  "if",
  "import",
  "in",
  "layout",
  "let",
  "noinline",
  "pub",
  "resubmit",
  "return",
  "sizeof",
  "storage",
  "true",
  "var",
  "while",
]);

/** Tokens that can only continue an expression that is already complete: dropped from the list
 * whenever something else is expected too, since "expected `;`" is what the user needs. */
const CONTINUATIONS = new Set([
  ".",
  "[",
  "(",
  "as",
  "::",
  "at",
  "*",
  "/",
  "%",
  "+",
  "-",
  "<<",
  ">>",
  "&",
  "^",
  "|",
  "==",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "&&",
  "||",
]);

/** Contextual keywords (docs/language.md): with RESERVED, what a misspelled keyword is matched to. */
const CONTEXTUAL = [
  "aggregate",
  "block",
  "capacity",
  "chain",
  "emit",
  "filter",
  "little",
  "big",
  "max",
  "max_chain",
  "output",
  "reads",
  "scan",
  "stage",
  "start",
  "state",
  "until",
];

/** Tokens that start an expression: collapsed into "an expression". */
const EXPR_STARTS = new Set([
  "if",
  "a name",
  "a number",
  "true",
  "false",
  "sizeof",
  "(",
  "~",
  "!",
  "-",
  "a type",
  "[",
]);

/** The token at `offset`, as a user would name it. */
export function tokenAt(source: string, offset: number): { text: string; length: number } {
  if (offset >= source.length) return { text: "end of file", length: 0 };
  const rest = source.slice(offset);
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest) ?? /^[0-9][A-Za-z0-9_]*/.exec(rest);
  if (word) return { text: `\`${word[0]}\``, length: word[0].length };
  const str = /^"[^"\n]*"?/.exec(rest);
  if (str) return { text: "a string", length: str[0].length };
  const punct = /^(<<=|>>=|->|::|\.\.|==|!=|<=|>=|&&|\|\||<<|>>|[+\-*/%&|^]=|[^\sA-Za-z0-9_])/.exec(
    rest,
  );
  const text = punct ? punct[0] : rest[0];
  return { text: `\`${text}\``, length: text.length };
}

function describe(f: OhmFailure): string {
  return f.getType() === "string" ? f.getText() : f.getText();
}

/** The expected alternatives at the failure, simplified and in words. */
export function expectedList(failures: OhmFailure[]): string[] {
  let names = [...new Set(failures.filter((f) => !f.isFluffy()).map(describe))];
  const starts = names.filter((n) => EXPR_STARTS.has(n));
  // An operand is expected exactly when a literal could start here (not just `(` or `-`).
  if (starts.includes("a number"))
    names = [...names.filter((n) => !EXPR_STARTS.has(n)), "an expression"];
  const rest = names.filter((n) => !CONTINUATIONS.has(n));
  if (rest.length > 0) names = rest;
  return names.map((n) => (n.startsWith("a ") || n.startsWith("an ") ? n : `\`${n}\``));
}

function sentence(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "something else";
  const shown = items.slice(0, 6);
  const more = items.length > shown.length ? ", ..." : "";
  return `${shown.slice(0, -1).join(", ")}${more} or ${shown[shown.length - 1]}`;
}

/** The end of the last token before `offset` (skipping whitespace and comments). */
function previousTokenEnd(source: string, offset: number): number {
  let i = offset;
  for (;;) {
    while (i > 0 && /\s/.test(source[i - 1])) i--;
    const lineStart = source.lastIndexOf("\n", i - 1) + 1;
    const comment = source.slice(lineStart, i).indexOf("//");
    if (comment >= 0 && !source.slice(lineStart, lineStart + comment).includes('"')) {
      i = lineStart + comment;
      continue;
    }
    return i;
  }
}

export function syntaxError(match: FailedMatchResult, lines: LineMap): IochainError {
  const source = lines.source;
  const at = match.getRightmostFailurePosition();
  const failures = (
    match as unknown as { getRightmostFailures(): OhmFailure[] }
  ).getRightmostFailures();
  const expected = expectedList(failures);
  const found = tokenAt(source, at);
  const word = found.text.replace(/`/g, "");

  if (found.length === 0) {
    return new IochainError(
      "E0301",
      `unexpected end of file${expected.length ? `: expected ${sentence(expected)}` : ""}`,
      lines.span(at, at),
      "a closing `}` or `;` may be missing",
    );
  }
  if (RESERVED.has(word) && expected.includes("a name")) {
    return new IochainError(
      "E0309",
      `\`${word}\` is a reserved word and cannot be used as a name`,
      lines.span(at, at + found.length),
      `pick another name, e.g. \`${word}_\``,
    );
  }
  const emitAlone = emitOutsideScan(source, at, found.text);
  if (emitAlone)
    return new IochainError(
      "E0636",
      emitAlone.message,
      lines.span(emitAlone.at, emitAlone.at + 4),
      emitAlone.hint,
    );
  const keyword = misspelledKeyword(source, at, word);
  if (expected.length === 1 && expected[0] === "`;`") {
    const end = previousTokenEnd(source, at);
    const sameLine = !source.slice(end, at).includes("\n");
    return new IochainError(
      "E0301",
      sameLine ? `expected \`;\`, found ${found.text}` : "expected `;` at the end of this line",
      sameLine ? lines.span(at, at + found.length) : lines.span(Math.max(0, end - 1), end),
      keyword ?? "statements and declarations end with `;`",
    );
  }
  let hint: string | undefined;
  if (keyword) hint = keyword;
  else if (found.text === "`=`" && expected.includes("`{`"))
    hint = "to compare two values, write `==`";
  else if (found.text === "`=`")
    hint = "`=` assigns only in a statement of its own (`x = value;`) to a `var` or state";
  else if (expected.includes("`,`") && expected.includes("`}`"))
    hint = "separate the entries with `,`";
  else if (found.text === "`'`") hint = 'strings use `"`';
  else if (expected.includes("an expression")) hint = "an operand is missing here";
  else if (expected.includes("a type"))
    hint = "types are u8..u64, i8..i64, bool, `[T; N]`, or a layout name";
  return new IochainError(
    "E0301",
    `expected ${sentence(expected)}, found ${found.text}`,
    lines.span(at, at + found.length),
    hint,
  );
}

/**
 * "did you mean `resubmit`?" when the word the parse failed at, or the one before it where a
 * statement starts, is no keyword but close to one (`resumbit 4096;`, `stge data { ... }` parse
 * as a name, then fail).
 */
function misspelledKeyword(source: string, at: number, found: string): string | undefined {
  // The word before counts only where a statement or item starts (`let x = star` is a name).
  const head = source.slice(0, previousTokenEnd(source, at));
  const before = /([A-Za-z_][A-Za-z0-9_]*)$/.exec(head);
  const starts = before && /(^|[;{}])$/.test(head.slice(0, previousTokenEnd(head, before.index)));
  for (const w of [starts ? before[1] : undefined, found]) {
    if (!w || w.length < 3 || RESERVED.has(w) || CONTEXTUAL.includes(w)) continue;
    const k = closest(w, [...RESERVED, ...CONTEXTUAL]);
    if (k) return `\`${w}\` is not a keyword: did you mean \`${k}\`?`;
  }
  return undefined;
}

/** `emit { ... }` where a statement starts: emit is a clause of `scan`, never a statement. */
function emitOutsideScan(
  source: string,
  at: number,
  found: string,
): { at: number; message: string; hint: string } | undefined {
  if (found !== "`{`") return undefined;
  const head = source.slice(0, previousTokenEnd(source, at));
  if (!head.endsWith("emit")) return undefined;
  const start = head.length - 4;
  if (!/(^|[;{}])$/.test(head.slice(0, previousTokenEnd(head, start)))) return undefined;
  return {
    at: start,
    message: "`emit` is only allowed as the last clause of a `scan`, not as a statement",
    hint: "`scan i in 0 .. n let r = ... filter ... emit { ... };` emits per record; for one row per block write `scan _i in 0 .. 1 emit { ... };`",
  };
}
