// The binary operators' precedence (docs/language.md) and the tree a flat `Operand (op Operand)*`
// becomes, shared by the two parsers (parse.ts over ohm's match, descent/ on its own).
import { IochainError } from "../../diagnostics.js";
import type * as A from "./ast.js";

/** Binding strength of each binary operator, higher binds tighter. */
export const PRECEDENCE: Record<A.BinaryOp, number> = {
  "*": 10,
  "/": 10,
  "%": 10,
  "+": 9,
  "-": 9,
  "<<": 8,
  ">>": 8,
  "&": 7,
  "^": 6,
  "|": 5,
  "==": 4,
  "!=": 4,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "&&": 3,
  "||": 2,
};

/** Where an operand starts and ends in the text. */
export interface Ranged {
  start: number;
  end: number;
}

/** An operator tree over the operands of one chain, before they become AST. */
export type OperatorTree<T extends Ranged> =
  | { operand: T; start: number; end: number }
  | { op: A.BinaryOp; left: OperatorTree<T>; right: OperatorTree<T>; start: number; end: number };

/** `operands[0] ops[0] operands[1] ...` as a tree, every operator left-associative. */
export function operatorTree<T extends Ranged>(operands: T[], ops: A.BinaryOp[]): OperatorTree<T> {
  let next = 0;
  const climb = (minPrecedence: number): OperatorTree<T> => {
    const operand = operands[next++];
    let left: OperatorTree<T> = { operand, start: operand.start, end: operand.end };
    while (next - 1 < ops.length && PRECEDENCE[ops[next - 1]] >= minPrecedence) {
      const op = ops[next - 1];
      const right = climb(PRECEDENCE[op] + 1);
      left = { op, left, right, start: left.start, end: right.end };
    }
    return left;
  };
  return climb(0);
}

const isComparison = <T extends Ranged>(t: OperatorTree<T>): boolean =>
  "op" in t && PRECEDENCE[t.op] === PRECEDENCE["=="];

/**
 * The tree as AST, built from the top, left before right, so that the first error thrown (a
 * chained comparison, a bad literal in an operand) is the leftmost outermost one.
 */
export function treeToExpr<T extends Ranged>(
  tree: OperatorTree<T>,
  operandExpr: (operand: T) => A.Expr,
  span: (start: number, end: number) => A.Span,
): A.Expr {
  if ("operand" in tree) return operandExpr(tree.operand);
  const whole = span(tree.start, tree.end);
  if (isComparison(tree) && isComparison(tree.left)) {
    throw new IochainError(
      "E0308",
      "comparisons cannot be chained",
      whole,
      "write `a < b && b < c`, or parenthesize to compare a bool",
    );
  }
  return {
    kind: "binary",
    op: tree.op,
    left: treeToExpr(tree.left, operandExpr, span),
    right: treeToExpr(tree.right, operandExpr, span),
    span: whole,
  };
}
