// The range of values an integer expression can take, from its type, its constants, casts and
// arithmetic — computed exactly (bigint), without wrapping, so that a rule can see both what a
// comparison can answer (E0713) and whether arithmetic can pass its type's bounds (E0714).
import type * as A from "../compiler/front/ast.js";

export interface Range {
  lo: bigint;
  hi: bigint;
}

/** All values of an integer type. */
export function typeRange(t: A.IntType): Range {
  const bits = BigInt(t.bits);
  return t.signed
    ? { lo: -(1n << (bits - 1n)), hi: (1n << (bits - 1n)) - 1n }
    : { lo: 0n, hi: (1n << bits) - 1n };
}

const within = (r: Range, t: Range): boolean => r.lo >= t.lo && r.hi <= t.hi;
const span = (...xs: bigint[]): Range => ({
  lo: xs.reduce((a, b) => (a < b ? a : b)),
  hi: xs.reduce((a, b) => (a > b ? a : b)),
});

/**
 * The values `e` can take as computed without wrapping (so possibly outside its type), or
 * undefined when that is not an integer or not known. `leaf` may give a tighter range for a name.
 */
export function exactRange(e: A.Expr, leaf?: (e: A.Expr) => Range | undefined): Range | undefined {
  if (e.constValue !== undefined) return { lo: e.constValue, hi: e.constValue };
  const ty = e.ty;
  if (ty?.kind !== "int") return undefined;
  const own = typeRange(ty);
  const sub = (x: A.Expr): Range | undefined => {
    const r = exactRange(x, leaf);
    // An operand that may itself wrap is taken as any value of its type.
    return r && x.ty?.kind === "int" && !within(r, typeRange(x.ty)) ? typeRange(x.ty) : r;
  };
  const fromLeaf = leaf?.(e);
  if (fromLeaf) return within(fromLeaf, own) ? fromLeaf : own;
  switch (e.kind) {
    case "cast": {
      const r = sub(e.operand);
      return r && within(r, own) ? r : own;
    }
    case "binary": {
      const a = sub(e.left);
      const b = sub(e.right);
      if (!a || !b) return own;
      switch (e.op) {
        case "+":
          return { lo: a.lo + b.lo, hi: a.hi + b.hi };
        case "-":
          return { lo: a.lo - b.hi, hi: a.hi - b.lo };
        case "*":
          return span(a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi);
        case "<<":
          return b.lo >= 0n && b.hi < BigInt(ty.bits) && a.lo >= 0n
            ? { lo: a.lo << b.lo, hi: a.hi << b.hi }
            : own;
        case "&":
          return a.lo >= 0n && b.lo >= 0n ? { lo: 0n, hi: a.hi < b.hi ? a.hi : b.hi } : own;
        case "%":
          return a.lo >= 0n && b.lo > 0n
            ? { lo: 0n, hi: a.hi < b.hi - 1n ? a.hi : b.hi - 1n }
            : own;
        case "/":
          return a.lo >= 0n && b.lo > 0n ? { lo: a.lo / b.hi, hi: a.hi / b.lo } : own;
        case ">>":
          return a.lo >= 0n && b.lo >= 0n && b.hi < BigInt(ty.bits)
            ? { lo: a.lo >> b.hi, hi: a.hi >> b.lo }
            : own;
        default:
          return own;
      }
    }
    case "if": {
      const a = sub(e.then);
      const b = sub(e.else);
      return a && b ? span(a.lo, b.lo, a.hi, b.hi) : own;
    }
    default:
      return own;
  }
}

/** The range of `e` as it is at run time: its exact range when that fits its type, else the type. */
export function valueRange(e: A.Expr, leaf?: (e: A.Expr) => Range | undefined): Range | undefined {
  const r = exactRange(e, leaf);
  if (!r || e.ty?.kind !== "int") return r;
  const t = typeRange(e.ty);
  return within(r, t) ? r : t;
}

/** Whether arithmetic in `e` can leave its type's range (and so wrap) — the operation that does. */
export function mayWrap(e: A.Expr, leaf?: (e: A.Expr) => Range | undefined): A.Expr | undefined {
  if (e.constValue !== undefined || e.ty?.kind !== "int") return undefined;
  const kids =
    e.kind === "binary"
      ? [e.left, e.right]
      : e.kind === "cast"
        ? [e.operand]
        : e.kind === "if"
          ? [e.then, e.else]
          : [];
  for (const k of kids) {
    const inner = mayWrap(k, leaf);
    if (inner) return inner;
  }
  if (e.kind !== "binary" || !["+", "-", "*", "<<"].includes(e.op)) return undefined;
  const r = exactRange(e, leaf);
  return r && !within(r, typeRange(e.ty)) ? e : undefined;
}

/**
 * Ranges of the names whose values the tree fixes: an immutable `let` is its initialiser's range,
 * a `for` or `scan` variable lies in `start ..= end - 1` (the end is evaluated once, before the
 * first iteration, and the variable stays below it). Feed `bind` each statement in order, outer
 * before inner; `leaf` answers for names.
 */
export function bindingRanges(): {
  bind: (s: A.Stmt) => void;
  leaf: (e: A.Expr) => Range | undefined;
} {
  const known = new Map<number, () => Range | undefined>();
  const leaf = (e: A.Expr): Range | undefined => {
    if (e.kind !== "name" || e.binding?.kind !== "local" || e.binding.mutable) return undefined;
    return known.get(e.binding.id)?.();
  };
  const loop = (id: number | undefined, start: A.Expr, end: A.Expr) => {
    if (id === undefined) return;
    known.set(id, () => {
      const a = valueRange(start, leaf);
      const b = valueRange(end, leaf);
      return a && b && b.hi - 1n >= a.lo ? { lo: a.lo, hi: b.hi - 1n } : undefined;
    });
  };
  const bind = (s: A.Stmt) => {
    if (s.kind === "let" && !s.mutable && s.pattern.kind === "name" && s.locals?.[0]) {
      const init = s.init;
      known.set(s.locals[0].id, () => valueRange(init, leaf));
    } else if (s.kind === "for") loop(s.local?.id, s.start, s.end);
    else if (s.kind === "scan") loop(s.local?.id, s.start, s.end);
  };
  return { bind, leaf };
}
