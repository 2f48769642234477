// Removal of redundant bounds checks: `check %v <= MAX` is dropped (becomes `jump ok`) when %v is
// already known to be ≤u MAX where the check runs. Knowledge comes from
// - a dominating check or unsigned branch on %v (`check %v <= M`, `br ult %v, C`, ...): walking
//   the dominator tree, a block entered only through that edge learns the bound;
// - how %v was computed: a constant, `and x, C`, a zero-extension, an unsigned narrow load, a
//   right shift by a constant, or any 32-bit ALU result.
// Only vregs with a single definition qualify: then the value tested is the value at every point
// the test dominates (no loop can redefine it in between without passing the test again). Every
// fact used here is one the Linux verifier derives itself on the same register, so the access
// stays provably in bounds for it too (byte swaps are left out: the verifier forgets ranges there).
import { predecessors } from "../ir/cfg.js";
import { dominators } from "../ir/dominators.js";
import { defOf, isImm, type Block, type Func, type Inst, type VReg } from "../ir/ir.js";

const U64_MAX = (1n << 64n) - 1n;
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** Unsigned upper bound of what an instruction can produce, from its operation alone. */
function boundOfDef(i: Inst): bigint | undefined {
  switch (i.op) {
    case "mov":
      return isImm(i.src) ? u64(i.src) : undefined;
    case "load":
      return i.signed || i.width === 8 ? undefined : (1n << BigInt(i.width * 8)) - 1n;
    case "unary":
      return i.un === "zext8"
        ? 0xffn
        : i.un === "zext16"
          ? 0xffffn
          : i.un === "zext32"
            ? 0xffffffffn
            : undefined;
    case "alu":
      if (i.w === 32) return 0xffffffffn;
      if (i.alu === "and" && isImm(i.b)) return u64(i.b);
      if (i.alu === "lshr" && isImm(i.b) && (i.b & 63n) !== 0n) return U64_MAX >> (i.b & 63n);
      return undefined;
    default:
      return undefined;
  }
}

/** The bound an edge from `from` to `to` establishes, as [vreg, max]. */
function edgeFact(from: Block, to: Block): [VReg, bigint] | undefined {
  const t = from.term;
  if (t.op === "check") return t.ok === to && t.fail !== to ? [t.value, u64(t.max)] : undefined;
  if (t.op !== "br" || t.w !== 64 || !isImm(t.b) || t.then === t.else) return undefined;
  const c = u64(t.b);
  const taken = t.then === to;
  switch (t.cond) {
    case "ult":
      return taken && c > 0n ? [t.a, c - 1n] : undefined;
    case "ule":
      return taken ? [t.a, c] : undefined;
    case "eq":
      return taken ? [t.a, c] : undefined;
    case "ugt":
      return taken ? undefined : [t.a, c];
    case "uge":
      return taken || c === 0n ? undefined : [t.a, c - 1n];
    default:
      return undefined;
  }
}

export function removeRedundantChecks(f: Func): void {
  const defCount = new Map<VReg, number>();
  const defBound = new Map<VReg, bigint>();
  for (const p of f.params) defCount.set(p, 1);
  for (const b of f.blocks) {
    for (const i of b.insns) {
      const d = defOf(i);
      if (d === undefined) continue;
      defCount.set(d, (defCount.get(d) ?? 0) + 1);
      const bound = boundOfDef(i);
      if (bound !== undefined) defBound.set(d, bound);
    }
  }
  const single = (v: VReg): boolean => (defCount.get(v) ?? 0) === 1;

  const dom = dominators(f);
  const preds = predecessors(f);
  // One map of facts for the dominator-tree walk: the (at most one) fact a block adds is undone
  // when its subtree is done, rather than a copy of the map per block.
  const facts = new Map<VReg, bigint>();
  const visit = (b: Block): void => {
    const ps = preds.get(b)!;
    let added: VReg | undefined;
    let before: bigint | undefined;
    if (ps.length === 1) {
      const fact = edgeFact(ps[0], b);
      if (fact && single(fact[0])) {
        added = fact[0];
        before = facts.get(added);
        facts.set(added, min(before, fact[1]) ?? fact[1]);
      }
    }
    const t = b.term;
    if (t.op === "check" && single(t.value)) {
      const known = min(facts.get(t.value), defBound.get(t.value));
      if (known !== undefined && known <= u64(t.max))
        b.term = { op: "jump", target: t.ok, pos: t.pos };
    }
    for (const c of dom.children.get(b)!) visit(c);
    if (added !== undefined) {
      if (before === undefined) facts.delete(added);
      else facts.set(added, before);
    }
  };
  visit(dom.order[0]);
}

function min(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}
