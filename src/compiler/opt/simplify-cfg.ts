// Branch simplification: branches whose outcome is known without constants (both ways to the
// same block, a register compared with itself) become jumps; jumps to empty blocks that only
// jump on are threaded to the final target; a block that is its successor's only predecessor
// absorbs it; unreachable blocks go. (Merging blocks that end alike is tail-merge.ts.)
import { predecessors, removeUnreachable } from "../ir/cfg.js";
import { replaceSuccessor, successors, type Block, type Cond, type Func } from "../ir/ir.js";

const TRUE_ON_EQUAL = new Set<Cond>(["eq", "uge", "ule", "sge", "sle"]);

function simplifyBranch(b: Block): void {
  const t = b.term;
  if (t.op === "br" && t.then === t.else) b.term = { op: "jump", target: t.then, pos: t.pos };
  else if (t.op === "check" && t.ok === t.fail) b.term = { op: "jump", target: t.ok, pos: t.pos };
  else if (t.op === "br" && t.a === t.b && t.cond !== "set") {
    b.term = { op: "jump", target: TRUE_ON_EQUAL.has(t.cond) ? t.then : t.else, pos: t.pos };
  }
}

/** Where control really goes when it enters `b`, skipping empty jump-only blocks. */
function finalTarget(b: Block, entry: Block): Block {
  const seen = new Set<Block>();
  while (b !== entry && b.insns.length === 0 && b.term.op === "jump" && !seen.has(b)) {
    seen.add(b);
    b = b.term.target;
  }
  return b;
}

function threadJumps(f: Func): void {
  const entry = f.blocks[0];
  for (const b of f.blocks) {
    for (const s of successors(b.term)) {
      const to = finalTarget(s, entry);
      if (to !== s) replaceSuccessor(b.term, s, to);
    }
  }
}

function mergeStraightLines(f: Func): void {
  const preds = predecessors(f);
  const gone = new Set<Block>();
  for (const a of f.blocks) {
    if (gone.has(a)) continue;
    // Absorb successors as long as the chain is straight.
    for (;;) {
      const t = a.term;
      if (t.op !== "jump") break;
      const b = t.target;
      if (b === a || b === f.blocks[0] || preds.get(b)!.length !== 1) break;
      a.insns.push(...b.insns);
      a.term = b.term;
      gone.add(b);
      // b's successors now have `a` as predecessor instead of b.
      for (const s of successors(a.term))
        preds.set(
          s,
          preds.get(s)!.map((p) => (p === b ? a : p)),
        );
    }
  }
  f.blocks = f.blocks.filter((b) => !gone.has(b));
}

export function simplifyCfg(f: Func): void {
  threadJumps(f);
  for (const b of f.blocks) simplifyBranch(b);
  removeUnreachable(f);
  mergeStraightLines(f);
}
