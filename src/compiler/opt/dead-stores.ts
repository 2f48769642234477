// Dead stores: a store that a later store in the same block overwrites completely, with no load
// or call in between that could read it, is dropped. (Stores that are merely never read stay:
// scratch and ctx are read by the runtime after the program ends.) A laundering store is read
// only by the load right after it: once that load is gone (its value unused), so is the store.
import { defOf, type Addr, type Func, type Inst } from "../ir/ir.js";

const sameBase = (a: Addr, b: Addr): boolean =>
  (a.base.kind === "reg" && b.base.kind === "reg" && a.base.reg === b.base.reg) ||
  (a.base.kind === "map" && b.base.kind === "map" && a.base.map === b.base.map) ||
  (a.base.kind === "stack" && b.base.kind === "stack" && a.base.slot === b.base.slot);

/** Whether `later` (a store) writes every byte `earlier` (a store) wrote. */
const covers = (later: Inst & { op: "store" }, earlier: Inst & { op: "store" }): boolean =>
  sameBase(later.addr, earlier.addr) &&
  later.addr.off <= earlier.addr.off &&
  earlier.addr.off + earlier.width <= later.addr.off + later.width;

export function removeDeadStores(f: Func): void {
  for (const b of f.blocks) {
    const dead = new Set<number>();
    b.insns.forEach((i, k) => {
      if (i.op !== "store") return;
      if (i.launder) {
        const touchesMemory = (j: Inst): boolean =>
          j.op === "load" || j.op === "store" || j.op === "call" || j.op === "callLocal";
        const next = b.insns.slice(k + 1).find(touchesMemory);
        if (!(next?.op === "load" && sameBase(next.addr, i.addr) && next.addr.off === i.addr.off))
          dead.add(k);
        return;
      }
      const base = i.addr.base.kind === "reg" ? i.addr.base.reg : undefined;
      for (const j of b.insns.slice(k + 1)) {
        if (j.op === "load" || j.op === "call" || j.op === "callLocal") return;
        if (base !== undefined && defOf(j) === base) return; // the pointer moved: a different place
        if (j.op === "store" && covers(j, i)) {
          dead.add(k);
          return;
        }
      }
    });
    if (dead.size > 0) b.insns = b.insns.filter((_, k) => !dead.has(k));
  }
}
