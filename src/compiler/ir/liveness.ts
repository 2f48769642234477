// Liveness of virtual registers: which vregs hold a value some later instruction may read.
// Classic backward dataflow over blocks: in = use ∪ (out − def), out = ∪ in(successors).
// Two forms: `liveness` (Sets, whose order the register allocator's tie-breaks follow) and
// `liveOutBits` (bit arrays, for passes that only ask membership: cheaper to build and copy).
import {
  defOf,
  isReg,
  successors,
  termUses,
  usesOf,
  type Block,
  type Func,
  type Inst,
  type Term,
  type VReg,
} from "./ir.js";

export interface Liveness {
  liveIn: Map<Block, Set<VReg>>;
  liveOut: Map<Block, Set<VReg>>;
}

export function liveness(f: Func): Liveness {
  const use = new Map<Block, Set<VReg>>();
  const def = new Map<Block, Set<VReg>>();
  for (const b of f.blocks) {
    const u = new Set<VReg>(termUses(b.term));
    const d = new Set<VReg>();
    // Backwards: a use before any def in the block is upward-exposed.
    for (let k = b.insns.length - 1; k >= 0; k--) {
      const i = b.insns[k];
      const dst = defOf(i);
      if (dst !== undefined) {
        u.delete(dst);
        d.add(dst);
      }
      for (const r of usesOf(i)) u.add(r);
    }
    use.set(b, u);
    def.set(b, d);
  }

  const liveIn = new Map<Block, Set<VReg>>(f.blocks.map((b) => [b, new Set(use.get(b))]));
  const liveOut = new Map<Block, Set<VReg>>(f.blocks.map((b) => [b, new Set()]));
  for (let changed = true; changed;) {
    changed = false;
    for (let k = f.blocks.length - 1; k >= 0; k--) {
      const b = f.blocks[k];
      const out = liveOut.get(b)!;
      for (const s of successors(b.term)) for (const r of liveIn.get(s) ?? []) out.add(r);
      const inn = liveIn.get(b)!;
      const d = def.get(b)!;
      for (const r of out) {
        if (!d.has(r) && !inn.has(r)) {
          inn.add(r);
          changed = true;
        }
      }
    }
  }
  return { liveIn, liveOut };
}

/** A set of vregs as bits: vreg v is bit v & 31 of word v >> 5 (sized by Func.nextReg). */
export type RegBits = Uint32Array;

export const regWords = (f: Func): number => (f.nextReg + 31) >>> 5;
export const hasReg = (s: RegBits, v: VReg): boolean => ((s[v >>> 5] >>> (v & 31)) & 1) !== 0;
const addReg = (s: RegBits, v: VReg): void => {
  s[v >>> 5] |= 1 << (v & 31);
};
export const deleteReg = (s: RegBits, v: VReg): void => {
  s[v >>> 5] &= ~(1 << (v & 31));
};

/** Adds the vregs `i` reads to `s` (usesOf without the array). */
export function addUses(i: Inst, s: RegBits): void {
  switch (i.op) {
    case "mov":
      if (isReg(i.src)) addReg(s, i.src);
      break;
    case "alu":
      addReg(s, i.a);
      if (isReg(i.b)) addReg(s, i.b);
      break;
    case "unary":
      addReg(s, i.a);
      break;
    case "load":
    case "addr":
      if (i.addr.base.kind === "reg") addReg(s, i.addr.base.reg);
      break;
    case "store":
      if (i.addr.base.kind === "reg") addReg(s, i.addr.base.reg);
      if (isReg(i.value)) addReg(s, i.value);
      break;
    case "call":
    case "callLocal":
      for (const a of i.args) if (isReg(a)) addReg(s, a);
      break;
  }
}

/** Adds the vregs a terminator reads to `s`. */
export function addTermUses(t: Term, s: RegBits): void {
  if (t.op === "br") {
    addReg(s, t.a);
    if (isReg(t.b)) addReg(s, t.b);
  } else if (t.op === "check") addReg(s, t.value);
  else if (t.op === "ret" && t.value !== undefined && isReg(t.value)) addReg(s, t.value);
}

/** The vregs live out of each block of f.blocks, by index: the same sets as `liveness`. */
export function liveOutBits(f: Func): RegBits[] {
  const words = regWords(f);
  const n = f.blocks.length;
  const index = new Map<Block, number>();
  for (let k = 0; k < n; k++) index.set(f.blocks[k], k);
  // One buffer: per block its use, def, in and out sets, `words` each.
  const buf = new Uint32Array(4 * n * words);
  const use = (k: number): RegBits => buf.subarray(4 * k * words, (4 * k + 1) * words);
  const succs: number[][] = [];
  for (let k = 0; k < n; k++) {
    const b = f.blocks[k];
    const u = use(k);
    const d = buf.subarray((4 * k + 1) * words, (4 * k + 2) * words);
    addTermUses(b.term, u);
    // Backwards: a use before any def in the block is upward-exposed.
    for (let j = b.insns.length - 1; j >= 0; j--) {
      const i = b.insns[j];
      if (i.op !== "store" && i.dst !== undefined) {
        deleteReg(u, i.dst);
        addReg(d, i.dst);
      }
      addUses(i, u);
    }
    buf.copyWithin((4 * k + 2) * words, 4 * k * words, (4 * k + 1) * words); // in = use
    const ss: number[] = [];
    for (const s of successors(b.term)) {
      const at = index.get(s);
      if (at !== undefined) ss.push(at);
    }
    succs.push(ss);
  }
  // A worklist rather than sweeps to a fixpoint: a block is redone only when a successor's in
  // set grew (the least fixpoint is the same). Initially every block, the last one first.
  const preds: number[][] = succs.map(() => []);
  for (let k = 0; k < n; k++) for (const s of succs[k]) preds[s].push(k);
  const queued = new Uint8Array(n).fill(1);
  const work: number[] = [];
  for (let k = 0; k < n; k++) work.push(k);
  while (work.length > 0) {
    const k = work.pop()!;
    queued[k] = 0;
    const useAt = 4 * k * words;
    const defAt = useAt + words;
    const inAt = defAt + words;
    const outAt = inAt + words;
    for (const s of succs[k]) {
      const sIn = (4 * s + 2) * words;
      for (let w = 0; w < words; w++) buf[outAt + w] |= buf[sIn + w];
    }
    let changed = false;
    for (let w = 0; w < words; w++) {
      const next = (buf[useAt + w] | (buf[outAt + w] & ~buf[defAt + w])) >>> 0;
      if (next !== buf[inAt + w]) {
        buf[inAt + w] = next;
        changed = true;
      }
    }
    if (!changed) continue;
    for (const p of preds[k]) {
      if (queued[p] === 0) {
        queued[p] = 1;
        work.push(p);
      }
    }
  }
  const out: RegBits[] = [];
  for (let k = 0; k < n; k++) out.push(buf.subarray((4 * k + 3) * words, (4 * k + 4) * words));
  return out;
}
