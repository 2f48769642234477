// The formatter's view of a .ioc file: its lines, each with the bracket depth it starts at and its
// code and comment parts, found by a scanner that knows strings and comments (so that a `{` in a
// string or a comment does not indent). Here each line is re-indented, trimmed and its spacing in
// code normalised, which cannot change its tokens; statements.ts groups the lines into statements
// that the printer may reflow to printWidth, align.ts keeps field lists aligned.

export interface FmtLine {
  /** Bracket depth at the line's start, after closing brackets that begin it. */
  depth: number;
  /** The line's text without its indentation and trailing blanks. */
  text: string;
  /** Inside a block comment that began on an earlier line: kept exactly as written. */
  verbatim: boolean;
  /** `name:` followed by more than one blank as written (a field aligned by hand). */
  aligned?: boolean;
}

export interface FmtFile {
  lines: FmtLine[];
}

const OPEN = new Set(["{", "[", "("]);
const CLOSE = new Set(["}", "]", ")"]);

/** Splits `source` into lines with their depths. */
export function parseLines(source: string): FmtFile {
  const raw = source.replace(/\r\n?/g, "\n").split("\n");
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  const lines: FmtLine[] = [];
  let depth = 0;
  let inBlockComment = false;
  let pending = false;
  for (const line of raw) {
    if (inBlockComment) {
      lines.push({ depth, text: line.replace(/\s+$/, ""), verbatim: true });
      inBlockComment =
        !line.includes("*/") || /\/\*(?!.*\*\/)/.test(line.slice(line.lastIndexOf("*/") + 2));
      continue;
    }
    const text = normaliseSpaces(line.trim());
    // Closing brackets at the start of the line belong to the outer level.
    let lead = 0;
    for (const ch of text) {
      if (CLOSE.has(ch)) lead++;
      else if (ch !== " ") break;
    }
    // A line continuing an unfinished statement (a storage function's clauses, a scan's) is
    // indented one more level; a line opening or closing a block is not.
    const continues = pending && text !== "" && !/^[{}\])]/.test(text);
    lines.push({
      depth: Math.max(0, depth - lead) + (continues ? 1 : 0),
      text,
      verbatim: false,
      aligned: /^\w+:[ \t]{2,}\S/.test(line.trim()),
    });
    const code = codeOf(text);
    if (code !== "") pending = !/[{};,]$/.test(code);
    const scan = scanBrackets(text);
    depth = Math.max(0, depth + scan.delta);
    inBlockComment = scan.openComment;
  }
  return { lines };
}

/** Net bracket depth change over a line, and whether it ends inside a block comment. */
function scanBrackets(text: string): { delta: number; openComment: boolean } {
  let delta = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "/" && text[i + 1] === "/") break;
    if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return { delta, openComment: true };
      i = end + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      continue;
    }
    if (OPEN.has(ch)) delta++;
    else if (CLOSE.has(ch)) delta--;
  }
  return { delta, openComment: false };
}

/**
 * Runs of blanks in code become one space; strings, comments and the blanks before a trailing
 * comment (often aligned by hand) are kept.
 */
function normaliseSpaces(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "/" && (text[i + 1] === "/" || text[i + 1] === "*")) {
      if (text[i + 1] === "/") return out + text.slice(i);
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop);
      i = stop - 1;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
      continue;
    }
    if (ch === " " || ch === "\t") {
      let j = i;
      while (j < text.length && (text[j] === " " || text[j] === "\t")) j++;
      // Blanks before a trailing comment stay as written (alignment).
      out += text.startsWith("//", j) ? text.slice(i, j).replace(/\t/g, "    ") : " ";
      i = j - 1;
      continue;
    }
    out += ch;
  }
  return out;
}

/** A line's `//` comment with the blanks before it as written, if it ends with one. */
export function trailingComment(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      continue;
    }
    if (text[i] === "/" && text[i + 1] === "*") return undefined;
    if (text[i] === "/" && text[i + 1] === "/") {
      let start = i;
      while (start > 0 && text[start - 1] === " ") start--;
      return text.slice(start);
    }
  }
  return undefined;
}

/** A line's code without its comments, trimmed. */
export function codeOf(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "/" && text[i + 1] === "/") break;
    if (text[i] === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) break;
      i = end + 1;
      continue;
    }
    if (text[i] === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      out += text.slice(start, i + 1);
      continue;
    }
    out += text[i];
  }
  return out.trim();
}
