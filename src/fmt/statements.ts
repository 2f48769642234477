// Groups the formatter's lines into statements: the lines from one that starts a statement up to
// the one whose code ends with `{`, `}`, `;` or `,` outside any `(` or `[` (a line starting with
// `}` always starts anew). A statement with no comment inside it (a `//` at the end of its last
// line is fine) and no blank line is *reflowed*: its lines are joined and printed with prettier's
// doc builders, breaking where it does not fit printWidth (docs.ts). Any other statement keeps
// its lines as written, re-indented — so every comment stays where it was.
import { type FmtLine, codeOf, trailingComment } from "./lines.js";

export interface Statement {
  lines: FmtLine[];
  /** Joined code (the trailing comment apart) when the statement can be reflowed. */
  code?: string;
  /** The `//` comment ending its last line, with the blanks before it as written. */
  comment?: string;
}

const TERMINATOR = /[{};,]$/;

/** Net depth of `(` and `[` over a piece of code (strings and comments already removed). */
function parenDelta(code: string): number {
  let d = 0;
  for (const ch of code.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (ch === "(" || ch === "[") d++;
    else if (ch === ")" || ch === "]") d--;
  }
  return d;
}

/** Joins two lines of one statement with the blank a reader expects between them. */
function join(a: string, b: string): string {
  if (a === "" || /[([]$/.test(a) || /^[)\],;.]/.test(b)) return a + b;
  return `${a} ${b}`;
}

export function statementsOf(lines: readonly FmtLine[]): Statement[] {
  const out: Statement[] = [];
  let cur: FmtLine[] = [];
  let depth = 0;
  const flush = () => {
    if (cur.length > 0) out.push(finish(cur));
    cur = [];
    depth = 0;
  };
  for (const line of lines) {
    // Blank lines and block-comment bodies between statements stand alone.
    if (cur.length === 0 && (line.text === "" || line.verbatim)) {
      out.push({ lines: [line] });
      continue;
    }
    const code = line.verbatim ? "" : codeOf(line.text);
    if (code.startsWith("}") && depth <= 0) flush();
    cur.push(line);
    depth += parenDelta(code);
    if (depth <= 0 && (TERMINATOR.test(code) || (code === "" && cur.length === 1))) flush();
  }
  flush();
  return out;
}

function finish(lines: FmtLine[]): Statement {
  const last = lines[lines.length - 1];
  const plain = (l: FmtLine, k: number) =>
    !l.verbatim &&
    l.text !== "" &&
    !l.text.includes("/*") &&
    (k === lines.length - 1 || codeOf(l.text) === l.text) &&
    codeOf(l.text) !== "";
  if (!lines.every(plain)) return { lines };
  const code = lines.map((l) => codeOf(l.text)).reduce(join);
  const comment = trailingComment(last.text);
  return { lines, code, comment };
}
