// Source text → AST (src/compiler/front/ast.ts), with a span on every node. The grammar is
// grammar/iochain.ohm; syntax errors become one E03xx diagnostic (parse-errors.ts).
import type * as ohm from "ohm-js";
import { internalError, IochainError } from "../../diagnostics.js";
import type * as A from "./ast.js";
import { parseByDescent } from "./descent/items.js";
import { loadGrammar } from "./grammar.js";
import { parseIntLiteral, unescapeString } from "./literals.js";
import { operatorTree, treeToExpr } from "./operators.js";
import { syntaxError } from "./parse-errors.js";
import {
  blankComments,
  checkSourceLimits,
  lexicalError,
  LineMap,
  MAX_NESTING,
  nestingError,
  tooDeep,
} from "./source.js";

let cached: { grammar: ohm.Grammar; semantics: ohm.Semantics } | undefined;
/** The file being built by the current `parseModule` call (semantic actions need its line map). */
let current: LineMap | undefined;

function lines(): LineMap {
  if (!current) throw internalError("parser used outside parseModule");
  return current;
}

function span(node: ohm.Node): A.Span {
  return lines().span(node.source.startIdx, node.source.endIdx);
}

const ast = (n: ohm.Node): any => n["ast"]();

/** The expression levels open around the node being built (MAX_NESTING, source.ts). */
let nesting = 0;

/** Builds an expression `levels` deeper than its surroundings, or E0312 past the limit. */
function deeper<T>(levels: number, at: () => A.Span, build: () => T): T {
  if (nesting + levels > MAX_NESTING) throw tooDeep(at(), "expression operators");
  nesting += levels;
  try {
    return build();
  } finally {
    nesting -= levels;
  }
}
const list = (n: ohm.Node): any[] => n.asIteration().children.map(ast);
const opt = <T>(n: ohm.Node): T | undefined =>
  n.numChildren > 0 ? (ast(n.child(0)) as T) : undefined;
const ident = (n: ohm.Node): A.Ident => ({ name: n.sourceString, span: span(n) });

/** `Operand (op Operand)*` → the AST, all operators left-associative by precedence. */
function binaryChain(first: ohm.Node, opsNode: ohm.Node, restNode: ohm.Node): A.Expr {
  const operands = [first, ...restNode.children].map((node) => ({
    node,
    start: node.source.startIdx,
    end: node.source.endIdx,
  }));
  const ops = opsNode.children.map((o) => o.sourceString as A.BinaryOp);
  // A chain of n operators is at most n levels deep (exactly n when all are left-associative):
  // checked before the tree is built, so 150,000 terms are refused at once.
  return deeper(
    ops.length,
    () => lines().span(first.source.startIdx, restNode.source.endIdx),
    () =>
      treeToExpr(
        operatorTree(operands, ops),
        (o) => ast(o.node),
        (start, end) => lines().span(start, end),
      ),
  );
}

/** `unaryOp* Primary PostfixOp* ("as" Type)*` → the AST: postfix first, then prefix, then casts. */
function operand(
  node: ohm.Node,
  unaryOps: ohm.Node,
  primary: ohm.Node,
  postfixOps: ohm.Node,
  types: ohm.Node,
): A.Expr {
  const start = primary.source.startIdx;
  let e = ast(primary) as A.Expr;
  for (const op of postfixOps.children) e = postfix(e, start, op.child(0));
  const postfixEnd = postfixOps.children.at(-1)?.source.endIdx ?? primary.source.endIdx;
  const prefixes = unaryOps.children;
  for (let k = prefixes.length - 1; k >= 0; k--) {
    const op = prefixes[k];
    const s = lines().span(op.source.startIdx, postfixEnd);
    e = { kind: "unary", op: op.sourceString as A.UnaryOp, operand: e, span: s };
  }
  // `as` applies to the whole prefixed operand: `-x as u8` is `(-x) as u8`.
  const operandStart = node.source.startIdx;
  for (const type of types.children) {
    const s = lines().span(operandStart, type.source.endIdx);
    e = { kind: "cast", operand: e, target: ast(type), span: s };
  }
  return e;
}

/** Applies one `PostfixOp` (field, index, call) to `object`, which starts at `start`. */
function postfix(object: A.Expr, start: number, op: ohm.Node): A.Expr {
  const s = lines().span(start, op.source.endIdx);
  switch (op.ctorName) {
    case "PostfixOp_field":
      return { kind: "field", object, field: ident(op.child(1)), span: s };
    case "PostfixOp_index":
      return { kind: "index", object, index: ast(op.child(1)), span: s };
    default: {
      if (object.kind !== "name") {
        throw new IochainError(
          "E0301",
          "only functions can be called",
          object.span,
          "call a function by its name: `f(x)` or `module::f(x)`",
        );
      }
      return { kind: "call", callee: object, args: list(op.child(1)), span: s };
    }
  }
}

const actions: ohm.ActionDict<unknown> = {
  Module(items) {
    return {
      kind: "module",
      file: lines().file,
      source: lines().source,
      items: items.children.map(ast),
      span: span(this),
    };
  },

  Import(_kw, target, alias, _semi) {
    return { kind: "import", target: ast(target), alias: opt(alias), span: span(this) };
  },
  ImportTarget_std(_std, _sep, name) {
    return { std: ident(name) };
  },
  ImportTarget_path(str) {
    return { path: { value: unescapeString(str.sourceString, span(str)), span: span(str) } };
  },
  ImportAlias(_as, name) {
    return ident(name);
  },

  Const(pub, _kw, name, type, _eq, value, _semi) {
    return {
      kind: "const",
      pub: ast(pub),
      name: ident(name),
      type: opt(type),
      value: ast(value),
      span: span(this),
    };
  },
  ErrorDecl(pub, _kw, names, _semi) {
    return {
      kind: "error",
      pub: ast(pub),
      names: names.asIteration().children.map(ident),
      span: span(this),
    };
  },
  Layout(pub, _kw, name, endian, _open, fields, _comma, _close) {
    return {
      kind: "layout",
      pub: ast(pub),
      name: ident(name),
      endian: opt(endian),
      fields: list(fields),
      span: span(this),
    };
  },
  LayoutEndian(_colon, which) {
    return which.sourceString;
  },
  LayoutField(name, _colon, type) {
    return {
      name: name.sourceString === "_" ? null : ident(name),
      type: ast(type),
      span: span(this),
    };
  },
  Fn(pub, noinline, _kw, name, _open, params, _comma, _close, result, body) {
    return {
      kind: "fn",
      pub: ast(pub),
      noinline: ast(noinline),
      name: ident(name),
      params: list(params),
      result: opt(result),
      body: ast(body),
      span: span(this),
    };
  },
  Pub(kw) {
    return kw.numChildren > 0;
  },
  NoInline(kw) {
    return kw.numChildren > 0;
  },
  Param(name, _colon, type) {
    return { name: ident(name), type: ast(type), span: span(this) };
  },
  ResultType(_arrow, type) {
    return ast(type);
  },

  Storage(_storage, _fn, name, _open, params, _comma, _close, result, clauses, _lb, members, _rb) {
    const decls: A.StorageDecl[] = [];
    const stages: A.Stage[] = [];
    const stmts: A.Stmt[] = [];
    for (const m of members.children.map(ast) as { member: string; node: any }[]) {
      if (m.member === "decl") decls.push(m.node);
      else if (m.member === "stage") stages.push(m.node);
      else stmts.push(m.node);
    }
    const bodySpan = lines().span(_lb.source.startIdx, _rb.source.endIdx);
    return {
      kind: "storage",
      name: ident(name),
      params: list(params),
      result: opt(result),
      clauses: clauses.children.map(ast),
      decls,
      stages,
      body: { stmts, span: bodySpan },
      span: span(this),
    };
  },
  Clause_reads(_kw, files) {
    return {
      kind: "reads",
      files: files.asIteration().children.map((f) => ({
        value: unescapeString(f.sourceString, span(f)),
        span: span(f),
      })),
      span: span(this),
    };
  },
  Clause_block(_kw, value) {
    return { kind: "block", value: ast(value), span: span(this) };
  },
  Clause_start(_kw, value, size, file) {
    return {
      kind: "start",
      value: ast(value),
      size: opt(size),
      file: opt(file),
      span: span(this),
    };
  },
  Clause_maxChain(_kw, value) {
    return { kind: "max_chain", value: ast(value), span: span(this) };
  },
  StorageMember(m) {
    const node = ast(m);
    const ctor = m.ctorName;
    const member = ctor === "Stage" ? "stage" : ctor === "Stmt" ? "stmt" : "decl";
    return { member, node };
  },
  StateDecl(_kw, name, _colon, type, init, _semi) {
    return { kind: "state", name: ident(name), type: ast(type), init: opt(init), span: span(this) };
  },
  Init(_eq, value) {
    return ast(value);
  },
  OutputDecl(_kw, _open, fields, _comma, _close, capacity, _semi) {
    return { kind: "output", fields: list(fields), capacity: opt(capacity), span: span(this) };
  },
  OutputField(name, _colon, type) {
    return { name: ident(name), type: ast(type), span: span(this) };
  },
  Capacity(_kw, value) {
    return ast(value);
  },
  AggregateDecl(_kw, _open, items, _comma, _close, _semi) {
    return { kind: "aggregate", items: list(items), span: span(this) };
  },
  AggregateItem(name, _colon, fn, _open, argument, _close) {
    const arg = opt<A.Expr>(argument);
    const field = arg?.kind === "name" && arg.path.length === 1 ? arg.path[0] : undefined;
    return { name: ident(name), fn: ident(fn), field, arg, span: span(this) };
  },
  Stage(_kw, name, body) {
    return { name: ident(name), body: ast(body), span: span(this) };
  },

  Type_array(_open, elem, _semi, length, _close) {
    return { kind: "array", elem: ast(elem), length: ast(length), span: span(this) };
  },
  Type_tuple(_open, first, _comma, rest, _close) {
    return { kind: "tuple", elems: [ast(first), ...list(rest)], span: span(this) };
  },
  Type_named(path) {
    return { kind: "named", path: path.asIteration().children.map(ident), span: span(this) };
  },
  ArrayLength_generic(_u) {
    return "_";
  },
  TypeAnnot(_colon, type) {
    return ast(type);
  },

  Block(_open, stmts, _close) {
    return { stmts: stmts.children.map(ast), span: span(this) };
  },
  Stmt_block(block) {
    return { kind: "block", block: ast(block), span: span(this) };
  },
  Stmt_expr(expr, _semi) {
    return { kind: "expr", expr: ast(expr), span: span(this) };
  },
  Let(kw, pattern, type, _eq, init, _semi) {
    return {
      kind: "let",
      mutable: kw.sourceString === "var",
      pattern: ast(pattern),
      type: opt(type),
      init: ast(init),
      span: span(this),
    };
  },
  Pattern_tuple(_open, names, _close) {
    return { kind: "tuple", names: names.asIteration().children.map(ident), span: span(this) };
  },
  Pattern_name(name) {
    return { kind: "name", name: ident(name), span: span(this) };
  },
  Assign(target, op, value, _semi) {
    const t = { kind: "name", path: target.asIteration().children.map(ident), span: span(target) };
    return { kind: "assign", target: t, op: op.sourceString, value: ast(value), span: span(this) };
  },
  If(_kw, cond, then, els) {
    return { kind: "if", cond: ast(cond), then: ast(then), else: opt(els), span: span(this) };
  },
  Else_if(_kw, ifStmt) {
    const s = ast(ifStmt) as A.Stmt;
    return { stmts: [s], span: s.span };
  },
  Else_block(_kw, block) {
    return ast(block);
  },
  For(_kw, name, _in, start, _dots, end, max, body) {
    return {
      kind: "for",
      var: ident(name),
      start: ast(start),
      end: ast(end),
      max: opt(max),
      body: ast(body),
      span: span(this),
    };
  },
  While(_kw, cond, max, body) {
    return { kind: "while", cond: ast(cond), max: opt(max), body: ast(body), span: span(this) };
  },
  MaxBound(_kw, value) {
    return ast(value);
  },
  Break(_kw, _semi) {
    return { kind: "break", span: span(this) };
  },
  Continue(_kw, _semi) {
    return { kind: "continue", span: span(this) };
  },
  Return(_kw, value, _semi) {
    return { kind: "return", value: opt(value), span: span(this) };
  },
  Fail(_kw, path, _semi) {
    return { kind: "fail", error: path.asIteration().children.map(ident), span: span(this) };
  },
  Resubmit(_kw, offset, size, file, stage, _semi) {
    return {
      kind: "resubmit",
      offset: ast(offset),
      size: opt(size),
      file: opt(file),
      stage: opt(stage),
      span: span(this),
    };
  },
  ResubmitSize(_comma, value) {
    return ast(value);
  },
  ReadFile(_in, name) {
    return { value: unescapeString(name.sourceString, span(name)), span: span(name) };
  },
  NextStage(_arrow, name) {
    return ident(name);
  },
  Scan(_kw, name, _in, start, _dots, end, max, lets, until, filters, emit, _semi) {
    const e = ast(emit) as { fields: A.ScanStmt["emit"]; span: A.Span };
    return {
      kind: "scan",
      var: ident(name),
      start: ast(start),
      end: ast(end),
      max: opt(max),
      lets: lets.children.map(ast),
      until: opt(until),
      filters: filters.children.map(ast),
      emit: e.fields,
      emitSpan: e.span,
      span: span(this),
    };
  },
  ScanLet(_kw, name, _eq, value) {
    return { name: ident(name), value: ast(value), span: span(this) };
  },
  ScanUntil(_kw, cond) {
    return ast(cond);
  },
  ScanFilter(_kw, cond) {
    return ast(cond);
  },
  Emit(_kw, _open, fields, _comma, _close) {
    return { fields: list(fields), span: span(this) };
  },
  EmitField_full(name, _colon, value) {
    return { name: ident(name), value: ast(value), span: span(this) };
  },
  EmitField_short(name) {
    const id = ident(name);
    return { name: id, value: { kind: "name", path: [id], span: id.span }, span: span(this) };
  },

  Expr(first, ops, rest) {
    return binaryChain(first, ops, rest);
  },
  Sum(first, ops, rest) {
    return binaryChain(first, ops, rest);
  },
  Operand(unaryOps, primary, postfixOps, _as, types) {
    const levels = unaryOps.numChildren + postfixOps.numChildren + types.numChildren;
    return deeper(
      levels,
      () => span(this),
      () => operand(this, unaryOps, primary, postfixOps, types),
    );
  },

  IfExpr(_kw, cond, _open, then, _close, _else, otherwise) {
    return { kind: "if", cond: ast(cond), then: ast(then), else: ast(otherwise), span: span(this) };
  },
  IfExprElse_block(_open, e, _close) {
    return ast(e);
  },
  Primary_tuple(_open, first, _comma, rest, _close) {
    return { kind: "tuple", elems: [ast(first), ...list(rest)], span: span(this) };
  },
  Primary_paren(_open, expr, _close) {
    return ast(expr);
  },
  Primary_sizeof(_kw, _open, type, _close) {
    return { kind: "sizeof", target: ast(type), span: span(this) };
  },
  Primary_at(type, _at, offset) {
    return { kind: "at", target: ast(type), offset: ast(offset), span: span(this) };
  },
  Primary_int(lit) {
    const s = span(this);
    return {
      kind: "int",
      value: parseIntLiteral(lit.sourceString, s),
      text: lit.sourceString,
      span: s,
    };
  },
  Primary_true(_kw) {
    return { kind: "bool", value: true, span: span(this) };
  },
  Primary_false(_kw) {
    return { kind: "bool", value: false, span: span(this) };
  },
  Primary_path(path) {
    return { kind: "name", path: path.asIteration().children.map(ident), span: span(this) };
  },

  _iter(...children) {
    return children.map(ast);
  },
  _terminal() {
    return this.sourceString;
  },
};

function load(): { grammar: ohm.Grammar; semantics: ohm.Semantics } {
  if (!cached) {
    const grammar = loadGrammar();
    const semantics = grammar.createSemantics().addOperation("ast", actions);
    cached = { grammar, semantics };
  }
  return cached;
}

/** The source's line map and its text with comments blanked, once it passes the lexical checks. */
function prepare(source: string, file: string): { map: LineMap; blanked: string } {
  checkSourceLimits(source, file);
  const map = new LineMap(file, source);
  const lexical = lexicalError(map);
  if (lexical) throw lexical;
  const blanked = blankComments(source);
  const deep = nestingError(map, blanked);
  if (deep) throw deep;
  return { map, blanked };
}

/**
 * Parses one module. Throws an IochainError (E03xx) for the first syntax error. The descent
 * parser (descent/) takes what it can, quickly; ohm takes the rest and explains the errors.
 */
export function parseModule(source: string, file: string): A.Module {
  const { map, blanked } = prepare(source, file);
  return parseByDescent(blanked, map) ?? parseWithGrammar(blanked, map);
}

/** The descent parser alone: the module, or undefined where it leaves the text to ohm. */
export function parseModuleByDescent(source: string, file: string): A.Module | undefined {
  const { map, blanked } = prepare(source, file);
  return parseByDescent(blanked, map);
}

/** `parseModule` by ohm alone: what the descent parser is held to. */
export function parseModuleByGrammar(source: string, file: string): A.Module {
  const { map, blanked } = prepare(source, file);
  return parseWithGrammar(blanked, map);
}

function parseWithGrammar(blanked: string, map: LineMap): A.Module {
  const { grammar, semantics } = load();
  const match = grammar.match(blanked);
  if (match.failed()) throw syntaxError(match, map);
  const saved = current;
  current = map;
  try {
    return semantics(match)["ast"]() as A.Module;
  } finally {
    current = saved;
  }
}
