// Which vregs hold one value for their whole life: a parameter never assigned again, or a vreg
// with exactly one definition. For those, the definition dominates every use (given well-formed
// input: every use is preceded by a definition on all paths), so a use may be replaced by
// anything computed from the definition's own stable inputs.
import { defOf, type Func, type Inst, type VReg } from "../ir/ir.js";
import { pushAt } from "../ir/map-of-lists.js";

export interface SingleDefs {
  /** The only definition of a stable, non-parameter vreg. */
  def(v: VReg): Inst | undefined;
  stable(v: VReg): boolean;
}

export function singleDefs(f: Func): SingleDefs {
  const defs = new Map<VReg, Inst[]>();
  for (const b of f.blocks) {
    for (const i of b.insns) {
      const d = defOf(i);
      if (d === undefined) continue;
      pushAt(defs, d, i);
    }
  }
  const params = new Set(f.params);
  return {
    def: (v) => {
      const ds = defs.get(v);
      return !params.has(v) && ds?.length === 1 ? ds[0] : undefined;
    },
    stable: (v) => {
      const n = defs.get(v)?.length ?? 0;
      return params.has(v) ? n === 0 : n === 1;
    },
  };
}
