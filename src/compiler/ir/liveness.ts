// Liveness of virtual registers: which vregs hold a value some later instruction may read.
// Classic backward dataflow over blocks: in = use ∪ (out − def), out = ∪ in(successors).
import { defOf, successors, termUses, usesOf, type Block, type Func, type VReg } from "./ir.js";

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

/**
 * Walks a block backwards, calling `visit(index, liveAfter)` for each instruction (index
 * insns.length stands for the terminator) with the set of vregs live just after it.
 * The set is mutated as the walk proceeds: copy it to keep it.
 */
export function walkLiveBackwards(
  b: Block,
  liveOut: Set<VReg>,
  visit: (index: number, liveAfter: Set<VReg>) => void,
): void {
  const live = new Set(liveOut);
  visit(b.insns.length, live);
  for (const r of termUses(b.term)) live.add(r);
  for (let k = b.insns.length - 1; k >= 0; k--) {
    const i = b.insns[k];
    visit(k, live);
    const dst = defOf(i);
    if (dst !== undefined) live.delete(dst);
    for (const r of usesOf(i)) live.add(r);
  }
}
