// A reflowed statement as a prettier doc: its code is split into tokens, brackets into nested
// groups, and line breaks are offered where iochain code reads well broken —
// - inside `( )` and `[ ]` after each comma (call arguments, parameters, tuples, array items);
// - before the clauses of a storage function's header (`reads`, `block`, `start`, `max_chain`,
//   and its `{`) and of a scan (`let`, `until`, `filter`, `emit`);
// - after a binary operator written with blanks on both sides (`a + b`, `x && y`);
// - inside the braces of a one-line `layout`, `output` or `aggregate` field list, and of a block
//   written on one line (`if c { fail x; }`: a statement a line).
// Each group breaks only when it does not fit printWidth (prettier's group/indent/line/softline),
// so a statement that fits is printed on one line. Tokens and their order never change.
import type { Doc } from "prettier";
import { doc } from "prettier";

const { group, indent, line, softline, breakParent, ifBreak } = doc.builders;

interface Token {
  text: string;
  /** Written with a blank before it. */
  space: boolean;
}

type Node = Token | { open: Token; body: Node[]; close: Token };

const isTok = (n: Node): n is Token => "text" in n;

/** Operators of more than one character (the tokenizer takes the longest first). */
const OPERATORS = "<<= >>= .. :: -> == != <= >= && || << >> += -= *= /= %= &= |= ^=".split(" ");
/** Binary operators by binding strength (docs/language.md, Expressions): lower binds looser. */
const PRECEDENCE: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  "|": 4,
  "^": 5,
  "&": 6,
  "<<": 7,
  ">>": 7,
  "+": 8,
  "-": 8,
  "*": 9,
  "/": 9,
  "%": 9,
};
const HEADER_CLAUSES = new Set(["reads", "block", "start", "max_chain"]);
const SCAN_CLAUSES = new Set(["let", "until", "filter", "emit"]);

function tokenize(code: string): Token[] {
  const out: Token[] = [];
  let space = false;
  for (let i = 0; i < code.length;) {
    const ch = code[i];
    if (ch === " ") {
      space = true;
      i++;
      continue;
    }
    let j = i + 1;
    if (ch === '"') {
      while (j < code.length && code[j] !== '"') j += code[j] === "\\" ? 2 : 1;
      j++;
    } else if (/\w/.test(ch)) {
      while (j < code.length && /\w/.test(code[j])) j++;
    } else {
      const op = OPERATORS.find((o) => code.startsWith(o, i));
      if (op) j = i + op.length;
    }
    out.push({ text: code.slice(i, j), space });
    space = false;
    i = j;
  }
  return out;
}

const PAIRS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Nests matched brackets; an unmatched one stays a plain token. */
function nest(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: { open: Token; body: Node[]; outer: Node[] }[] = [];
  let here = root;
  for (const t of tokens) {
    if (PAIRS[t.text]) {
      stack.push({ open: t, body: [], outer: here });
      here = stack[stack.length - 1].body;
    } else if (stack.length > 0 && PAIRS[stack[stack.length - 1].open.text] === t.text) {
      const s = stack.pop()!;
      here = s.outer;
      here.push({ open: s.open, body: s.body, close: t });
    } else here.push(t);
  }
  // Unclosed brackets: their tokens back in line.
  while (stack.length > 0) {
    const s = stack.pop()!;
    s.outer.push(s.open, ...s.body);
  }
  return root;
}

/** The text of a node as written, on one line (the first token's blank left to the caller). */
function flat(n: Node, first = true): string {
  if (isTok(n)) return (n.space && !first ? " " : "") + n.text;
  return (
    (n.open.space && !first ? " " : "") +
    n.open.text +
    n.body.map((b, k) => flat(b, k === 0 && !n.open.text.match(/\{/))).join("") +
    (n.open.text === "{" && n.body.length > 0 && n.close.space ? " " : "") +
    n.close.text
  );
}

const firstToken = (n: Node): Token => (isTok(n) ? n : n.open);
const isOperand = (n: Node | undefined) => n !== undefined && (!isTok(n) || /^[\w"]/.test(n.text));

/** Whether nodes[k] is a binary operator written with blanks on both sides. */
function isBreakableOp(nodes: Node[], k: number): boolean {
  const n = nodes[k];
  const next = nodes[k + 1];
  return (
    isTok(n) &&
    PRECEDENCE[n.text] !== undefined &&
    n.space &&
    next !== undefined &&
    firstToken(next).space &&
    isOperand(nodes[k - 1])
  );
}

/** Nodes printed as written, one blank where there was one. */
function plainRun(nodes: Node[]): Doc[] {
  return nodes.map((n, k) => [k > 0 && firstToken(n).space ? " " : "", node(n)]);
}

/**
 * A run of nodes, breaking after the loosest-binding binary operators written with blanks around
 * them (`a && b` before `x + y`); each operand breaks the same way inside its own group.
 */
function run(nodes: Node[]): Doc {
  // Blocks in the run (`if c { ... } else { ... }`) break at the run's own indentation, not
  // inside an operand's: the run is printed piece by piece around them.
  const at = nodes.findIndex(isBlock);
  if (at >= 0 && nodes.length > 1) {
    const before = nodes.slice(0, at);
    const after = nodes.slice(at + 1);
    return [
      before.length > 0 ? [run(before), firstToken(nodes[at]).space ? " " : ""] : "",
      block(nodes[at] as Exclude<Node, Token>),
      after.length > 0 ? [firstToken(after[0]).space ? " " : "", run(after)] : "",
    ];
  }
  const ops = nodes.map((_, k) => k).filter((k) => isBreakableOp(nodes, k));
  if (ops.length === 0) return plainRun(nodes);
  const loosest = Math.min(...ops.map((k) => PRECEDENCE[(nodes[k] as Token).text]));
  const cuts = ops.filter((k) => PRECEDENCE[(nodes[k] as Token).text] === loosest);
  // a OP b OP c: the first operand, then each further one on its own line when it breaks.
  const operands: Doc[] = [];
  let from = 0;
  for (const k of cuts) {
    operands.push(run(nodes.slice(from, k)));
    from = k + 1;
  }
  operands.push(run(nodes.slice(from)));
  const op = (k: number) => ` ${(nodes[cuts[k]] as Token).text}`;
  return group([
    operands[0],
    op(0),
    indent(operands.slice(1).map((o, k) => [line, o, k + 1 < cuts.length ? op(k + 1) : ""])),
  ]);
}

/** Splits at commas of this level. */
function items(body: Node[]): Node[][] {
  const out: Node[][] = [[]];
  for (const n of body) {
    if (isTok(n) && n.text === ",") out.push([]);
    else out[out.length - 1].push(n);
  }
  return out;
}

function node(n: Node): Doc {
  if (isTok(n)) return n.text;
  if (isBlock(n)) return block(n as Exclude<Node, Token>);
  if (n.open.text === "{" || n.body.length === 0) return flat(n);
  const list = items(n.body);
  const trailing = list.length > 1 && list[list.length - 1].length === 0;
  const shown = trailing ? list.slice(0, -1) : list;
  return group([
    n.open.text,
    indent([
      softline,
      shown.map((it, k) => [k > 0 ? [",", line] : "", run(it)]),
      trailing ? [",", breakParent] : "",
    ]),
    softline,
    n.close.text,
  ]);
}

/** Braces holding statements. */
const isBlock = (n: Node): boolean =>
  !isTok(n) && n.open.text === "{" && n.body.some((b) => isTok(b) && b.text === ";");

/** A block written on one line (`if c { fail x; }`): a statement a line when it breaks. */
function block(n: Exclude<Node, Token>): Doc {
  const stmts: Node[][] = [[]];
  for (const b of n.body) {
    stmts[stmts.length - 1].push(b);
    if (isTok(b) && b.text === ";") stmts.push([]);
  }
  const shown = stmts.filter((st) => st.length > 0);
  return group(["{", indent(shown.map((st) => [line, run(st)])), line, "}"]);
}

/** A field list in braces, one field a line (types aligned, as align.ts does) when it breaks. */
function fieldList(n: Exclude<Node, Token>): Doc {
  const list = items(n.body);
  const trailing = list.length > 1 && list[list.length - 1].length === 0;
  const shown = trailing ? list.slice(0, -1) : list;
  const named = shown.every(
    (it) => it.length >= 3 && isTok(it[0]) && isTok(it[1]) && it[1].text === ":",
  );
  const width = named ? Math.max(...shown.map((it) => (it[0] as Token).text.length)) + 2 : 0;
  const field = (it: Node[]): Doc =>
    named
      ? [
          ifBreak(`${(it[0] as Token).text}:`.padEnd(width), `${(it[0] as Token).text}: `),
          plainRun(it.slice(2)),
        ]
      : run(it);
  return group([
    "{",
    indent([
      line,
      shown.map((it, k) => [k > 0 ? [",", line] : "", field(it)]),
      trailing ? "," : "",
    ]),
    line,
    "}",
  ]);
}

/**
 * The doc of one statement's code. `multiline`: it was written on several lines — a storage
 * header or a scan then keeps one clause a line (as prettier keeps an object the author broke).
 */
export function statementDoc(code: string, multiline = false): Doc {
  const nodes = nest(tokenize(code));
  const head = firstToken(nodes[0] ?? { text: "", space: false }).text;
  const second = nodes[1] && isTok(nodes[1]) ? nodes[1].text : "";
  const kind =
    head === "storage"
      ? "header"
      : head === "scan"
        ? "scan"
        : ["layout", "output", "aggregate"].includes(head) ||
            (head === "pub" && second === "layout")
          ? "fields"
          : "plain";
  if (kind === "fields") {
    const k = nodes.findIndex(
      (n) => !isTok(n) && n.open.text === "{" && n.body.some((b) => isTok(b) && b.text === ","),
    );
    if (k > 0) {
      const before = nodes
        .slice(0, k)
        .map((n, i) => flat(n, i === 0))
        .join("");
      const after = nodes
        .slice(k + 1)
        .map((n) => flat(n, false))
        .join("");
      return [before, " ", fieldList(nodes[k] as Exclude<Node, Token>), after];
    }
  }
  if (kind === "plain" || kind === "fields") return group(run(nodes));
  const clauses = kind === "header" ? HEADER_CLAUSES : SCAN_CLAUSES;
  const segments: Node[][] = [[]];
  nodes.forEach((n, k) => {
    const t = isTok(n) ? n.text : "";
    const nextText = nodes[k + 1] && isTok(nodes[k + 1]) ? (nodes[k + 1] as Token).text : "";
    const isClause = k > 0 && clauses.has(t) && nextText !== "." && (n as Token).space;
    const isBody = kind === "header" && k === nodes.length - 1 && t === "{";
    if (isClause || isBody) segments.push([]);
    segments[segments.length - 1].push(n);
  });
  const body =
    kind === "header" &&
    segments.length > 1 &&
    (segments[segments.length - 1][0] as Token).text === "{";
  const middle = body ? segments.slice(1, -1) : segments.slice(1);
  return group([
    run(segments[0]),
    indent(middle.map((s) => [line, run(s)])),
    body ? [line, "{"] : "",
    multiline && middle.length > 0 ? breakParent : "",
  ]);
}
