// Copy coalescing of temporaries: `%t = OP ...; ...; %v = mov %t`, where %t is read only by that
// copy, becomes `%v = OP ...` when nothing in between reads or writes %v. Lowering produces this
// shape for every assignment to a variable (`x = x + 1`), and without it the allocator would have
// to keep %t and %v apart wherever %v is live (its intervals have no holes), costing a `mov`.
import { defOf, isReg, termUses, usesOf, type Func, type VReg } from "../ir/ir.js";

export function coalesceCopies(f: Func): void {
  const defs = new Map<VReg, number>();
  const uses = new Map<VReg, number>();
  for (const b of f.blocks) {
    for (const i of b.insns) {
      const d = defOf(i);
      if (d !== undefined) defs.set(d, (defs.get(d) ?? 0) + 1);
      for (const u of usesOf(i)) uses.set(u, (uses.get(u) ?? 0) + 1);
    }
    for (const u of termUses(b.term)) uses.set(u, (uses.get(u) ?? 0) + 1);
  }
  const params = new Set(f.params);
  for (const b of f.blocks) {
    for (let k = 0; k < b.insns.length; k++) {
      const copy = b.insns[k];
      if (copy.op !== "mov" || !isReg(copy.src)) continue;
      const t = copy.src;
      const v = copy.dst;
      if (t === v || params.has(t) || defs.get(t) !== 1 || uses.get(t) !== 1) continue;
      // Find t's definition earlier in the block, with no use or def of v in between.
      let at = -1;
      for (let j = k - 1; j >= 0; j--) {
        const i = b.insns[j];
        if (defOf(i) === t) {
          at = j;
          break;
        }
        if (defOf(i) === v || usesOf(i).includes(v)) break;
      }
      if (at < 0) continue;
      (b.insns[at] as { dst: VReg }).dst = v;
      b.insns.splice(k, 1);
      k--;
      defs.set(t, 0);
    }
  }
}
