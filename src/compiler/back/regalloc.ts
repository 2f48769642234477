// Register allocation by linear scan over live intervals (Poletto & Sarkar), onto r0..r9.
//
// Pinned vregs (parameters, call arguments and results, return values — see calling-convention.ts) are placed
// first, together with the registers every call clobbers (r0..r5). The other intervals are then
// taken in order of their start; each gets, in order of preference, a register a `mov` partner
// already has (so the copy disappears), else any free one. When none is free, the cheapest of
// "spill this interval" and "evict the intervals in the way" is chosen; spilled vregs are
// rewritten by spill.ts and allocation starts over, until everything fits.
import { internalError } from "../../diagnostics.js";
import type { FixedRegs } from "./calling-convention.js";
import { buildIntervals, coveredLength, overlaps, type Interval, type Range } from "./intervals.js";
import { loopDepth } from "../ir/cfg.js";
import { isReg, type Block, type Func, type VReg } from "../ir/ir.js";
import { insertSpillCode, rematerializable, removeDeadSpills, SpillState } from "./spill.js";
import { pushAt } from "../ir/map-of-lists.js";

const ALLOCATABLE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const CALL_CLOBBERED = [0, 1, 2, 3, 4, 5];

interface Occupant {
  ranges: Range[];
  /** The vreg holding the register over this range; undefined for a call's clobber. */
  vreg?: VReg;
  movable: boolean;
}

/** Assigns every vreg of `f` a physical register; may add spill code and stack slots to `f`. */
export function allocateRegisters(f: Func, fixed: FixedRegs, order: Block[]): Map<VReg, number> {
  const spills = new SpillState();
  const depth = loopDepth(f); // spill code adds instructions, never blocks or edges
  for (let round = 0; round < 50; round++) {
    const result = tryAllocate(f, fixed, order, depth, spills.unspillable);
    if (result.spilled.size === 0) {
      removeDeadSpills(f, spills);
      return result.assignment;
    }
    insertSpillCode(f, result.spilled, spills);
  }
  throw internalError(`register allocation of ${f.name} does not converge`, f.pos);
}

function hintsOf(f: Func): Map<VReg, VReg[]> {
  const hints = new Map<VReg, VReg[]>();
  const pair = (a: VReg, b: VReg): void => {
    pushAt(hints, a, b);
    pushAt(hints, b, a);
  };
  for (const b of f.blocks) {
    for (const i of b.insns) {
      if (i.op === "mov" && isReg(i.src)) pair(i.dst, i.src);
      else if (i.op === "alu" || i.op === "unary") pair(i.dst, i.a);
      else if (i.op === "addr" && i.addr.base.kind === "reg") pair(i.dst, i.addr.base.reg);
    }
  }
  return hints;
}

function tryAllocate(
  f: Func,
  fixed: FixedRegs,
  order: Block[],
  depth: Map<Block, number>,
  unspillable: Set<VReg>,
): { assignment: Map<VReg, number>; spilled: Set<VReg> } {
  const { intervals, calls } = buildIntervals(f, order, depth);
  const occupants: Occupant[][] = ALLOCATABLE.map(() => []);
  const assignment = new Map<VReg, number>();
  const spilled = new Set<VReg>();

  for (const [v, reg] of fixed) {
    const iv = intervals.get(v);
    if (iv) occupants[reg].push({ ranges: iv.ranges, vreg: v, movable: false });
    assignment.set(v, reg);
  }
  for (const c of calls) {
    for (const r of CALL_CLOBBERED) {
      if (r === 0 && c.result) continue; // the pinned result vreg holds r0 there
      occupants[r].push({ ranges: [{ start: c.at, end: c.at }], movable: false });
    }
  }

  const hints = hintsOf(f);
  // What spilling an interval costs per position it frees: its weighted uses and definitions
  // (each becomes a load or store), halved for values recomputed instead (one ld_imm64 or mov,
  // and the definition goes away).
  const remat = rematerializable(f);
  const cost = (iv: Interval): number =>
    unspillable.has(iv.vreg)
      ? Infinity
      : (iv.weight * (remat.has(iv.vreg) ? 0.5 : 1)) / coveredLength(iv);
  const conflicts = (reg: number, iv: Interval): Occupant[] =>
    occupants[reg].filter((o) => overlaps(o.ranges, iv.ranges));
  const take = (reg: number, iv: Interval): void => {
    occupants[reg].push({ ranges: iv.ranges, vreg: iv.vreg, movable: !unspillable.has(iv.vreg) });
    assignment.set(iv.vreg, reg);
  };

  const pending = [...intervals.values()]
    .filter((iv) => !fixed.has(iv.vreg))
    .sort((a, b) => a.start - b.start);
  // Intervals come in order of their start: an occupant that ended before one starts meets no
  // interval still to come. Each register's list drops those whenever it has doubled, so that the
  // searches below look at what is live, not at everything placed so far (quadratic in the size
  // of the function otherwise).
  const compactAt = ALLOCATABLE.map(() => 16);
  const expireBefore = (at: number): void => {
    for (const r of ALLOCATABLE) {
      if (occupants[r].length < compactAt[r]) continue;
      occupants[r] = occupants[r].filter((o) => o.ranges.length > 0 && o.ranges.at(-1)!.end >= at);
      compactAt[r] = Math.max(16, 2 * occupants[r].length);
    }
  };
  for (const iv of pending) {
    expireBefore(iv.start);
    const preferred = (hints.get(iv.vreg) ?? [])
      .map((h) => assignment.get(h))
      .filter((r) => r !== undefined);
    const isFree = (r: number): boolean => !occupants[r].some((o) => overlaps(o.ranges, iv.ranges));
    const free = preferred.find(isFree) ?? ALLOCATABLE.find(isFree);
    if (free !== undefined) {
      take(free, iv);
      continue;
    }
    // No free register: evict the cheapest set of movable occupants, or spill this interval.
    let best: { reg: number; victims: Occupant[]; cost: number } | undefined;
    for (const reg of ALLOCATABLE) {
      const victims = conflicts(reg, iv);
      if (victims.some((o) => !o.movable)) continue;
      const c = victims.reduce((sum, o) => sum + cost(intervals.get(o.vreg!)!), 0);
      if (!best || c < best.cost) best = { reg, victims, cost: c };
    }
    if (best && best.cost < cost(iv)) {
      for (const o of best.victims) {
        spilled.add(o.vreg!);
        assignment.delete(o.vreg!);
      }
      occupants[best.reg] = occupants[best.reg].filter((o) => !best.victims.includes(o));
      take(best.reg, iv);
    } else if (unspillable.has(iv.vreg)) {
      throw internalError(`no register left for a spill temporary in ${f.name}`, f.pos);
    } else {
      spilled.add(iv.vreg);
    }
  }
  return { assignment, spilled };
}
