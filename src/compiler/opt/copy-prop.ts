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
import { pushAt } from "../ir/map-of-lists.js";

/**
 * Available copies: dst → src, and the dsts copied from each src, so that redefining a src ends
 * its copies without a walk over all of them (a walk per definition was quadratic: 4,000
 * statements spent most of a 2 s compile here). `bySrc` may list a dst whose copy has since
 * changed or ended: it is checked against `src` when used.
 */
class Copies {
  readonly src = new Map<VReg, VReg>();
  private readonly bySrc = new Map<VReg, VReg[]>();

  set(dst: VReg, src: VReg): void {
    this.src.set(dst, src);
    pushAt(this.bySrc, src, dst);
  }

  /** `r` is redefined: no copy into or out of it holds any more. */
  kill(r: VReg): void {
    this.src.delete(r);
    const dsts = this.bySrc.get(r);
    if (!dsts) return;
    for (const d of dsts) if (this.src.get(d) === r) this.src.delete(d);
    this.bySrc.delete(r);
  }

  copy(): Copies {
    const c = new Copies();
    this.src.forEach((s, d) => c.set(d, s));
    return c;
  }

  /** The copies available in both. */
  intersect(other: Copies): Copies {
    const out = new Copies();
    this.src.forEach((s, d) => {
      if (other.src.get(d) === s) out.set(d, s);
    });
    return out;
  }

  same(other: Copies): boolean {
    if (this.src.size !== other.src.size) return false;
    let same = true;
    this.src.forEach((s, d) => {
      if (other.src.get(d) !== s) same = false;
    });
    return same;
  }
}

function step(i: Inst, c: Copies): void {
  const dst = defOf(i);
  if (dst === undefined) return;
  c.kill(dst);
  if (i.op === "mov" && isReg(i.src) && i.src !== dst) c.set(dst, i.src);
}

export function copyProp(f: Func): void {
  const order = reversePostorder(f);
  const preds = predecessors(f);
  const outState = new Map<Block, Copies | undefined>(); // undefined = not computed (universe)
  const inOf = (b: Block): Copies => {
    if (b === order[0]) return new Copies();
    let acc: Copies | undefined;
    for (const p of preds.get(b)!) {
      const o = outState.get(p);
      if (o === undefined) continue;
      acc = acc === undefined ? o.copy() : acc.intersect(o);
    }
    return acc ?? new Copies();
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const b of order) {
      const c = inOf(b);
      for (const i of b.insns) step(i, c);
      const old = outState.get(b);
      if (old === undefined || !c.same(old)) {
        outState.set(b, c);
        changed = true;
      }
    }
  }
  for (const b of order) {
    const c = inOf(b);
    const source = (r: VReg): VReg => c.src.get(r) ?? r;
    for (const i of b.insns) {
      mapUses(i, source);
      step(i, c);
    }
    mapTermUses(b.term, source);
  }
}
