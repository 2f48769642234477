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

// The Map walks below use forEach with module-level arguments rather than `for (const [d, s] of
// c)` and closures: in a cold process that pair-allocating loop was most of this pass's time.
let killed: VReg;
function dropIfFrom(s: VReg, d: VReg, c: Copies): void {
  if (s === killed) c.delete(d);
}

function kill(c: Copies, r: VReg): void {
  c.delete(r);
  killed = r;
  c.forEach(dropIfFrom);
}

function step(i: Inst, c: Copies): void {
  const dst = defOf(i);
  if (dst === undefined) return;
  kill(c, dst);
  if (i.op === "mov" && isReg(i.src) && i.src !== dst) c.set(dst, i.src);
}

let other: Copies;
let kept: Copies;
function keepIfShared(s: VReg, d: VReg): void {
  if (other.get(d) === s) kept.set(d, s);
}

function intersect(a: Copies, b: Copies): Copies {
  const out: Copies = new Map();
  other = b;
  kept = out;
  a.forEach(keepIfShared);
  return out;
}

let differs: boolean;
function noteIfDiffers(s: VReg, d: VReg): void {
  if (other.get(d) !== s) differs = true;
}

function same(a: Copies, b: Copies): boolean {
  if (a.size !== b.size) return false;
  differs = false;
  other = b;
  a.forEach(noteIfDiffers);
  return !differs;
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
      if (old === undefined || !same(c, old)) {
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
