// Branch simplification: branches whose outcome is known without constants (both ways to the
// same block, a register compared with itself) become jumps; jumps to empty blocks that only
// jump on are threaded to the final target; a block that is its successor's only predecessor
// absorbs it; blocks with identical contents that leave the same way are merged (tail merging);
// returns of the same value share one exit block (a `ja` is one instruction, `r0 = v; exit` two);
// unreachable blocks go.
import { predecessors, removeUnreachable } from "../cfg.js";
import { printFunc, printInst, printTerm, printValue } from "../ir-print.js";
import { replaceSuccessor, successors, type Block, type Cond, type Func } from "../ir.js";

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
      for (const s of successors(a.term)) preds.set(s, preds.get(s)!.map((p) => (p === b ? a : p)));
    }
  }
  f.blocks = f.blocks.filter((b) => !gone.has(b));
}

/** Redirects every edge into a block to an identical earlier block (same code, same way out). */
function mergeTails(f: Func): void {
  const canonical = new Map<string, Block>();
  const replace = new Map<Block, Block>();
  for (const b of f.blocks.slice(1)) {
    if (b.term.op !== "ret" && b.term.op !== "jump") continue;
    const key = [...b.insns.map(printInst), printTerm(b.term)].join("\n");
    const first = canonical.get(key);
    if (first === undefined) canonical.set(key, b);
    else replace.set(b, first);
  }
  if (replace.size === 0) return;
  for (const b of f.blocks) for (const [from, to] of replace) replaceSuccessor(b.term, from, to);
}

/** Blocks that do work and then return the same value jump to one shared return instead. */
function shareReturns(f: Func): void {
  const working = new Map<string, Block[]>();
  const bare = new Map<string, Block>(); // an existing block that only returns
  for (const b of f.blocks) {
    if (b.term.op !== "ret") continue;
    const key = b.term.value === undefined ? "" : printValue(b.term.value);
    if (b.insns.length > 0) working.set(key, [...(working.get(key) ?? []), b]);
    else if (b !== f.blocks[0]) bare.set(key, bare.get(key) ?? b);
  }
  for (const [key, blocks] of working) {
    let exit = bare.get(key);
    if (exit === undefined && blocks.length < 2) continue;
    if (exit === undefined) {
      exit = { id: f.nextBlock++, name: "ret", insns: [], term: { ...blocks[0].term } };
      f.blocks.push(exit);
    }
    for (const b of blocks) b.term = { op: "jump", target: exit, pos: b.term.pos };
  }
}

export function simplifyCfg(f: Func): boolean {
  const before = printFunc(f);
  mergeTails(f);
  shareReturns(f);
  threadJumps(f);
  for (const b of f.blocks) simplifyBranch(b);
  removeUnreachable(f);
  mergeStraightLines(f);
  return printFunc(f) !== before;
}
