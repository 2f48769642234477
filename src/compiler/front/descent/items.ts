// A recursive-descent parser for grammar/iochain.ohm, for speed: ohm's PEG interpreter spends
// 10-20 ms on a 50-line file in a fresh process (a third of a cold compile); this takes ~2 ms.
// It follows the grammar's ordered choices and builds the AST parse.ts's actions build, and gives
// up (answers undefined) wherever the text is not plainly well-formed: a syntax error, a literal
// or a nesting the AST builder refuses, a backtrack it does not take. parse.ts then runs ohm, the
// grammar of record, whose failures make the diagnostics. test/compiler/front/descent.test.ts
// holds the two to the same AST on every .ioc of the tree and on thousands of mutations of them.
// Layered by the grammar's sections: tokens.ts < expressions.ts < statements.ts < items.ts.
import type * as A from "../ast.js";
import type { LineMap } from "../source.js";
import { Statements } from "./statements.js";
import { GIVE_UP, MISMATCH } from "./tokens.js";

class Items extends Statements {
  module(): A.Module {
    const start = this.at();
    const items: A.Item[] = [];
    while (this.at() < this.text.length) items.push(this.item());
    // Its span runs to the end of the text, trailing spaces included, as ohm's does.
    const { file, source } = this.map;
    return { kind: "module", file, source, items, span: this.span(start) };
  }

  protected item(): A.Item {
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

  protected importItem(start: number): A.ImportItem {
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

  protected layout(start: number, pub: boolean): A.LayoutItem {
    const name = this.name();
    let endian: A.Endian | undefined;
    if (this.punct(":")) {
      if (this.kw("little")) endian = "little";
      else if (this.kw("big")) endian = "big";
      else throw MISMATCH;
    }
    this.expect("{");
    const fields = this.listUntil("}", (): A.LayoutField => {
      const { name: field, type, span } = this.typedName();
      return { name: field.name === "_" ? null : field, type, span };
    });
    return { kind: "layout", pub, name, endian, fields, span: this.span(start) };
  }

  /** `"(" ListOf<Param, ","> ","? ")" ResultType?` */
  protected signature(): { params: A.Param[]; result: A.TypeExpr | undefined } {
    this.expect("(");
    const params = this.listUntil(")", (): A.Param => this.typedName());
    const result = this.punct("->") ? this.type() : undefined;
    return { params, result };
  }

  protected fn(start: number, pub: boolean, noinline: boolean): A.FnItem {
    const name = this.name();
    const { params, result } = this.signature();
    const body = this.block();
    return { kind: "fn", pub, noinline, name, params, result, body, span: this.span(start) };
  }

  protected storage(start: number): A.StorageItem {
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

  protected clause(): A.StorageClause | undefined {
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

  protected stateDecl(start: number): A.StateDecl {
    const name = this.name();
    this.expect(":");
    const type = this.type();
    const init = this.punct("=") ? this.expr() : undefined;
    this.expect(";");
    return { kind: "state", name, type, init, span: this.span(start) };
  }

  protected outputDecl(start: number): A.OutputDecl {
    this.expect("{");
    const fields = this.listUntil("}", (): A.OutputField => this.typedName());
    const capacity = this.kw("capacity") ? this.expr() : undefined;
    this.expect(";");
    return { kind: "output", fields, capacity, span: this.span(start) };
  }

  protected aggregateDecl(start: number): A.AggregateDecl {
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

  protected stage(start: number): A.Stage {
    const name = this.name();
    const body = this.block();
    return { name, body, span: this.span(start) };
  }
}

/** The module `text` (comments blanked) holds, or undefined when ohm should have the say. */
export function parseByDescent(text: string, map: LineMap): A.Module | undefined {
  try {
    return new Items(text, map).module();
  } catch (e) {
    if (e === MISMATCH || e === GIVE_UP) return undefined;
    throw e;
  }
}
