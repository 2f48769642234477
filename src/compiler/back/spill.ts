// Spill code: a vreg the allocator could not keep in a register lives in an 8-byte stack slot
// instead, or — for constants and map/stack addresses — is recomputed where needed
// (rematerialized: one instruction, no store). Two levels, so a value is only as far from a
// register as it has to be:
// 1. The first time a vreg is spilled, each block brings it back once, before its first use
//    there (and after each call), into a fresh vreg that serves the following uses; a definition
//    computes into a fresh vreg, stores it to the slot at once and serves the following uses too.
//    Those block-local vregs are ordinary candidates for the next allocation round.
// 2. If one of them is spilled in turn, every single use gets its own reload (or recomputation)
//    into a vreg that lives for one instruction and is never spilled again.
import {
  defOf,
  mapTermUses,
  mapUses,
  newReg,
  termUses,
  usesOf,
  type Block,
  type Func,
  type Inst,
  type VReg,
} from "../ir/ir.js";
import { pushAt } from "../ir/map-of-lists.js";

/**
 * How a block-local vreg of level 1 gets its value back: from a slot or by recomputation.
 * `defined`: the vreg is a new value of the spilled vreg, computed in the block and stored to the
 * slot right after; spilled in turn, its definition stays (in a one-instruction vreg) and its
 * other uses reload from the slot.
 */
type Origin = { kind: "slot"; slot: number; defined?: boolean } | { kind: "remat"; def: Inst };

export class SpillState {
  /** Level-1 vregs and where their value comes from. */
  readonly origin = new Map<VReg, Origin>();
  /** Level-2 vregs: never spilled. */
  readonly unspillable = new Set<VReg>();
  /** Stack slots created for spills. */
  readonly slots = new Set<number>();
}

/**
 * Once allocation has converged: a spill slot nothing reloads from (every block-local copy of its
 * value found a register) needs no stores either; its stores go and it takes no stack space.
 */
export function removeDeadSpills(f: Func, state: SpillState): void {
  const read = new Set<number>();
  for (const b of f.blocks) {
    for (const i of b.insns)
      if (i.op === "load" && i.addr.base.kind === "stack") read.add(i.addr.base.slot);
  }
  const dead = (i: Inst): boolean =>
    i.op === "store" &&
    i.addr.base.kind === "stack" &&
    state.slots.has(i.addr.base.slot) &&
    !read.has(i.addr.base.slot);
  for (const b of f.blocks) b.insns = b.insns.filter((i) => !dead(i));
  for (const slot of state.slots)
    if (!read.has(slot)) f.slots[slot] = { ...f.slots[slot], size: 0 };
}

const stackAddr = (slot: number) => ({ base: { kind: "stack" as const, slot }, off: 0 });

/** Rewrites `f` so the `spilled` vregs no longer exist. */
export function insertSpillCode(f: Func, spilled: Set<VReg>, state: SpillState): void {
  const remat = rematerializable(f, spilled);
  const slots = new Map<VReg, number>();
  for (const v of spilled) {
    if (remat.has(v) || state.origin.has(v)) continue;
    f.slots.push({ size: 8, align: 8, name: `spill %${v}` });
    slots.set(v, f.slots.length - 1);
    state.slots.add(f.slots.length - 1);
  }
  const bringBack = (how: Origin, dst: VReg, pos: Inst["pos"]): Inst =>
    how.kind === "remat"
      ? ({ ...how.def, dst, pos } as Inst)
      : { op: "load", width: 8, signed: false, dst, addr: stackAddr(how.slot), pos };
  const originOf = (v: VReg): Origin | undefined =>
    state.origin.get(v) ??
    (remat.has(v)
      ? { kind: "remat", def: remat.get(v)! }
      : slots.has(v)
        ? { kind: "slot", slot: slots.get(v)! }
        : undefined);

  for (const b of f.blocks) rewriteBlock(f, b, spilled, state, originOf, bringBack, slots);
}

function rewriteBlock(
  f: Func,
  b: Block,
  spilled: Set<VReg>,
  state: SpillState,
  originOf: (v: VReg) => Origin | undefined,
  bringBack: (how: Origin, dst: VReg, pos: Inst["pos"]) => Inst,
  slots: Map<VReg, number>,
): void {
  const out: Inst[] = [];
  const current = new Map<VReg, VReg>(); // level 1: the block-local vreg holding v right now
  let justDefined = new Map<VReg, VReg>(); // level 2 of a `defined` vreg: its value, for its store
  const fresh = (): VReg => newReg(f);

  const use = (v: VReg, pos: Inst["pos"], perUse: Map<VReg, VReg>): VReg => {
    if (!spilled.has(v)) return v;
    const defined = justDefined.get(v);
    if (defined !== undefined) {
      perUse.set(v, defined);
      return defined;
    }
    const how = originOf(v)!;
    if (state.origin.has(v)) {
      // Level 2: a reload for this one use.
      let t = perUse.get(v);
      if (t === undefined) {
        t = fresh();
        state.unspillable.add(t);
        out.push(bringBack(how, t, pos));
        perUse.set(v, t);
      }
      return t;
    }
    let t = current.get(v);
    if (t === undefined) {
      t = fresh();
      state.origin.set(t, how);
      out.push(bringBack(how, t, pos));
      current.set(v, t);
    }
    return t;
  };

  for (const i of b.insns) {
    const d = defOf(i);
    const how = d !== undefined && spilled.has(d) ? originOf(d) : undefined;
    const levelTwoDef = how?.kind === "slot" && how.defined === true && state.origin.has(d!);
    // Definitions that are recomputed (constants, addresses) or reloads of a level-1 vreg go away.
    if (how !== undefined && (how.kind === "remat" || (state.origin.has(d!) && !levelTwoDef)))
      continue;
    const perUse = new Map<VReg, VReg>();
    for (const v of usesOf(i)) use(v, i.pos, perUse);
    mapUses(i, (v) => (spilled.has(v) ? (perUse.get(v) ?? current.get(v) ?? v) : v));
    justDefined = new Map();
    out.push(i);
    // A spilled value is not kept across a call (that would need a callee-saved register, the
    // scarce kind): the next use after the call brings it back again.
    if (i.op === "call" || i.op === "callLocal") current.clear();
    if (levelTwoDef) {
      // The value lives just long enough for the store that follows (level 1 put it there).
      const u = fresh();
      state.unspillable.add(u);
      (i as { dst: VReg }).dst = u;
      justDefined.set(d!, u);
    } else if (how?.kind === "slot") {
      // Level 1: compute into a block-local vreg, store it to the slot, use it from there on.
      const t = fresh();
      state.origin.set(t, { kind: "slot", slot: how.slot, defined: true });
      (i as { dst: VReg }).dst = t;
      current.set(d!, t);
      out.push({ op: "store", width: 8, addr: stackAddr(how.slot), value: t, pos: i.pos });
    }
  }
  const perUse = new Map<VReg, VReg>();
  for (const v of termUses(b.term)) use(v, b.term.pos, perUse);
  mapTermUses(b.term, (v) => (spilled.has(v) ? (perUse.get(v) ?? current.get(v) ?? v) : v));
  b.insns = out;
}

/** Vregs (of `among`, or all) with one definition that is a constant or an address without
 * register inputs: recomputing them costs one instruction and no stack slot. */
export function rematerializable(f: Func, among?: Set<VReg>): Map<VReg, Inst> {
  const defs = new Map<VReg, Inst[]>();
  for (const b of f.blocks) {
    for (const i of b.insns) {
      const d = defOf(i);
      if (d !== undefined && (among === undefined || among.has(d))) pushAt(defs, d, i);
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
