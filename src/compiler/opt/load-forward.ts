// Store-to-load forwarding across jumps, for ctx: a block that starts by reading back a ctx field
// every predecessor has just written (the shared `resubmit` tail reloads ctx.next_offset and
// next_size) gets the written values through a vreg instead: each predecessor copies its value
// into it before jumping, and the load becomes a copy (usually coalesced away).
// Only ctx: map memory is never forwarded (see cse.ts: values laundered through scratch must stay
// laundered), and only in the storage function, whose first parameter is ctx.
import { predecessors } from "../ir/cfg.js";
import {
  defOf,
  imm,
  isReg,
  newReg,
  type Addr,
  type Block,
  type Func,
  type Inst,
  type Value,
} from "../ir/ir.js";
import { rootOf } from "./provenance.js";
import { singleDefs } from "./single-defs.js";

const sameBase = (a: Addr, b: Addr): boolean =>
  (a.base.kind === "reg" && b.base.kind === "reg" && a.base.reg === b.base.reg) ||
  (a.base.kind === "map" && b.base.kind === "map" && a.base.map === b.base.map) ||
  (a.base.kind === "stack" && b.base.kind === "stack" && a.base.slot === b.base.slot);

/** The value `p` leaves at `addr` (width bytes) when it jumps away, if it certainly wrote it. */
function storedAtEnd(p: Block, addr: Addr, width: number): Value | undefined {
  for (let k = p.insns.length - 1; k >= 0; k--) {
    const i = p.insns[k];
    if (i.op === "call" || i.op === "callLocal") return undefined;
    if (i.op !== "store") continue;
    if (!sameBase(i.addr, addr) || i.addr.off !== addr.off) {
      // Another field through the same base at a disjoint offset cannot overlap.
      if (
        sameBase(i.addr, addr) &&
        (i.addr.off + i.width <= addr.off || addr.off + width <= i.addr.off)
      )
        continue;
      return undefined;
    }
    if (i.width !== width) return undefined;
    const v = i.value;
    if (isReg(v)) {
      // The stored vreg must still hold the value at the end of the block, and fill the load.
      if (width !== 8 || p.insns.slice(k + 1).some((j) => defOf(j) === v)) return undefined;
      return v;
    }
    return imm(BigInt.asUintN(width * 8, v));
  }
  return undefined;
}

export function forwardLoads(f: Func, isEntry = false): void {
  if (!isEntry) return;
  const sd = singleDefs(f);
  const preds = predecessors(f);
  const intoCtx = (a: Addr): boolean => {
    if (a.base.kind !== "reg") return false;
    const root = rootOf(a.base.reg, f, sd);
    return root.kind === "param" && root.index === 0 && sd.stable(a.base.reg);
  };
  for (const b of f.blocks.slice(1)) {
    const ps = preds.get(b)!;
    if (ps.length === 0 || ps.some((p) => p.term.op !== "jump" || p === b)) continue;
    for (let k = 0; k < b.insns.length; k++) {
      const i = b.insns[k];
      if (i.op === "store" || i.op === "call" || i.op === "callLocal") break;
      if (i.op !== "load" || i.signed || !intoCtx(i.addr)) continue;
      const values = ps.map((p) => storedAtEnd(p, i.addr, i.width));
      if (values.some((v) => v === undefined)) continue;
      const t = newReg(f);
      ps.forEach((p, n) => p.insns.push({ op: "mov", dst: t, src: values[n]!, pos: i.pos }));
      b.insns[k] = { op: "mov", dst: i.dst, src: t, pos: i.pos } satisfies Inst;
    }
  }
}
