// The descent parser's statements (descent/items.ts says what the parser is for), with the
// grammar's ordered choices: `Let | Assign | If | ... | Block | Expr ";"`.
import type * as A from "../ast.js";
import { Expressions } from "./expressions.js";
import { MISMATCH } from "./tokens.js";

export class Statements extends Expressions {
  protected block(): A.Block {
    const start = this.at();
    this.expect("{");
    const stmts: A.Stmt[] = [];
    while (!this.punct("}")) stmts.push(this.stmt());
    return { stmts, span: this.span(start) };
  }

  protected stmt(): A.Stmt {
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
      const range = this.loopRange();
      const body = this.block();
      return { kind: "for", ...range, body, span: this.span(start) };
    } else if (this.kw("while")) {
      const cond = this.expr();
      const max = this.kw("max") ? this.expr() : undefined;
      const body = this.block();
      return { kind: "while", cond, max, body, span: this.span(start) };
    } else if (this.kw("break")) {
      this.expect(";");
      return { kind: "break", span: this.span(start) };
    } else if (this.kw("continue")) {
      this.expect(";");
      return { kind: "continue", span: this.span(start) };
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

  protected letStmt(start: number, mutable: boolean): A.Stmt {
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

  protected assign(start: number): A.Stmt {
    const path = this.path();
    const target: A.NameExpr = { kind: "name", path, span: this.span(start) };
    const op = this.assignOp();
    const value = this.exprThen(";");
    return { kind: "assign", target, op, value, span: this.span(start) };
  }

  protected assignOp(): A.AssignOp {
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

  protected ifStmt(start: number): A.Stmt {
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

  /** `name "in" Expr ".." Expr MaxBound?`, of `for` and `scan`. */
  protected loopRange(): { var: A.Ident; start: A.Expr; end: A.Expr; max: A.Expr | undefined } {
    const v = this.name();
    this.expectKw("in");
    const start = this.expr();
    this.expect("..");
    const end = this.expr();
    const max = this.kw("max") ? this.expr() : undefined;
    return { var: v, start, end, max };
  }

  protected resubmit(start: number): A.Stmt {
    const offset = this.expr();
    const size = this.punct(",") ? this.expr() : undefined;
    const file = this.kw("in") ? this.string() : undefined;
    const stage = this.punct("->") ? this.name() : undefined;
    this.expect(";");
    return { kind: "resubmit", offset, size, file, stage, span: this.span(start) };
  }

  protected scan(start: number): A.ScanStmt {
    const range = this.loopRange();
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
    return { kind: "scan", ...range, lets, until, filters, emit, emitSpan, span: this.span(start) };
  }
}
