// Live intervals for the linear-scan allocator. Instructions are numbered in layout order; the
// n-th reads its operands at 2n and writes its result at 2n+1, so a value that dies at an
// instruction can share its register with the instruction's result (what two-address eBPF wants).
// An interval is a sorted list of disjoint ranges: the holes where a vreg holds nothing useful
// (between a last use and the next definition, or in blocks it is not live through) are free for
// other vregs.
import { loopDepth } from "../ir/cfg.js";
import { liveness } from "../ir/liveness.js";
import {
  defOf,
  isReg,
  termUses,
  usesOf,
  type AluOp,
  type Block,
  type Func,
  type VReg,
} from "../ir/ir.js";

export interface Range {
  start: number;
  end: number;
}

export interface Interval {
  vreg: VReg;
  ranges: Range[];
  /** First and last position covered. */
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

/** `depth`: loopDepth(f), when the caller has it (spill code leaves the CFG as it is). */
export function buildIntervals(
  f: Func,
  order: Block[],
  depth: Map<Block, number> = loopDepth(f),
): Intervals {
  const { liveOut } = liveness(f);
  const ranges = new Map<VReg, Range[]>();
  const weights = new Map<VReg, number>();
  const calls: CallSite[] = [];
  const addRange = (v: VReg, start: number, end: number): void => {
    const rs = ranges.get(v);
    if (rs) rs.push({ start, end });
    else ranges.set(v, [{ start, end }]);
  };
  const weigh = (v: VReg, w: number): void => {
    weights.set(v, (weights.get(v) ?? 0) + w);
  };

  let first = 0; // number of the block's first instruction
  for (const b of order) {
    const start = 2 * first;
    const termAt = first + b.insns.length;
    const w = 10 ** Math.min(depth.get(b) ?? 0, 6);
    // Walk backwards; `end` maps each vreg live at the current point to where its range ends.
    const end = new Map<VReg, number>();
    for (const v of liveOut.get(b) ?? []) end.set(v, 2 * termAt + 1);
    const use = (v: VReg, at: number): void => {
      weigh(v, w);
      if (!end.has(v)) end.set(v, at);
    };
    for (const v of termUses(b.term)) use(v, 2 * termAt);
    for (let k = b.insns.length - 1; k >= 0; k--) {
      const i = b.insns[k];
      const n = first + k;
      const d = defOf(i);
      if (d !== undefined) {
        weigh(d, w);
        addRange(d, 2 * n + 1, end.get(d) ?? 2 * n + 1);
        end.delete(d);
      }
      if (i.op === "call" || i.op === "callLocal")
        calls.push({ at: 2 * n + 1, result: i.dst !== undefined });
      for (const v of usesOf(i)) use(v, 2 * n);
      // `dst = a - b` is emitted as `dst = a; dst -= b`: b must survive the write of dst.
      if (i.op === "alu" && isReg(i.b) && i.b !== i.a && !COMMUTATIVE.has(i.alu)) {
        end.set(i.b, Math.max(end.get(i.b)!, 2 * n + 1));
      }
    }
    for (const [v, e] of end) addRange(v, start, e);
    first = termAt + 1;
  }

  const intervals = new Map<VReg, Interval>();
  for (const [v, rs] of ranges) {
    const merged = mergeRanges(rs);
    intervals.set(v, {
      vreg: v,
      ranges: merged,
      start: merged[0].start,
      end: merged[merged.length - 1].end,
      weight: weights.get(v) ?? 0,
    });
  }
  return { intervals, calls };
}

function mergeRanges(rs: Range[]): Range[] {
  const sorted = [...rs].sort((a, b) => a.start - b.start);
  const out: Range[] = [{ ...sorted[0] }];
  for (const r of sorted.slice(1)) {
    const last = out[out.length - 1];
    if (r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** Total positions an interval covers. */
export const coveredLength = (iv: { ranges: Range[] }): number =>
  iv.ranges.reduce((n, r) => n + r.end - r.start + 1, 0);

/** Whether two sorted range lists share a position. */
export function overlaps(a: Range[], b: Range[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i].end < b[j].start) i++;
    else if (b[j].end < a[i].start) j++;
    else return true;
  }
  return false;
}
