// Spill code: a vreg the allocator could not keep in a register lives in an 8-byte stack slot
// instead; each definition stores it there and each use reloads it into a fresh, short-lived
// vreg. Constants and map/stack addresses are not stored at all but recomputed before each use
// (rematerialized): one instruction instead of a store plus a load.
import { defOf, mapTermUses, mapUses, newReg, termUses, usesOf, type Func, type Inst, type VReg } from "./ir.js";

/** Rewrites `f` so the `spilled` vregs no longer exist; returns the new (unspillable) temporaries. */
export function insertSpillCode(f: Func, spilled: Set<VReg>): Set<VReg> {
  const temps = new Set<VReg>();
  const fresh = (): VReg => {
    const t = newReg(f);
    temps.add(t);
    return t;
  };
  const remat = rematerializable(f, spilled);
  const slotOf = new Map<VReg, number>();
  for (const v of spilled) {
    if (remat.has(v)) continue;
    f.slots.push({ size: 8, align: 8, name: `spill %${v}` });
    slotOf.set(v, f.slots.length - 1);
  }
  // The instructions that bring spilled `uses` back into fresh vregs; `map` renames the uses.
  const reload = (uses: VReg[], out: Inst[], pos: Inst["pos"]): Map<VReg, VReg> => {
    const map = new Map<VReg, VReg>();
    for (const v of uses) {
      if (!spilled.has(v) || map.has(v)) continue;
      const t = fresh();
      map.set(v, t);
      const def = remat.get(v);
      if (def) out.push({ ...def, dst: t, pos } as Inst);
      else out.push({ op: "load", width: 8, signed: false, dst: t, addr: { base: { kind: "stack", slot: slotOf.get(v)! }, off: 0 }, pos });
    }
    return map;
  };

  for (const b of f.blocks) {
    const out: Inst[] = [];
    for (const i of b.insns) {
      const d = defOf(i);
      if (d !== undefined && remat.has(d)) continue; // recomputed at each use instead
      const map = reload(usesOf(i), out, i.pos);
      mapUses(i, (v) => map.get(v) ?? v);
      out.push(i);
      if (d !== undefined && spilled.has(d)) {
        const t = fresh();
        (i as { dst: VReg }).dst = t;
        out.push({ op: "store", width: 8, addr: { base: { kind: "stack", slot: slotOf.get(d)! }, off: 0 }, value: t, pos: i.pos });
      }
    }
    const map = reload(termUses(b.term), out, b.term.pos);
    mapTermUses(b.term, (v) => map.get(v) ?? v);
    b.insns = out;
  }
  return temps;
}

/** Spilled vregs with one definition that is a constant or an address without register inputs. */
function rematerializable(f: Func, spilled: Set<VReg>): Map<VReg, Inst> {
  const defs = new Map<VReg, Inst[]>();
  for (const b of f.blocks) {
    for (const i of b.insns) {
      const d = defOf(i);
      if (d !== undefined && spilled.has(d)) defs.set(d, [...(defs.get(d) ?? []), i]);
    }
  }
  const out = new Map<VReg, Inst>();
  for (const [v, ds] of defs) {
    if (f.params.includes(v) || ds.length !== 1) continue;
    const i = ds[0];
    const constant = i.op === "mov" && typeof i.src === "bigint";
    const address = i.op === "addr" && i.addr.base.kind !== "reg";
    if (constant || address) out.set(v, i);
  }
  return out;
}
