// Tail merging: blocks that end the same way share one copy of their code.
// - Identical blocks (same instructions, same way out): every edge goes to the first one.
// - Blocks identical but for one constant operand (the failure paths: `ctx.error = 17`,
//   `ctx.error = 18`, ...): each keeps only `%t = mov c; jump common`, and one common block does
//   the work with %t — when that is cheaper, counting a store of a constant as two eBPF
//   instructions (the verifier refuses BPF_ST into ctx, so it becomes mov + stx).
// - Blocks that do work and then return the same value jump to one shared return
//   (a `ja` is one instruction, `r0 = v; exit` two).
import { printInst, printTerm, printValue } from "../ir/print.js";
import {
  isImm,
  newReg,
  replaceSuccessor,
  type Block,
  type Func,
  type Inst,
  type VReg,
} from "../ir/ir.js";
import { pushAt } from "../ir/map-of-lists.js";

const endsPlainly = (b: Block): boolean => b.term.op === "ret" || b.term.op === "jump";

/** Redirects every edge into a block to an identical earlier block. */
function mergeIdentical(f: Func): void {
  const canonical = new Map<string, Block>();
  const replace = new Map<Block, Block>();
  for (const b of f.blocks.slice(1)) {
    if (!endsPlainly(b)) continue;
    const key = [...b.insns.map(printInst), printTerm(b.term)].join("\n");
    const first = canonical.get(key);
    if (first === undefined) canonical.set(key, b);
    else replace.set(b, first);
  }
  if (replace.size === 0) return;
  for (const b of f.blocks) replace.forEach((to, from) => replaceSuccessor(b.term, from, to));
}

/** The constant operand of an instruction, if it has one, and how to replace it by a vreg. */
function constantOperand(i: Inst): { value: bigint; with(v: VReg): Inst } | undefined {
  if (i.op === "mov" && isImm(i.src)) return { value: i.src, with: (v) => ({ ...i, src: v }) };
  if (i.op === "alu" && isImm(i.b)) return { value: i.b, with: (v) => ({ ...i, b: v }) };
  if (i.op === "store" && isImm(i.value))
    return { value: i.value, with: (v) => ({ ...i, value: v }) };
  return undefined;
}

/** The text of an instruction with its constant operand blanked out. */
function shape(i: Inst): string {
  const c = constantOperand(i);
  return c ? printInst(c.with(-1 as VReg)) : printInst(i);
}

/** eBPF instructions a block costs, roughly: a constant store through a pointer that may be ctx
 * is mov + stx, a jump one `ja`. */
const cost = (insns: Inst[]): number =>
  insns.reduce(
    (n, i) => n + (i.op === "store" && isImm(i.value) && i.addr.base.kind === "reg" ? 2 : 1),
    0,
  ) + 1;

function mergeModuloConstant(f: Func): void {
  const groups = new Map<string, Block[]>();
  for (const b of f.blocks.slice(1)) {
    if (!endsPlainly(b) || b.insns.length === 0) continue;
    const key = [...b.insns.map(shape), printTerm(b.term)].join("\n");
    pushAt(groups, key, b);
  }
  for (const blocks of groups.values()) {
    if (blocks.length < 2) continue;
    const [first] = blocks;
    // The one instruction whose constant differs between the blocks.
    const differing = first.insns
      .map((_, k) => k)
      .filter((k) => new Set(blocks.map((b) => constantOperand(b.insns[k])?.value)).size > 1);
    if (differing.length !== 1) continue;
    const k = differing[0];
    const t = newReg(f);
    const commonInsns = first.insns.map((i, j) => (j === k ? constantOperand(i)!.with(t) : i));
    if (blocks.length * cost(first.insns) <= blocks.length * 2 + cost(commonInsns)) continue;
    const common: Block = { id: f.nextBlock++, name: "tail", insns: commonInsns, term: first.term };
    f.blocks.push(common);
    for (const b of blocks) {
      const c = constantOperand(b.insns[k])!.value;
      b.insns = [{ op: "mov", dst: t, src: c, pos: b.insns[k].pos }];
      b.term = { op: "jump", target: common, pos: b.term.pos };
    }
  }
}

/** Blocks that do work and then return the same value jump to one shared return instead. */
function shareReturns(f: Func): void {
  const working = new Map<string, Block[]>();
  const bare = new Map<string, Block>(); // an existing block that only returns
  for (const b of f.blocks) {
    if (b.term.op !== "ret") continue;
    const key = b.term.value === undefined ? "" : printValue(b.term.value);
    if (b.insns.length > 0) pushAt(working, key, b);
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

export function mergeTails(f: Func): void {
  mergeIdentical(f);
  shareReturns(f);
  mergeModuloConstant(f);
}
