// E0716: XRP's context has 16 next-read slots (next_addr[16], size[16]) — a fan-out of up to 16 —
// but its released code issues only next_addr[0] ("fanout is not supported"). On --target xrp
// the program must write no other slot: a write there is a read that never happens.
import {
  Alu,
  Class,
  Jmp,
  LD_IMM64,
  Mode,
  classOf,
  modeOf,
  opOf,
  srcOf,
} from "../../bpf/opcodes.js";
import { type Insn, slotOffsets } from "../../bpf/insn.js";
import { XRP_FANOUT, XrpCtx } from "../../object/xrp-layout.js";
import { functionsOf } from "../functions.js";
import type { LintRule } from "../rule.js";

const SLOT = 8;

/** Where ctx is held: registers and stack slots (by offset from r10). */
interface Holders {
  regs: Set<number>;
  slots: Set<number>;
}

const meet = (a: Holders, b: Holders): Holders => ({
  regs: new Set([...a.regs].filter((r) => b.regs.has(r))),
  slots: new Set([...a.slots].filter((s) => b.slots.has(s))),
});

/** What `insn` leaves holding ctx, given what held it before. */
function step(insn: Insn, h: Holders): Holders {
  const regs = new Set(h.regs);
  const slots = new Set(h.slots);
  const cls = classOf(insn.code);
  if (cls === Class.JMP && opOf(insn.code) === Jmp.CALL) {
    for (let r = 0; r <= 5; r++) regs.delete(r); // clobbered by any call
  } else if (cls === Class.STX && modeOf(insn.code) === Mode.MEM && insn.dst === 10) {
    if (regs.has(insn.src)) slots.add(insn.off);
    else slots.delete(insn.off);
  } else if (cls === Class.ST && insn.dst === 10) slots.delete(insn.off);
  else if (cls === Class.LDX) {
    if (insn.src === 10 && slots.has(insn.off)) regs.add(insn.dst);
    else regs.delete(insn.dst);
  } else if (cls === Class.ALU64 && opOf(insn.code) === Alu.MOV && srcOf(insn.code) === 0x08) {
    if (regs.has(insn.src)) regs.add(insn.dst);
    else regs.delete(insn.dst);
  } else if (cls === Class.ALU || cls === Class.ALU64 || insn.code === LD_IMM64)
    regs.delete(insn.dst);
  return { regs, slots };
}

/**
 * The stores through the context pointer in the entry function — r1 at entry, followed through
 * register copies and stack spills along every path (a register holds ctx at an instruction only
 * if it does on every path there): [instruction index, byte offset in the context].
 */
export function ctxStores(insns: readonly Insn[]): [number, number][] {
  const end = functionsOf(insns)[0]?.end ?? insns.length;
  const slotOf = slotOffsets(insns);
  const bySlot = new Map<number, number>();
  slotOf.forEach((s, i) => bySlot.set(s, i));
  const succ = (pc: number): number[] => {
    const insn = insns[pc];
    const cls = classOf(insn.code);
    const next = pc + 1 < end ? [pc + 1] : [];
    if ((cls !== Class.JMP && cls !== Class.JMP32) || opOf(insn.code) === Jmp.CALL) return next;
    if (opOf(insn.code) === Jmp.EXIT) return [];
    const to = bySlot.get(slotOf[pc] + 1 + insn.off);
    const jump = to !== undefined && to < end ? [to] : [];
    return opOf(insn.code) === Jmp.JA ? jump : [...next, ...jump];
  };
  const before = new Map<number, Holders>([[0, { regs: new Set([1]), slots: new Set() }]]);
  const work = [0];
  while (work.length > 0) {
    const pc = work.pop()!;
    const after = step(insns[pc], before.get(pc)!);
    for (const s of succ(pc)) {
      const old = before.get(s);
      const merged = old ? meet(old, after) : after;
      if (old && merged.regs.size === old.regs.size && merged.slots.size === old.slots.size)
        continue;
      before.set(s, merged);
      work.push(s);
    }
  }
  const out: [number, number][] = [];
  for (const [pc, h] of [...before].sort((a, b) => a[0] - b[0])) {
    const insn = insns[pc];
    const cls = classOf(insn.code);
    if ((cls === Class.STX || cls === Class.ST) && insn.dst !== 10 && h.regs.has(insn.dst))
      out.push([pc, insn.off]);
  }
  return out;
}

export const xrpFanout: LintRule = {
  code: "E0716",
  name: "xrp-fanout",
  summary: "on --target xrp: the program issues one next read (next_addr[0]), no fan-out",
  check(cx) {
    if (cx.options.target !== "xrp") return [];
    const seen = new Set<number>();
    return ctxStores(cx.artifact.insns).flatMap(([pc, off]) => {
      const field =
        off >= XrpCtx.nextAddr + SLOT && off < XrpCtx.size
          ? "next_addr"
          : off >= XrpCtx.size + SLOT && off < XrpCtx.size + SLOT * XRP_FANOUT
            ? "size"
            : undefined;
      if (!field) return [];
      const k = (off - (field === "size" ? XrpCtx.size : XrpCtx.nextAddr)) / SLOT;
      if (seen.has(k)) return [];
      seen.add(k);
      return [
        {
          severity: "error" as const,
          code: this.code,
          message: `the program writes ${field}[${k}]: a fan-out of ${k + 1} reads; XRP's context has ${XRP_FANOUT} slots, but its released code issues only next_addr[0]`,
          pos: cx.artifact.insns[pc].pos ?? cx.programPos,
          hint: "read one block at a time: resubmit the next offset, keep the others in `state`",
        },
      ];
    });
  },
};
