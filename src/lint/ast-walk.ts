// Walks the checked syntax tree of the program's own file (imports are other people's code): every
// function body and the storage function's body and stages, statement by statement and expression
// by expression. The AST rules (E0710, E0712–E0715) are written over these walks.
import type * as A from "../compiler/front/ast.js";

/** The bodies of the main module: each function's and the storage function's (with stages). */
export interface Body {
  owner: A.FnItem | A.StorageItem;
  blocks: A.Block[];
}

export function bodiesOf(module: A.Module): Body[] {
  return module.items.flatMap((item): Body[] => {
    if (item.kind === "fn") return [{ owner: item, blocks: [item.body] }];
    if (item.kind === "storage")
      return [{ owner: item, blocks: [item.body, ...item.stages.map((s) => s.body)] }];
    return [];
  });
}

/** The blocks nested directly in a statement. */
export function blocksOf(s: A.Stmt): A.Block[] {
  switch (s.kind) {
    case "if":
      return s.else ? [s.then, s.else] : [s.then];
    case "for":
    case "while":
      return [s.body];
    case "block":
      return [s.block];
    default:
      return [];
  }
}

/** Every statement in `block`, nested ones included, outer before inner. */
export function forEachStmt(block: A.Block, visit: (s: A.Stmt) => void): void {
  for (const s of block.stmts) {
    visit(s);
    for (const b of blocksOf(s)) forEachStmt(b, visit);
  }
}

/** The expressions a statement holds directly (not those of nested blocks). */
export function exprsOf(s: A.Stmt): A.Expr[] {
  switch (s.kind) {
    case "let":
      return [s.init];
    case "assign":
      return [s.value];
    case "if":
      return [s.cond];
    case "for":
      return [s.start, s.end, ...(s.max ? [s.max] : [])];
    case "while":
      return [s.cond, ...(s.max ? [s.max] : [])];
    case "return":
      return s.value ? [s.value] : [];
    case "resubmit":
      return [s.offset, ...(s.size ? [s.size] : [])];
    case "scan":
      return [
        s.start,
        s.end,
        ...(s.max ? [s.max] : []),
        ...s.lets.map((l) => l.value),
        ...(s.until ? [s.until] : []),
        ...s.filters,
        ...s.emit.map((e) => e.value),
      ];
    case "expr":
      return [s.expr];
    default:
      return [];
  }
}

/** The direct subexpressions of `e`. */
export function childrenOf(e: A.Expr): A.Expr[] {
  switch (e.kind) {
    case "unary":
    case "cast":
      return [e.operand];
    case "binary":
      return [e.left, e.right];
    case "call":
      return e.args;
    case "field":
      return [e.object];
    case "index":
      return [e.object, e.index];
    case "at":
      return [e.offset, ...(e.runtimeLength ? [e.runtimeLength] : [])];
    case "tuple":
      return e.elems;
    case "if":
      return [e.cond, e.then, e.else];
    default:
      return [];
  }
}

/** `e` and every expression inside it, outer first. */
export function forEachExpr(e: A.Expr, visit: (e: A.Expr) => void): void {
  visit(e);
  for (const c of childrenOf(e)) forEachExpr(c, visit);
}
