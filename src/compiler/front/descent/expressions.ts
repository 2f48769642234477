// The descent parser's types and expressions (descent/items.ts says what the parser is for),
// building the AST parse.ts's actions build: the same spans, the same operator trees.
import type * as A from "../ast.js";
import { parseIntLiteral } from "../literals.js";
import { operatorTree, type Ranged, treeToExpr } from "../operators.js";
import { MAX_NESTING } from "../source.js";
import { GIVE_UP, isIdentPart, MISMATCH, refusable, Tokens } from "./tokens.js";

const INT = /[0-9][A-Za-z0-9_]*/y;

/** One operand of a binary chain: its AST, where it is, how deep (parse.ts's `deeper`) it nests. */
interface Operand extends Ranged {
  e: A.Expr;
  depth: number;
}

export class Expressions extends Tokens {
  /** Operands parsed so far: past a few per character, backtracking is not paying off. */
  private operands = 0;
  /**
   * How deep (in parse.ts's `deeper` levels) the expression or type just parsed nests: past
   * MAX_NESTING the AST builder refuses it (E0312), which is ohm's to report.
   */
  protected depth = 0;

  /** A type; `depth` is left at how deep the expressions in it (array lengths) nest. */
  protected type(): A.TypeExpr {
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

  /** `name ":" Type`: a parameter, a layout or output field. */
  protected typedName(): { name: A.Ident; type: A.TypeExpr; span: A.Span } {
    const start = this.at();
    const name = this.name();
    this.expect(":");
    const type = this.type();
    return { name, type, span: this.span(start) };
  }

  /** `"_" ~identPart | Expr`: the lookahead, in a syntactic rule, skips spaces first. */
  protected arrayLength(): A.Expr | "_" {
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

  /** An `Expr` that must be followed by `close` (consumed). */
  protected exprThen(close: string): A.Expr {
    const e = this.expr();
    this.expect(close);
    return e;
  }

  /** `Expr = Operand (binaryOp Operand)*`. */
  protected expr(): A.Expr {
    return this.chain(() => this.binaryOp());
  }

  /** `Sum = Operand (sumOp Operand)*`: the offset of `T at ...`. */
  protected sum(): A.Expr {
    return this.chain(() => this.sumOp());
  }

  /** Operands joined by the operators `nextOp` finds, as parse.ts's `binaryChain` builds them. */
  protected chain(nextOp: () => A.BinaryOp | undefined): A.Expr {
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

  protected nest(depth: number): void {
    if (depth > MAX_NESTING) throw GIVE_UP;
    this.depth = depth;
  }

  /** `binaryOp`, the lexical rule: the first alternative that matches. */
  protected binaryOp(): A.BinaryOp | undefined {
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
  protected sumOp(): A.BinaryOp | undefined {
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
  protected operand(): Operand {
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
  protected postfix(object: A.Expr, start: number): { e: A.Expr; depth: number } {
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
  protected primary(): { e: A.Expr; depth: number } {
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
    if (c === 91 /* [ */ || this.nameAt(start) !== undefined) return this.atOrPath(start);
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

  /** `Type "at" Sum`, else (a name not followed by `at`) `Path`. */
  protected atOrPath(start: number): { e: A.Expr; depth: number } {
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
  protected ifExpr(start: number): { e: A.Expr; depth: number } {
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
