// Control-flow graph utilities: predecessors, orders, reachability.
import { successors, type Block, type Func } from "./ir.js";

/** Predecessors of every block (reachable or not), each listed once per distinct edge source. */
export function predecessors(f: Func): Map<Block, Block[]> {
  const preds = new Map<Block, Block[]>(f.blocks.map((b) => [b, []]));
  for (const b of f.blocks) {
    for (const s of successors(b.term)) preds.get(s)?.push(b);
  }
  return preds;
}

/** Blocks reachable from the entry, in reverse postorder (entry first). */
export function reversePostorder(f: Func): Block[] {
  const seen = new Set<Block>();
  const post: Block[] = [];
  // Iterative DFS: parallel stacks of a block, its successors and the index of the next one to
  // visit (each block's successors listed once, not at every step).
  const blocks: Block[] = [f.blocks[0]];
  const succs: Block[][] = [successors(f.blocks[0].term)];
  const next: number[] = [0];
  seen.add(f.blocks[0]);
  while (blocks.length > 0) {
    const top = blocks.length - 1;
    const ss = succs[top];
    if (next[top] < ss.length) {
      const b = ss[next[top]++];
      if (!seen.has(b)) {
        seen.add(b);
        blocks.push(b);
        succs.push(successors(b.term));
        next.push(0);
      }
    } else {
      post.push(blocks.pop()!);
      succs.pop();
      next.pop();
    }
  }
  return post.reverse();
}

/** Drops blocks the entry cannot reach; keeps the others in their order. Returns whether any went. */
export function removeUnreachable(f: Func): boolean {
  const reachable = new Set(reversePostorder(f));
  const before = f.blocks.length;
  f.blocks = f.blocks.filter((b) => reachable.has(b));
  return f.blocks.length !== before;
}

/** Edges (from, to) where `to` is an ancestor of `from` in a DFS: the loops' back edges. */
export function backEdges(f: Func): [Block, Block][] {
  const rpo = reversePostorder(f);
  const index = new Map(rpo.map((b, i) => [b, i]));
  const out: [Block, Block][] = [];
  for (const b of rpo) {
    for (const s of successors(b.term))
      if ((index.get(s) ?? Infinity) <= index.get(b)!) out.push([b, s]);
  }
  return out;
}

/** How many loops (natural loops of back edges) contain each reachable block. */
export function loopDepth(f: Func): Map<Block, number> {
  const preds = predecessors(f);
  const depth = new Map<Block, number>(reversePostorder(f).map((b) => [b, 0]));
  for (const [tail, header] of backEdges(f)) {
    // The natural loop: the header plus every block that reaches the tail without the header.
    const body = new Set<Block>([header]);
    const work = [tail];
    while (work.length > 0) {
      const b = work.pop()!;
      if (body.has(b)) continue;
      body.add(b);
      work.push(...preds.get(b)!);
    }
    for (const b of body) if (depth.has(b)) depth.set(b, depth.get(b)! + 1);
  }
  return depth;
}
