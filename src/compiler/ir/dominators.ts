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
  const index = new Map(order.map((b, i) => [b, i]));
  const preds = predecessors(f);
  const idom = new Map<Block, Block | undefined>();
  const entry = order[0];
  idom.set(entry, entry);

  const intersect = (a: Block, b: Block): Block => {
    while (a !== b) {
      while (index.get(a)! > index.get(b)!) a = idom.get(a)!;
      while (index.get(b)! > index.get(a)!) b = idom.get(b)!;
    }
    return a;
  };

  for (let changed = true; changed;) {
    changed = false;
    for (const b of order.slice(1)) {
      let best: Block | undefined;
      for (const p of preds.get(b)!) {
        if (!idom.has(p)) continue; // not processed yet (or unreachable)
        best = best === undefined ? p : intersect(p, best);
      }
      if (best !== undefined && idom.get(b) !== best) {
        idom.set(b, best);
        changed = true;
      }
    }
  }
  idom.set(entry, undefined);

  const children = new Map<Block, Block[]>(order.map((b) => [b, []]));
  for (const b of order.slice(1)) children.get(idom.get(b)!)!.push(b);

  // Pre/post numbers of the tree make `dominates` O(1).
  const pre = new Map<Block, number>();
  const post = new Map<Block, number>();
  let clock = 0;
  const walk = (b: Block): void => {
    pre.set(b, clock++);
    for (const c of children.get(b)!) walk(c);
    post.set(b, clock++);
  };
  walk(entry);
  const dominates = (a: Block, b: Block): boolean =>
    pre.has(a) && pre.has(b) && pre.get(a)! <= pre.get(b)! && post.get(b)! <= post.get(a)!;

  return { order, idom, children, dominates };
}
