// Copy propagation: after `%d = mov %s`, later reads of %d read %s instead, as long as neither
// is redefined on any path in between (a forward "available copies" must-analysis). The copy
// itself usually becomes dead and DCE removes it; the allocator then has fewer moves to place.
import { predecessors, reversePostorder } from "../ir/cfg.js";
import {
  defOf,
  isReg,
  mapTermUses,
  mapUses,
  type Block,
  type Func,
  type Inst,
  type VReg,
} from "../ir/ir.js";

/** Available copies: dst → src. */
type Copies = Map<VReg, VReg>;

function kill(c: Copies, r: VReg): void {
  c.delete(r);
  for (const [d, s] of c) if (s === r) c.delete(d);
}

function step(i: Inst, c: Copies): void {
  const dst = defOf(i);
  if (dst === undefined) return;
  kill(c, dst);
  if (i.op === "mov" && isReg(i.src) && i.src !== dst) c.set(dst, i.src);
}

function intersect(a: Copies, b: Copies): Copies {
  const out: Copies = new Map();
  for (const [d, s] of a) if (b.get(d) === s) out.set(d, s);
  return out;
}

export function copyProp(f: Func): void {
  const order = reversePostorder(f);
  const preds = predecessors(f);
  const outState = new Map<Block, Copies | undefined>(); // undefined = not computed (universe)
  const inOf = (b: Block): Copies => {
    if (b === order[0]) return new Map();
    let acc: Copies | undefined;
    for (const p of preds.get(b)!) {
      const o = outState.get(p);
      if (o === undefined) continue;
      acc = acc === undefined ? new Map(o) : intersect(acc, o);
    }
    return acc ?? new Map();
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const b of order) {
      const c = inOf(b);
      for (const i of b.insns) step(i, c);
      const old = outState.get(b);
      if (old === undefined || old.size !== c.size || [...c].some(([d, s]) => old.get(d) !== s)) {
        outState.set(b, c);
        changed = true;
      }
    }
  }
  for (const b of order) {
    const c = inOf(b);
    const source = (r: VReg): VReg => c.get(r) ?? r;
    for (const i of b.insns) {
      mapUses(i, source);
      step(i, c);
    }
    mapTermUses(b.term, source);
  }
}
