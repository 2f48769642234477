// A recursive-descent parser for grammar/iochain.ohm, for speed: ohm's PEG interpreter spends
// 10-20 ms on a 50-line file in a fresh process (a third of a cold compile); this takes ~1 ms.
// It follows the grammar's ordered choices and builds the AST parse.ts's actions build, and gives
// up (answers undefined) wherever the text is not plainly well-formed: a syntax error, a literal
// or a nesting the AST builder refuses, a backtrack it does not take. parse.ts then runs ohm, the
// grammar of record, whose failures make the diagnostics. test/compiler/front/descent.test.ts
// holds the two to the same AST on every .ioc of the tree and on thousands of mutations of them.
import { IochainError } from "../../diagnostics.js";
import type * as A from "./ast.js";
import { parseIntLiteral, unescapeString } from "./literals.js";
import { operatorTree, type Ranged, treeToExpr } from "./operators.js";
import { type LineMap, MAX_NESTING } from "./source.js";

/** The text does not match here: the innermost ordered choice tries its next alternative. */
const MISMATCH = { reason: "mismatch" };
/** Leave the file to ohm: an error, or a choice this parser does not make on its own. */
const GIVE_UP = { reason: "give up" };

// grammar/iochain.ohm's `reserved`.
const RESERVED = new Set([
  ...["as", "at", "break", "const", "continue", "else", "error", "false", "fail", "fn", "for"],
  ...["if", "import", "in", "layout", "let", "noinline", "pub", "resubmit", "return", "sizeof"],
  ...["storage", "true", "var", "while"],
]);
// Sticky: matched in place, natively (a loop by character is slow in a process this young).
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const INT = /[0-9][A-Za-z0-9_]*/y;

const isIdentPart = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/** Runs an AST builder that may refuse its input (a literal): a refusal is ohm's to report. */
function refusable<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof IochainError) throw GIVE_UP;
    throw e;
  }
}

/** One operand of a binary chain: its AST, where it is, and how deep (parse.ts's `deeper`) it nests. */
interface Operand extends Ranged {
  e: A.Expr;
  depth: number;
}

class Descent {
  private pos = 0;
  /** Operands parsed so far: past a few per character, backtracking is not paying off. */
  private operands = 0;
  /**
   * How deep (in parse.ts's `deeper` levels) the expression or type just parsed nests: past
   * MAX_NESTING the AST builder refuses it (E0312), which is ohm's to report.
   */
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly map: LineMap,
  ) {}

  // --- tokens ----------------------------------------------------------------------------------

  private ws(): void {
    while (this.pos < this.text.length && this.text.charCodeAt(this.pos) <= 32) this.pos++;
  }

  /** Where the next token starts (spaces skipped). */
  private at(): number {
    this.ws();
    return this.pos;
  }

  private span(start: number, end = this.pos): A.Span {
    return this.map.span(start, end);
  }

  /** Consumes `s` (after spaces) when it is next. */
  private punct(s: string): boolean {
    const save = this.pos;
    this.ws();
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    this.pos = save;
    return false;
  }

  private expect(s: string): void {
    if (!this.punct(s)) throw MISMATCH;
  }

  /** Consumes the keyword `word` (`"word" #(~identPart)`) when it is next. */
  private kw(word: string): boolean {
    const save = this.pos;
    this.ws();
    const after = this.pos + word.length;
    if (this.text.startsWith(word, this.pos) && !isIdentPart(this.text.charCodeAt(after))) {
      this.pos = after;
      return true;
    }
    this.pos = save;
    return false;
  }

  private expectKw(word: string): void {
    if (!this.kw(word)) throw MISMATCH;
  }

  private tryName(): A.Ident | undefined {
    const start = this.at();
    NAME.lastIndex = start;
    const m = NAME.exec(this.text);
    if (!m || RESERVED.has(m[0])) return undefined;
    this.pos = start + m[0].length;
    return { name: m[0], span: this.span(start) };
  }

  private name(): A.Ident {
    const id = this.tryName();
    if (!id) throw MISMATCH;
    return id;
  }

  /** `NonemptyListOf<name, "::">`. */
  private path(): A.Ident[] {
    const path = [this.name()];
    for (;;) {
      const save = this.pos;
      const next = this.punct("::") ? this.tryName() : undefined;
      if (!next) {
        this.pos = save;
        return path;
      }
      path.push(next);
    }
  }

  /** `string`, as its value. */
  private string(): A.StringLit {
    const start = this.at();
    if (this.text.charCodeAt(start) !== 34) throw MISMATCH;
    let i = start + 1;
    for (;;) {
      const c = this.text.charCodeAt(i);
      if (Number.isNaN(c) || c === 10) throw MISMATCH;
      if (c === 34) break;
      i += c === 92 ? 2 : 1;
    }
    this.pos = i + 1;
    const s = this.span(start);
    return { value: refusable(() => unescapeString(this.text.slice(start, this.pos), s)), span: s };
  }

  /** Runs `parse`; on a mismatch puts the position back and answers undefined. */
  private attempt<T>(parse: () => T): T | undefined {
    const save = this.pos;
    try {
      return parse();
    } catch (e) {
      if (e !== MISMATCH) throw e;
      this.pos = save;
      return undefined;
    }
  }

  /** `ListOf<elem, ","> ","?` then `close`. */
  private listUntil<T>(close: string, elem: () => T): T[] {
    const items: T[] = [];
    while (!this.punct(close)) {
      if (items.length > 0) {
        this.expect(",");
        if (this.punct(close)) break;
      }
      items.push(elem());
    }
    return items;
  }

  /** `NonemptyListOf<elem, ",">`. */
  private nonemptyList<T>(elem: () => T): T[] {
    const items = [elem()];
    for (;;) {
      const save = this.pos;
      const next = this.punct(",") ? this.attempt(elem) : undefined;
      if (next === undefined) {
        this.pos = save;
        return items;
      }
      items.push(next);
    }
  }

  // --- items -----------------------------------------------------------------------------------

  module(): A.Module {
    const start = this.at();
    const items: A.Item[] = [];
    while (this.at() < this.text.length) items.push(this.item());
    // Its span runs to the end of the text, trailing spaces included, as ohm's does.
    const { file, source } = this.map;
    return { kind: "module", file, source, items, span: this.span(start) };
  }

  private item(): A.Item {
    const start = this.at();
    if (this.kw("import")) return this.importItem(start);
    if (this.kw("storage")) return this.storage(start);
    const pub = this.kw("pub");
    const noinline = this.kw("noinline");
    if (this.kw("fn")) return this.fn(start, pub, noinline);
    if (noinline) throw MISMATCH;
    if (this.kw("const")) {
      const name = this.name();
      const type = this.punct(":") ? this.type() : undefined;
      this.expect("=");
      const value = this.expr();
      this.expect(";");
      return { kind: "const", pub, name, type, value, span: this.span(start) };
    }
    if (this.kw("error")) {
      const names = this.nonemptyList(() => this.name());
      this.expect(";");
      return { kind: "error", pub, names, span: this.span(start) };
    }
    if (this.kw("layout")) return this.layout(start, pub);
    throw MISMATCH;
  }

  private importItem(start: number): A.ImportItem {
    const save = this.pos;
    let target: A.ImportItem["target"];
    const std = this.kw("std") && this.punct("::") ? this.tryName() : undefined;
    if (std) target = { std };
    else {
      this.pos = save;
      target = { path: this.string() };
    }
    const alias = this.kw("as") ? this.name() : undefined;
    this.expect(";");
    return { kind: "import", target, alias, span: this.span(start) };
  }

  private layout(start: number, pub: boolean): A.LayoutItem {
    const name = this.name();
    let endian: A.Endian | undefined;
    if (this.punct(":")) {
      if (this.kw("little")) endian = "little";
      else if (this.kw("big")) endian = "big";
      else throw MISMATCH;
    }
    this.expect("{");
    const fields = this.listUntil("}", (): A.LayoutField => {
      const fieldStart = this.at();
      const field = this.name();
      this.expect(":");
      const type = this.type();
      return { name: field.name === "_" ? null : field, type, span: this.span(fieldStart) };
    });
    return { kind: "layout", pub, name, endian, fields, span: this.span(start) };
  }

  /** `"(" ListOf<Param, ","> ","? ")" ResultType?` */
  private signature(): { params: A.Param[]; result: A.TypeExpr | undefined } {
    this.expect("(");
    const params = this.listUntil(")", (): A.Param => {
      const start = this.at();
      const name = this.name();
      this.expect(":");
      const type = this.type();
      return { name, type, span: this.span(start) };
    });
    const result = this.punct("->") ? this.type() : undefined;
    return { params, result };
  }

  private fn(start: number, pub: boolean, noinline: boolean): A.FnItem {
    const name = this.name();
    const { params, result } = this.signature();
    const body = this.block();
    return { kind: "fn", pub, noinline, name, params, result, body, span: this.span(start) };
  }

  private storage(start: number): A.StorageItem {
    this.expectKw("fn");
    const name = this.name();
    const { params, result } = this.signature();
    const clauses: A.StorageClause[] = [];
    for (let clause; (clause = this.clause());) clauses.push(clause);
    const bodyStart = this.at();
    this.expect("{");
    const decls: A.StorageDecl[] = [];
    const stages: A.Stage[] = [];
    const stmts: A.Stmt[] = [];
    while (!this.punct("}")) {
      const memberStart = this.at();
      let decl: A.StorageDecl | undefined;
      let stage: A.Stage | undefined;
      if (this.kw("state")) decl = this.attempt(() => this.stateDecl(memberStart));
      else if (this.kw("output")) decl = this.attempt(() => this.outputDecl(memberStart));
      else if (this.kw("aggregate")) decl = this.attempt(() => this.aggregateDecl(memberStart));
      else if (this.kw("stage")) stage = this.attempt(() => this.stage(memberStart));
      if (decl) decls.push(decl);
      else if (stage) stages.push(stage);
      else {
        this.pos = memberStart;
        stmts.push(this.stmt());
      }
    }
    return {
      kind: "storage",
      name,
      params,
      result,
      clauses,
      decls,
      stages,
      body: { stmts, span: this.span(bodyStart) },
      span: this.span(start),
    };
  }

  private clause(): A.StorageClause | undefined {
    const start = this.at();
    if (this.kw("reads")) {
      const files = this.nonemptyList(() => this.string());
      return { kind: "reads", files, span: this.span(start) };
    }
    if (this.kw("block")) return { kind: "block", value: this.expr(), span: this.span(start) };
    if (this.kw("start")) {
      const value = this.expr();
      const size = this.punct(",") ? this.expr() : undefined;
      const file = this.kw("in") ? this.string() : undefined;
      return { kind: "start", value, size, file, span: this.span(start) };
    }
    if (this.kw("max_chain"))
      return { kind: "max_chain", value: this.expr(), span: this.span(start) };
    return undefined;
  }

  private stateDecl(start: number): A.StateDecl {
    const name = this.name();
    this.expect(":");
    const type = this.type();
    const init = this.punct("=") ? this.expr() : undefined;
    this.expect(";");
    return { kind: "state", name, type, init, span: this.span(start) };
  }

  private outputDecl(start: number): A.OutputDecl {
    this.expect("{");
    const fields = this.listUntil("}", (): A.OutputField => {
      const fieldStart = this.at();
      const name = this.name();
      this.expect(":");
      const type = this.type();
      return { name, type, span: this.span(fieldStart) };
    });
    const capacity = this.kw("capacity") ? this.expr() : undefined;
    this.expect(";");
    return { kind: "output", fields, capacity, span: this.span(start) };
  }

  private aggregateDecl(start: number): A.AggregateDecl {
    this.expect("{");
    const items = this.listUntil("}", (): A.AggregateItem => {
      const itemStart = this.at();
      const name = this.name();
      this.expect(":");
      const fn = this.name();
      this.expect("(");
      const arg = this.punct(")") ? undefined : this.exprThen(")");
      const field = arg?.kind === "name" && arg.path.length === 1 ? arg.path[0] : undefined;
      return { name, fn, field, arg, span: this.span(itemStart) };
    });
    this.expect(";");
    return { kind: "aggregate", items, span: this.span(start) };
  }

  private stage(start: number): A.Stage {
    const name = this.name();
    const body = this.block();
    return { name, body, span: this.span(start) };
  }

  // --- types -----------------------------------------------------------------------------------

  /** A type; `depth` is left at how deep the expressions in it (array lengths) nest. */
  private type(): A.TypeExpr {
    const start = this.at();
    if (this.punct("[")) {
      const elem = this.type();
      const elemDepth = this.depth;
      this.expect(";");
      const length = this.arrayLength();
      this.expect("]");
      this.depth = Math.max(elemDepth, length === "_" ? 0 : this.depth);
      return { kind: "array", elem, length, span: this.span(start) };
    }
    if (this.punct("(")) {
      const first = this.type();
      let depth = this.depth;
      this.expect(",");
      const rest = this.nonemptyList(() => {
        const elem = this.type();
        depth = Math.max(depth, this.depth);
        return elem;
      });
      this.expect(")");
      this.depth = depth;
      return { kind: "tuple", elems: [first, ...rest], span: this.span(start) };
    }
    const path = this.path();
    this.depth = 0;
    return { kind: "named", path, span: this.span(start) };
  }

  /** `"_" ~identPart | Expr`: the lookahead, in a syntactic rule, skips spaces first. */
  private arrayLength(): A.Expr | "_" {
    const save = this.pos;
    if (this.punct("_")) {
      const after = this.pos;
      this.ws();
      const generic = !isIdentPart(this.text.charCodeAt(this.pos));
      this.pos = after;
      if (generic) return "_";
      this.pos = save;
    }
    return this.expr();
  }

  // --- statements ------------------------------------------------------------------------------

  private block(): A.Block {
    const start = this.at();
    this.expect("{");
    const stmts: A.Stmt[] = [];
    while (!this.punct("}")) stmts.push(this.stmt());
    return { stmts, span: this.span(start) };
  }

  private stmt(): A.Stmt {
    const start = this.at();
    const mutable = this.kw("var");
    if (mutable || this.kw("let")) return this.letStmt(start, mutable);
    const assign = this.attempt(() => this.assign(start));
    if (assign) return assign;
    if (this.kw("if")) {
      // `if c { a } else { b };` is an expression statement: the If statement fails on `a }`.
      const ifStmt = this.attempt(() => this.ifStmt(start));
      if (ifStmt) return ifStmt;
      this.pos = start;
    } else if (this.kw("for")) {
      const v = this.name();
      this.expectKw("in");
      const from = this.expr();
      this.expect("..");
      const to = this.expr();
      const max = this.maxBound();
      const body = this.block();
      return { kind: "for", var: v, start: from, end: to, max, body, span: this.span(start) };
    } else if (this.kw("while")) {
      const cond = this.expr();
      const max = this.maxBound();
      const body = this.block();
      return { kind: "while", cond, max, body, span: this.span(start) };
    } else if (this.kw("break") || this.kw("continue")) {
      const kind = this.text.startsWith("break", start) ? "break" : "continue";
      this.expect(";");
      return { kind, span: this.span(start) };
    } else if (this.kw("return")) {
      const value = this.punct(";") ? undefined : this.exprThen(";");
      return { kind: "return", value, span: this.span(start) };
    } else if (this.kw("fail")) {
      const error = this.path();
      this.expect(";");
      return { kind: "fail", error, span: this.span(start) };
    } else if (this.kw("resubmit")) {
      return this.resubmit(start);
    } else if (this.kw("scan")) {
      const scan = this.attempt(() => this.scan(start));
      if (scan) return scan;
      this.pos = start;
    } else if (this.text.startsWith("{", start)) {
      const block = this.block();
      return { kind: "block", block, span: block.span };
    }
    const expr = this.exprThen(";");
    return { kind: "expr", expr, span: this.span(start) };
  }

  private letStmt(start: number, mutable: boolean): A.Stmt {
    const patternStart = this.at();
    let pattern: A.Pattern;
    if (this.punct("(")) {
      const names = this.nonemptyList(() => this.name());
      this.expect(")");
      pattern = { kind: "tuple", names, span: this.span(patternStart) };
    } else {
      pattern = { kind: "name", name: this.name(), span: this.span(patternStart) };
    }
    const type = this.punct(":") ? this.type() : undefined;
    this.expect("=");
    const init = this.exprThen(";");
    return { kind: "let", mutable, pattern, type, init, span: this.span(start) };
  }

  private assign(start: number): A.Stmt {
    const path = this.path();
    const target: A.NameExpr = { kind: "name", path, span: this.span(start) };
    const op = this.assignOp();
    const value = this.exprThen(";");
    return { kind: "assign", target, op, value, span: this.span(start) };
  }

  private assignOp(): A.AssignOp {
    const start = this.at();
    for (const op of ["<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^="] as const) {
      if (this.text.startsWith(op, start)) {
        this.pos += op.length;
        return op;
      }
    }
    if (this.text.charCodeAt(start) === 61 && this.text.charCodeAt(start + 1) !== 61) {
      this.pos++;
      return "=";
    }
    throw MISMATCH;
  }

  private ifStmt(start: number): A.Stmt {
    const cond = this.expr();
    const then = this.block();
    let otherwise: A.Block | undefined;
    const beforeElse = this.pos;
    if (this.kw("else")) {
      const elseStart = this.at();
      const elseIf = this.kw("if") ? this.attempt(() => this.ifStmt(elseStart)) : undefined;
      if (elseIf) {
        otherwise = { stmts: [elseIf], span: elseIf.span };
      } else if (this.text.startsWith("{", elseStart)) {
        otherwise = this.block();
      } else {
        this.pos = beforeElse;
      }
    }
    return { kind: "if", cond, then, else: otherwise, span: this.span(start) };
  }

  private maxBound(): A.Expr | undefined {
    return this.kw("max") ? this.expr() : undefined;
  }

  private resubmit(start: number): A.Stmt {
    const offset = this.expr();
    const size = this.punct(",") ? this.expr() : undefined;
    const file = this.kw("in") ? this.string() : undefined;
    const stage = this.punct("->") ? this.name() : undefined;
    this.expect(";");
    return { kind: "resubmit", offset, size, file, stage, span: this.span(start) };
  }

  private scan(start: number): A.ScanStmt {
    const v = this.name();
    this.expectKw("in");
    const from = this.expr();
    this.expect("..");
    const to = this.expr();
    const max = this.maxBound();
    const lets: A.ScanStmt["lets"] = [];
    for (let letStart = this.at(); this.kw("let"); letStart = this.at()) {
      const name = this.name();
      this.expect("=");
      const value = this.expr();
      lets.push({ name, value, span: this.span(letStart) });
    }
    const until = this.kw("until") ? this.expr() : undefined;
    const filters: A.Expr[] = [];
    while (this.kw("filter")) filters.push(this.expr());
    const emitStart = this.at();
    this.expectKw("emit");
    this.expect("{");
    const emit = this.listUntil("}", () => {
      const fieldStart = this.at();
      const name = this.name();
      if (this.punct(":")) return { name, value: this.expr(), span: this.span(fieldStart) };
      const value: A.Expr = { kind: "name", path: [name], span: name.span };
      return { name, value, span: this.span(fieldStart) };
    });
    const emitSpan = this.span(emitStart);
    this.expect(";");
    return {
      kind: "scan",
      var: v,
      start: from,
      end: to,
      max,
      lets,
      until,
      filters,
      emit,
      emitSpan,
      span: this.span(start),
    };
  }

  // --- expressions -----------------------------------------------------------------------------

  /** An `Expr` that must be followed by `close` (consumed). */
  private exprThen(close: string): A.Expr {
    const e = this.expr();
    this.expect(close);
    return e;
  }

  /** `Expr = Operand (binaryOp Operand)*`. */
  private expr(): A.Expr {
    return this.chain(() => this.binaryOp());
  }

  /** `Sum = Operand (sumOp Operand)*`: the offset of `T at ...`. */
  private sum(): A.Expr {
    return this.chain(() => this.sumOp());
  }

  /** Operands joined by the operators `nextOp` finds, as parse.ts's `binaryChain` builds them. */
  private chain(nextOp: () => A.BinaryOp | undefined): A.Expr {
    const operands = [this.operand()];
    const ops: A.BinaryOp[] = [];
    for (;;) {
      const save = this.pos;
      const op = nextOp();
      const right = op && this.attempt(() => this.operand());
      if (!op || !right) {
        this.pos = save;
        break;
      }
      ops.push(op);
      operands.push(right);
    }
    this.nest(ops.length + Math.max(...operands.map((o) => o.depth)));
    if (ops.length === 0) return operands[0].e;
    const tree = operatorTree(operands, ops);
    return refusable(() =>
      treeToExpr(
        tree,
        (o) => o.e,
        (start, end) => this.span(start, end),
      ),
    );
  }

  private nest(depth: number): void {
    if (depth > MAX_NESTING) throw GIVE_UP;
    this.depth = depth;
  }

  /** `binaryOp`, the lexical rule: the first alternative that matches. */
  private binaryOp(): A.BinaryOp | undefined {
    const sum = this.sumOp();
    if (sum) return sum;
    const i = this.at();
    const t = this.text;
    const c = t[i];
    const d = t[i + 1];
    const take = (op: A.BinaryOp): A.BinaryOp => {
      this.pos = i + op.length;
      return op;
    };
    if ((c === "<" || c === ">") && d === c)
      return t[i + 2] === "=" ? undefined : take(c === "<" ? "<<" : ">>");
    if (c === "&") return d === "&" ? take("&&") : d === "=" ? undefined : take("&");
    if (c === "^") return d === "=" ? undefined : take("^");
    if (c === "|") return d === "|" ? take("||") : d === "=" ? undefined : take("|");
    if (d === "=" && (c === "=" || c === "!" || c === "<" || c === ">"))
      return take(`${c}=` as A.BinaryOp);
    if (c === "<" || c === ">") return take(c);
    return undefined;
  }

  /** `sumOp = mulOp | addOp`. */
  private sumOp(): A.BinaryOp | undefined {
    const i = this.at();
    const c = this.text[i];
    const d = this.text[i + 1];
    if ((c === "*" || c === "/" || c === "%" || c === "+") && d !== "=") {
      this.pos = i + 1;
      return c;
    }
    if (c === "-" && d !== "=" && d !== ">") {
      this.pos = i + 1;
      return c;
    }
    return undefined;
  }

  /** `Operand = unaryOp* Primary PostfixOp* ("as" Type)*`, as parse.ts's `operand` builds it. */
  private operand(): Operand {
    if (++this.operands > 4 * this.text.length + 64) throw GIVE_UP;
    const start = this.at();
    const prefixes: { op: A.UnaryOp; start: number }[] = [];
    for (;;) {
      const at = this.at();
      const c = this.text[at];
      if (c === "-" || c === "~" || (c === "!" && this.text[at + 1] !== "=")) {
        prefixes.push({ op: c, start: at });
        this.pos++;
      } else break;
    }
    const primaryStart = this.at();
    let { e, depth } = this.primary();
    let levels = prefixes.length;
    for (;;) {
      const save = this.pos;
      const next = this.attempt(() => this.postfix(e, primaryStart));
      if (!next) {
        this.pos = save;
        break;
      }
      e = next.e;
      depth = Math.max(depth, next.depth);
      levels++;
    }
    const postfixEnd = this.pos;
    for (let k = prefixes.length - 1; k >= 0; k--) {
      const { op, start: opStart } = prefixes[k];
      e = { kind: "unary", op, operand: e, span: this.span(opStart, postfixEnd) };
    }
    for (;;) {
      const save = this.pos;
      const target = this.kw("as") ? this.attempt(() => this.type()) : undefined;
      if (!target) {
        this.pos = save;
        break;
      }
      e = { kind: "cast", operand: e, target, span: this.span(start) };
      depth = Math.max(depth, this.depth);
      levels++;
    }
    this.nest(levels + depth);
    return { e, start, end: this.pos, depth: this.depth };
  }

  /** One `PostfixOp` applied to `object`, which starts at `start`. */
  private postfix(object: A.Expr, start: number): { e: A.Expr; depth: number } {
    if (this.punct(".")) {
      const field = this.name();
      return { e: { kind: "field", object, field, span: this.span(start) }, depth: 0 };
    }
    if (this.punct("[")) {
      const index = this.exprThen("]");
      return { e: { kind: "index", object, index, span: this.span(start) }, depth: this.depth };
    }
    this.expect("(");
    let depth = 0;
    const args = this.listUntil(")", () => {
      const arg = this.expr();
      depth = Math.max(depth, this.depth);
      return arg;
    });
    if (object.kind !== "name") throw GIVE_UP; // E0301, ohm's to report
    return { e: { kind: "call", callee: object, args, span: this.span(start) }, depth };
  }

  /** `Primary`, and how deep the expressions in it nest. */
  private primary(): { e: A.Expr; depth: number } {
    const start = this.at();
    const c = this.text.charCodeAt(start);
    if (this.kw("if")) return this.ifExpr(start);
    if (c === 40 /* ( */) {
      // tuple | paren; a failure leaves `(T, U) at x` (a tuple type) to ohm.
      this.pos++;
      const first = this.attempt(() => this.expr());
      if (!first) throw GIVE_UP;
      let depth = this.depth;
      if (this.punct(")")) return { e: first, depth };
      if (!this.punct(",")) throw GIVE_UP;
      const rest = this.attempt(() =>
        this.nonemptyList(() => {
          const elem = this.expr();
          depth = Math.max(depth, this.depth);
          return elem;
        }),
      );
      if (!rest || !this.punct(")")) throw GIVE_UP;
      return { e: { kind: "tuple", elems: [first, ...rest], span: this.span(start) }, depth };
    }
    if (this.kw("sizeof")) {
      this.expect("(");
      const type = this.type();
      const depth = this.depth;
      this.expect(")");
      return { e: { kind: "sizeof", target: type, span: this.span(start) }, depth };
    }
    if (c === 91 /* [ */ || this.startsName(start)) return this.atOrPath(start);
    if (c >= 48 && c <= 57) {
      INT.lastIndex = start;
      const text = INT.exec(this.text)![0];
      this.pos = start + text.length;
      const s = this.span(start);
      const value = refusable(() => parseIntLiteral(text, s));
      return { e: { kind: "int", value, text, span: s }, depth: 0 };
    }
    if (this.kw("true"))
      return { e: { kind: "bool", value: true, span: this.span(start) }, depth: 0 };
    if (this.kw("false"))
      return { e: { kind: "bool", value: false, span: this.span(start) }, depth: 0 };
    throw MISMATCH;
  }

  private startsName(at: number): boolean {
    NAME.lastIndex = at;
    const m = NAME.exec(this.text);
    return m !== null && !RESERVED.has(m[0]);
  }

  /** `Type "at" Sum`, else (a name not followed by `at`) `Path`. */
  private atOrPath(start: number): { e: A.Expr; depth: number } {
    const type = this.type();
    const depth = this.depth;
    if (this.kw("at")) {
      const offset = this.attempt(() => this.sum());
      if (!offset) throw GIVE_UP;
      const e: A.Expr = { kind: "at", target: type, offset, span: this.span(start) };
      return { e, depth: Math.max(depth, this.depth) };
    }
    if (type.kind !== "named") throw GIVE_UP;
    return { e: { kind: "name", path: type.path, span: this.span(start) }, depth: 0 };
  }

  /** `IfExpr`, after its `if`. */
  private ifExpr(start: number): { e: A.Expr; depth: number } {
    const cond = this.expr();
    let depth = this.depth;
    this.expect("{");
    const then = this.exprThen("}");
    depth = Math.max(depth, this.depth);
    this.expectKw("else");
    let otherwise: A.Expr;
    const elseStart = this.at();
    if (this.kw("if")) {
      const inner = this.ifExpr(elseStart);
      otherwise = inner.e;
      depth = Math.max(depth, inner.depth);
    } else {
      this.expect("{");
      otherwise = this.exprThen("}");
      depth = Math.max(depth, this.depth);
    }
    return { e: { kind: "if", cond, then, else: otherwise, span: this.span(start) }, depth };
  }
}

/** The module `text` (comments blanked) holds, or undefined when ohm should have the say. */
export function parseByDescent(text: string, map: LineMap): A.Module | undefined {
  try {
    return new Descent(text, map).module();
  } catch (e) {
    if (e === MISMATCH || e === GIVE_UP) return undefined;
    throw e;
  }
}
