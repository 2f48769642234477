// Live intervals for the linear-scan allocator. Instructions are numbered in layout order; the
// n-th reads its operands at 2n and writes its result at 2n+1, so a value that dies at an
// instruction can share its register with the instruction's result (what two-address eBPF wants).
// An interval is one range [start, end] without holes: simple, and conservative around loops.
import { loopDepth } from "./cfg.js";
import { liveness } from "./liveness.js";
import { defOf, isReg, termUses, usesOf, type AluOp, type Block, type Func, type VReg } from "./ir.js";

export interface Interval {
  vreg: VReg;
  start: number;
  end: number;
  /** Occurrences weighted by 10^loop depth: what spilling it would cost. */
  weight: number;
}

export interface CallSite {
  /** The position where the call writes r0..r5. */
  at: number;
  /** Whether r0 carries a result (then a pinned vreg occupies it). */
  result: boolean;
}

export interface Intervals {
  intervals: Map<VReg, Interval>;
  calls: CallSite[];
}

const COMMUTATIVE = new Set<AluOp>(["add", "mul", "and", "or", "xor"]);

export function buildIntervals(f: Func, order: Block[]): Intervals {
  const { liveIn, liveOut } = liveness(f);
  const depth = loopDepth(f);
  const intervals = new Map<VReg, Interval>();
  const calls: CallSite[] = [];
  const touch = (v: VReg, at: number, weight = 0): void => {
    const iv = intervals.get(v);
    if (iv === undefined) intervals.set(v, { vreg: v, start: at, end: at, weight });
    else {
      iv.start = Math.min(iv.start, at);
      iv.end = Math.max(iv.end, at);
      iv.weight += weight;
    }
  };
  let n = 0;
  for (const b of order) {
    const start = 2 * n;
    const end = 2 * (n + b.insns.length) + 1;
    const w = 10 ** Math.min(depth.get(b) ?? 0, 6);
    for (const v of liveIn.get(b) ?? []) touch(v, start);
    for (const v of liveOut.get(b) ?? []) touch(v, end);
    for (const i of b.insns) {
      for (const v of usesOf(i)) touch(v, 2 * n, w);
      // `dst = a - b` is emitted as `dst = a; dst -= b`: b must survive the write of dst.
      if (i.op === "alu" && isReg(i.b) && i.b !== i.a && !COMMUTATIVE.has(i.alu)) touch(i.b, 2 * n + 1);
      const d = defOf(i);
      if (d !== undefined) touch(d, 2 * n + 1, w);
      if (i.op === "call" || i.op === "callLocal") calls.push({ at: 2 * n + 1, result: i.dst !== undefined });
      n++;
    }
    for (const v of termUses(b.term)) touch(v, 2 * n, w);
    n++;
  }
  return { intervals, calls };
}

export const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean =>
  a.start <= b.end && b.start <= a.end;
