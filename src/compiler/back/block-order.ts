// Block layout: the order blocks are emitted in. Chains of fall-throughs are grown greedily from
// the reverse postorder, so each block is followed by the successor it most likely goes to —
// a jump's target, a check's `ok` side, a branch's unplaced side — and the cold failure paths of
// checks drift to the end. Every fall-through saves a `ja`.
import { reversePostorder } from "../ir/cfg.js";
import { successors, type Block, type Func } from "../ir/ir.js";

function preferredNext(b: Block, placed: Set<Block>): Block | undefined {
  const t = b.term;
  const free = (x: Block): Block | undefined => (placed.has(x) ? undefined : x);
  switch (t.op) {
    case "jump":
      return free(t.target);
    case "check":
      return free(t.ok) ?? free(t.fail);
    case "br": {
      // JSET cannot be inverted, so its false side should follow.
      if (t.cond === "set") return free(t.else) ?? free(t.then);
      // A triangle (one side also leads to the other): the side that leads on goes first, so
      // both edges into the other side can fall through or branch without a `ja`.
      const leadsTo = (a: Block, b: Block): boolean => successors(a.term).includes(b);
      if (free(t.then) && free(t.else) && leadsTo(t.else, t.then) && !leadsTo(t.then, t.else))
        return t.else;
      return free(t.then) ?? free(t.else);
    }
    case "ret":
      return undefined;
  }
}

export function layoutBlocks(f: Func): Block[] {
  const rpo = reversePostorder(f);
  const placed = new Set<Block>();
  const order: Block[] = [];
  const isCold = (b: Block): boolean => coldBlocks.has(b);
  const coldBlocks = new Set<Block>();
  for (const b of rpo)
    if (b.term.op === "check" && b.term.fail !== b.term.ok) coldBlocks.add(b.term.fail);
  // Hot chains first, then the cold failure paths, each in reverse postorder.
  for (const pass of [false, true]) {
    for (const start of rpo) {
      if (placed.has(start) || isCold(start) !== pass) continue;
      for (let b: Block | undefined = start; b !== undefined; b = preferredNext(b, placed)) {
        placed.add(b);
        order.push(b);
      }
    }
  }
  return order;
}
