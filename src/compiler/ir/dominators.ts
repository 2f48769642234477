// Dominators by the Cooper–Harvey–Kennedy iteration ("A Simple, Fast Dominance Algorithm"):
// immediate dominators over the reverse postorder, then the dominator tree.
import { predecessors, reversePostorder } from "./cfg.js";
import type { Block, Func } from "./ir.js";

export interface DomTree {
  /** Reachable blocks in reverse postorder. */
  order: Block[];
  /** Immediate dominator; undefined for the entry. */
  idom: Map<Block, Block | undefined>;
  /** Dominator-tree children, in reverse postorder. */
  children: Map<Block, Block[]>;
  /** Whether `a` dominates `b` (reflexive). */
  dominates(a: Block, b: Block): boolean;
}

export function dominators(f: Func): DomTree {
  const order = reversePostorder(f);
  const n = order.length;
  // Blocks by their reverse-postorder number: the iteration works on numbers, not Maps.
  const index = new Map<Block, number>();
  for (let k = 0; k < n; k++) index.set(order[k], k);
  const preds = predecessors(f);
  const predNums: number[][] = [];
  for (let k = 0; k < n; k++) {
    const ps: number[] = [];
    for (const p of preds.get(order[k])!) {
      const at = index.get(p);
      if (at !== undefined) ps.push(at); // unreachable predecessors have no dominator
    }
    predNums.push(ps);
  }
  const idomNum = new Int32Array(n).fill(-1); // -1: not processed yet
  idomNum[0] = 0;

  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (a > b) a = idomNum[a];
      while (b > a) b = idomNum[b];
    }
    return a;
  };

  for (let changed = true; changed;) {
    changed = false;
    for (let k = 1; k < n; k++) {
      let best = -1;
      for (const p of predNums[k]) {
        if (idomNum[p] < 0) continue; // not processed yet
        best = best < 0 ? p : intersect(p, best);
      }
      if (best >= 0 && idomNum[k] !== best) {
        idomNum[k] = best;
        changed = true;
      }
    }
  }

  const entry = order[0];
  const idom = new Map<Block, Block | undefined>([[entry, undefined]]);
  const children = new Map<Block, Block[]>(order.map((b) => [b, []]));
  for (let k = 1; k < n; k++) {
    const parent = order[idomNum[k]];
    idom.set(order[k], parent);
    children.get(parent)!.push(order[k]);
  }

  // Pre/post numbers of the tree make `dominates` O(1).
  const pre = new Int32Array(n);
  const post = new Int32Array(n);
  let clock = 0;
  const walk = (b: Block): void => {
    pre[index.get(b)!] = clock++;
    for (const c of children.get(b)!) walk(c);
    post[index.get(b)!] = clock++;
  };
  walk(entry);
  const dominates = (a: Block, b: Block): boolean => {
    const ia = index.get(a);
    const ib = index.get(b);
    return ia !== undefined && ib !== undefined && pre[ia] <= pre[ib] && post[ib] <= post[ia];
  };

  return { order, idom, children, dominates };
}
