// Which registers and stack slots each instruction's successors may still read: the verifier
// compares only those when it prunes a path, and so does the estimate (estimate.ts).
import type { Insn } from "../bpf/insn.js";
import {
  Class,
  Jmp,
  LD_IMM64,
  Mode,
  PseudoCall,
  PseudoLd,
  classOf,
  modeOf,
  opOf,
  srcOf,
} from "../bpf/opcodes.js";

export interface Liveness {
  /** Bit r of the mask: register r may be read on some path from instruction `pc` on. */
  regsIn(pc: number): number;
  /** The frame-pointer offsets that may be read from `pc` on ("all" when the frame escapes). */
  stackIn(pc: number): Set<number> | "all";
  /** Instructions some jump lands on: where the verifier (and the estimate) may prune. */
  jumpTargets: Set<number>;
}

const ARGS = 0b111110; // r1–r5
const CLOBBERED = 0b111111; // r0–r5

interface Effect {
  use: number;
  def: number;
  loadSlot?: number;
  storeSlot?: number;
  succ: number[];
  /** r10 used as a value (a pointer into the frame escapes). */
  escapes: boolean;
}

function effectOf(insn: Insn, pc: number, target: (pc: number, off: number) => number): Effect {
  const cls = classOf(insn.code);
  const bit = (r: number) => 1 << r;
  const next = [pc + 1];
  if (insn.code === LD_IMM64) return { use: 0, def: bit(insn.dst), succ: next, escapes: false };
  if (cls === Class.ALU || cls === Class.ALU64) {
    const x = srcOf(insn.code) === 0x08;
    const isMov = opOf(insn.code) === 0xb0;
    const use = (isMov ? 0 : bit(insn.dst)) | (x ? bit(insn.src) : 0);
    return { use, def: bit(insn.dst), succ: next, escapes: x && insn.src === 10 };
  }
  if (cls === Class.LDX) {
    const loadSlot = insn.src === 10 ? insn.off & ~7 : undefined;
    return { use: bit(insn.src), def: bit(insn.dst), loadSlot, succ: next, escapes: false };
  }
  if (cls === Class.ST || cls === Class.STX) {
    const atomic = modeOf(insn.code) === Mode.ATOMIC;
    const use = bit(insn.dst) | (cls === Class.STX ? bit(insn.src) : 0);
    const fetchDef = atomic && insn.imm & 1 ? (insn.imm === 0xf1 ? 1 : bit(insn.src)) : 0;
    // An 8-byte aligned plain store overwrites the whole slot; anything narrower keeps it live.
    const whole = insn.dst === 10 && !atomic && (insn.code & 0x18) === 0x18;
    return {
      use: use | (atomic && insn.imm === 0xf1 ? 1 : 0),
      def: fetchDef,
      storeSlot: whole ? insn.off : undefined,
      loadSlot: insn.dst === 10 && !whole ? insn.off & ~7 : undefined,
      succ: next,
      escapes: cls === Class.STX && insn.src === 10,
    };
  }
  if (cls === Class.JMP || cls === Class.JMP32) {
    const op = opOf(insn.code);
    if (op === Jmp.EXIT) return { use: 1, def: 0, succ: [], escapes: false };
    if (op === Jmp.CALL) {
      void PseudoCall;
      return { use: ARGS, def: CLOBBERED, succ: next, escapes: false };
    }
    const to = target(pc, op === Jmp.JA && cls === Class.JMP32 ? insn.imm : insn.off);
    if (op === Jmp.JA) return { use: 0, def: 0, succ: [to], escapes: false };
    const use = bit(insn.dst) | (srcOf(insn.code) === 0x08 ? bit(insn.src) : 0);
    return { use, def: 0, succ: [pc + 1, to], escapes: false };
  }
  return { use: 0, def: 0, succ: next, escapes: false };
}

/** Backward data flow over the whole program (functions follow each other; calls fall through). */
export function liveness(
  insns: readonly Insn[],
  target: (pc: number, off: number) => number,
): Liveness {
  const n = insns.length;
  const fx = insns.map((insn, pc) => effectOf(insn, pc, target));
  const jumpTargets = new Set<number>();
  // Functions start at 0, at each local call's target and at each callback's address.
  const entries = new Set<number>([0]);
  insns.forEach((insn, pc) => {
    const cls = classOf(insn.code);
    if ((cls === Class.JMP || cls === Class.JMP32) && opOf(insn.code) !== Jmp.CALL) {
      if (opOf(insn.code) !== Jmp.EXIT) {
        for (const t of fx[pc].succ)
          if (t !== pc + 1 || opOf(insn.code) === Jmp.JA) jumpTargets.add(t);
        if (opOf(insn.code) !== Jmp.JA) jumpTargets.add(pc + 1);
      }
    }
    if (cls === Class.JMP && opOf(insn.code) === Jmp.CALL) {
      jumpTargets.add(pc + 1);
      if (insn.src === PseudoCall.LOCAL) entries.add(target(pc, insn.imm));
    }
    if (insn.code === LD_IMM64 && insn.src === PseudoLd.FUNC) entries.add(target(pc, insn.imm));
  });
  const sortedEntries = [...entries].filter((e) => e >= 0).sort((a, b) => a - b);
  const funcOf = new Int32Array(n);
  let fi = 0;
  for (let pc = 0; pc < n; pc++) {
    while (fi + 1 < sortedEntries.length && sortedEntries[fi + 1] <= pc) fi++;
    funcOf[pc] = fi;
  }
  const escaped = new Set<number>();
  fx.forEach((e, pc) => {
    if (e.escapes) escaped.add(funcOf[pc]);
  });

  const regIn = new Int32Array(n);
  const stackIn: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  let changed = true;
  while (changed) {
    changed = false;
    for (let pc = n - 1; pc >= 0; pc--) {
      const e = fx[pc];
      let out = 0;
      const outSlots = new Set<number>();
      for (const s of e.succ) {
        if (s < 0 || s >= n) continue;
        out |= regIn[s];
        for (const k of stackIn[s]) outSlots.add(k);
      }
      const inRegs = (out & ~e.def) | e.use;
      if (e.storeSlot !== undefined) outSlots.delete(e.storeSlot);
      if (e.loadSlot !== undefined) outSlots.add(e.loadSlot);
      if (inRegs !== regIn[pc]) {
        regIn[pc] = inRegs;
        changed = true;
      }
      if (outSlots.size !== stackIn[pc].size || [...outSlots].some((k) => !stackIn[pc].has(k))) {
        stackIn[pc] = outSlots;
        changed = true;
      }
    }
  }
  return {
    regsIn: (pc) => (pc >= 0 && pc < n ? regIn[pc] : 0),
    stackIn: (pc) =>
      pc < 0 || pc >= n ? new Set() : escaped.has(funcOf[pc]) ? "all" : stackIn[pc],
    jumpTargets,
  };
}
