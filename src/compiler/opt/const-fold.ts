// Constant propagation and folding, with unreachable-branch pruning (a small SCCP over non-SSA
// vregs): a forward dataflow maps each vreg to a constant or "varying", following only the
// edges a branch can take. Then every use of a constant vreg becomes an immediate, instructions
// whose inputs are all constant become `mov dst, c`, branches and checks with a known outcome
// become jumps, and algebraic identities (x+0, x*1, x&0, ...) are simplified.
import { removeUnreachable, reversePostorder } from "../ir/cfg.js";
import { swapCond } from "../ir/builder.js";
import {
  isImm,
  isReg,
  mapTermUses,
  mapUses,
  successors,
  type AluOp,
  type Block,
  type Func,
  type Inst,
  type Term,
  type Value,
  type VReg,
} from "../ir/ir.js";
import { evalAlu, evalCond, evalUnary } from "./eval.js";

const VARYING = "varying" as const;
type Lattice = bigint | typeof VARYING;
/**
 * The lattice value of each vreg at a point. Only vregs that can be constant are tracked (those
 * with a mov, ALU or unary definition); the others are VARYING. A tracked vreg that is absent
 * (undefined) has had no definition yet (the lattice's top). The tracked vregs are numbered by
 * `slots`; per slot, bit sets say whether it has a value (known: words [0, words) of `bits`)
 * and whether that is VARYING (words [words, 2 words)); `consts` holds the constant otherwise.
 * Every block's state is copied and met at each edge: on bits, a meet is a few word operations
 * plus a look at the slots constant on both sides.
 */
class State {
  constructor(
    private readonly slots: Int32Array,
    readonly words: number,
    readonly bits: Uint32Array,
    readonly consts: (bigint | undefined)[],
  ) {}
  get(v: VReg): Lattice | undefined {
    const k = this.slots[v];
    if (!(k >= 0)) return VARYING;
    const bit = 1 << (k & 31);
    if ((this.bits[k >>> 5] & bit) === 0) return undefined;
    return (this.bits[this.words + (k >>> 5)] & bit) !== 0 ? VARYING : this.consts[k];
  }
  set(v: VReg, x: Lattice): void {
    const k = this.slots[v];
    if (!(k >= 0)) return;
    const bit = 1 << (k & 31);
    this.bits[k >>> 5] |= bit;
    if (x === VARYING) this.bits[this.words + (k >>> 5)] |= bit;
    else {
      this.bits[this.words + (k >>> 5)] &= ~bit;
      this.consts[k] = x;
    }
  }
  copy(): State {
    return new State(this.slots, this.words, this.bits.slice(), this.consts.slice());
  }
}

/** The state before any definition: tracked vregs (with a mov, ALU or unary definition) numbered
 * by slot (-1: not tracked), each undefined. */
function initialState(f: Func): State {
  const slots = new Int32Array(f.nextReg).fill(-1);
  let count = 0;
  for (const b of f.blocks) {
    for (const i of b.insns)
      if ((i.op === "mov" || i.op === "alu" || i.op === "unary") && slots[i.dst] < 0)
        slots[i.dst] = count++;
  }
  const words = (count + 31) >>> 5;
  return new State(slots, words, new Uint32Array(2 * words), new Array<bigint | undefined>(count));
}

const COMMUTATIVE = new Set<AluOp>(["add", "mul", "and", "or", "xor"]);

/** into := into ⊓ from, slot by slot (top ⊓ x = x, c ⊓ c = c, else VARYING); whether it changed. */
function meetInto(into: State, from: State): boolean {
  let changed = false;
  const words = from.words;
  const to = into.bits;
  const src = from.bits;
  for (let w = 0; w < words; w++) {
    const fromKnown = src[w];
    if (fromKnown === 0) continue;
    const toKnown = to[w];
    const toVarying = to[words + w];
    const fromVarying = src[words + w];
    // Slots unknown here take from's value; constant here and VARYING there become VARYING.
    const fresh = fromKnown & ~toKnown;
    let varying = toVarying | (fresh & fromVarying) | (fromKnown & toKnown & fromVarying);
    for (let bits = fresh & ~fromVarying; bits !== 0;) {
      const low = bits & -bits;
      bits ^= low;
      const k = 32 * w + 31 - Math.clz32(low);
      into.consts[k] = from.consts[k];
    }
    // Constant on both sides: VARYING where they differ.
    for (let bits = fromKnown & toKnown & ~toVarying & ~fromVarying; bits !== 0;) {
      const low = bits & -bits;
      bits ^= low;
      const k = 32 * w + 31 - Math.clz32(low);
      if (into.consts[k] !== from.consts[k]) varying |= low;
    }
    varying >>>= 0;
    const known = (toKnown | fromKnown) >>> 0;
    if (known !== toKnown || varying !== toVarying) {
      to[w] = known;
      to[words + w] = varying;
      changed = true;
    }
  }
  return changed;
}

const valueIn = (s: State, v: Value): Lattice | undefined => (isImm(v) ? v : s.get(v));

/** The constant an instruction's result always has under `s`, VARYING, or undefined (unknown yet). */
function transfer(i: Inst, s: State): Lattice {
  switch (i.op) {
    case "mov":
      return valueIn(s, i.src) ?? VARYING;
    case "alu": {
      const a = valueIn(s, i.a);
      const b = valueIn(s, i.b);
      if (typeof a === "bigint" && typeof b === "bigint") return evalAlu(i.alu, i.w, a, b);
      if ((i.alu === "and" || i.alu === "mul") && (a === 0n || b === 0n)) return 0n;
      return VARYING;
    }
    case "unary": {
      const a = s.get(i.a);
      return typeof a === "bigint" ? evalUnary(i.un, a) : VARYING;
    }
    default:
      return VARYING;
  }
}

function step(i: Inst, s: State): void {
  if (i.op === "store") return;
  if (i.dst !== undefined) s.set(i.dst, transfer(i, s));
}

/** Successors the terminator can reach under `s`. */
function feasible(t: Term, s: State): Block[] {
  if (t.op === "br") {
    const a = valueIn(s, t.a);
    const b = valueIn(s, t.b);
    if (typeof a === "bigint" && typeof b === "bigint")
      return [evalCond(t.cond, t.w, a, b) ? t.then : t.else];
  }
  if (t.op === "check") {
    const v = s.get(t.value);
    if (typeof v === "bigint")
      return [BigInt.asUintN(64, v) <= BigInt.asUintN(64, t.max) ? t.ok : t.fail];
  }
  return successors(t);
}

function analyse(f: Func): Map<Block, State> {
  const inState = new Map<Block, State>();
  const entry = f.blocks[0];
  const start = initialState(f);
  for (const p of f.params) start.set(p, VARYING);
  inState.set(entry, start);
  // Sweep the blocks in reverse postorder while any has a changed input: loops take few sweeps.
  const order = reversePostorder(f);
  const pending = new Set<Block>([entry]);
  // Indexed loops, not for-of: in a cold process each array iterator step allocates.
  while (pending.size > 0) {
    for (let k = 0; k < order.length; k++) {
      const b = order[k];
      if (!pending.delete(b)) continue;
      const s = inState.get(b)!.copy();
      for (let j = 0; j < b.insns.length; j++) step(b.insns[j], s);
      const succs = feasible(b.term, s);
      for (let j = 0; j < succs.length; j++) {
        const succ = succs[j];
        const old = inState.get(succ);
        if (old === undefined) {
          inState.set(succ, s.copy());
          pending.add(succ);
        } else if (meetInto(old, s)) {
          pending.add(succ);
        }
      }
    }
  }
  return inState;
}

/** Simplifies `dst = a op b` where b is a constant but a is not; returns a replacement or undefined. */
function identity(i: Inst & { op: "alu" }, b: bigint): Inst | undefined {
  const ub = BigInt.asUintN(i.w, b);
  let isIdentity: boolean;
  switch (i.alu) {
    case "add":
    case "sub":
    case "or":
    case "xor":
      isIdentity = ub === 0n;
      break;
    case "shl":
    case "lshr":
    case "ashr":
      isIdentity = ub % BigInt(i.w) === 0n; // shift counts are taken modulo the width
      break;
    case "mul":
    case "udiv":
    case "sdiv":
      isIdentity = ub === 1n;
      break;
    case "and":
      isIdentity = ub === BigInt.asUintN(i.w, -1n);
      break;
    default:
      isIdentity = false;
  }
  if (!isIdentity) return undefined;
  // ALU32 zero-extends its result, so the 32-bit identity is a zero-extension, not a copy.
  return i.w === 64
    ? { op: "mov", dst: i.dst, src: i.a, pos: i.pos }
    : { op: "unary", un: "zext32", dst: i.dst, a: i.a, pos: i.pos };
}

function rewriteInst(i: Inst, s: State): Inst {
  const result = transfer(i, s);
  const constantOf = (r: VReg): Value => {
    const v = s.get(r);
    return typeof v === "bigint" ? v : r;
  };
  mapUses(i, constantOf);
  if (
    typeof result === "bigint" &&
    i.op !== "load" &&
    i.op !== "call" &&
    i.op !== "callLocal" &&
    i.op !== "store" &&
    i.op !== "addr"
  ) {
    return { op: "mov", dst: i.dst, src: result, pos: i.pos };
  }
  if (i.op === "alu") {
    if (isImm(i.b)) return identity(i, i.b) ?? i;
    // a is a vreg that may be constant while b is not: commutative ops put the constant in b.
    const a = s.get(i.a);
    if (typeof a === "bigint" && COMMUTATIVE.has(i.alu)) return { ...i, a: i.b, b: a };
  }
  return i;
}

function rewriteTerm(b: Block, s: State): void {
  const t = b.term;
  const [only, ...rest] = feasible(t, s);
  if (rest.length === 0 && only !== undefined && t.op !== "jump") {
    b.term = { op: "jump", target: only, pos: t.pos };
    return;
  }
  mapTermUses(t, (r) => {
    const v = s.get(r);
    return typeof v === "bigint" ? v : r;
  });
  if (t.op === "br" && isReg(t.b)) {
    const a = s.get(t.a);
    if (typeof a === "bigint") b.term = { ...t, cond: swapCond(t.cond), a: t.b, b: a };
  }
}

export function constFold(f: Func): void {
  const inState = analyse(f);
  for (const b of f.blocks) {
    const entry = inState.get(b);
    if (!entry) continue; // unreachable: dropped below
    const s = entry.copy();
    b.insns = b.insns.map((i) => {
      const out = rewriteInst(i, s);
      step(i, s);
      return out;
    });
    rewriteTerm(b, s);
  }
  removeUnreachable(f);
}
