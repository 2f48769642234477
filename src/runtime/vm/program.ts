// What both engines need to know about a program before running it: where each slot's instruction
// is, which function each slot belongs to (functions are the entry plus every local-call and
// lddw-func target, each running to the next one, as the kernel splits subprograms), and, for each
// instruction the VM cannot execute, why — so both engines fault at the same place with the same
// words. lddw constants (with maps and functions resolved) are computed here once.
import { slotOffsets, type Insn } from "../../bpf/insn.js";
import {
  Alu,
  Atomic,
  Class,
  Jmp,
  LD_IMM64,
  Mode,
  PseudoCall,
  PseudoLd,
  Size,
  Src,
  classOf,
  modeOf,
  opOf,
  sizeOf,
  srcOf,
} from "../../bpf/opcodes.js";
import { FaultCode } from "./faults.js";

const FP = 10;

export interface Problem {
  code: (typeof FaultCode)["BAD_INSN"] | (typeof FaultCode)["BAD_JUMP"];
  reason: string;
}

export interface Program {
  readonly insns: readonly Insn[];
  /** Slot index of each instruction. */
  readonly slotOf: readonly number[];
  /** Instruction index at each slot; -1 for the second half of an lddw. */
  readonly insnAt: Int32Array;
  readonly slotCount: number;
  /** Entry slots of the functions, ascending; the first is 0. */
  readonly functions: readonly number[];
  /** Function index of each slot. */
  readonly functionOf: Int32Array;
  /** Why instruction i cannot run (undefined: it can). */
  readonly problems: readonly (Problem | undefined)[];
  /** Target slot of each jump, local call or lddw func (NaN when the instruction has none). */
  readonly targets: readonly number[];
}

/** Slot a control transfer at `slot` lands on, if the instruction makes one. */
export function branchTarget(insn: Insn, slot: number): number | undefined {
  const cls = classOf(insn.code);
  const op = opOf(insn.code);
  if (insn.code === LD_IMM64) return insn.src === PseudoLd.FUNC ? slot + insn.imm + 1 : undefined;
  if (cls !== Class.JMP && cls !== Class.JMP32) return undefined;
  if (op === Jmp.EXIT) return undefined;
  if (op === Jmp.CALL) {
    return cls === Class.JMP && srcOf(insn.code) === Src.K && insn.src === PseudoCall.LOCAL
      ? slot + insn.imm + 1
      : undefined;
  }
  if (op === Jmp.JA && cls === Class.JMP32) return slot + insn.imm + 1;
  return slot + insn.off + 1;
}

const isCallTarget = (insn: Insn): boolean =>
  (insn.code === LD_IMM64 && insn.src === PseudoLd.FUNC) ||
  (insn.code === (Class.JMP | Jmp.CALL) && insn.src === PseudoCall.LOCAL);

export function prepareProgram(insns: readonly Insn[]): Program {
  const slotOf = slotOffsets(insns);
  const slotCount = slotOf[insns.length];
  const insnAt = new Int32Array(slotCount).fill(-1);
  insns.forEach((_, i) => (insnAt[slotOf[i]] = i));

  const targets = insns.map((insn, i) => branchTarget(insn, slotOf[i]) ?? NaN);
  const startsAt = (slot: number): boolean => slot >= 0 && slot < slotCount && insnAt[slot] >= 0;
  const entries = new Set<number>([0]);
  insns.forEach((insn, i) => {
    if (isCallTarget(insn) && startsAt(targets[i])) entries.add(targets[i]);
  });
  const functions = [...entries].sort((a, b) => a - b);
  const functionOf = new Int32Array(slotCount);
  functions.forEach((entry, f) => functionOf.fill(f, entry, functions[f + 1] ?? slotCount));

  const problems = insns.map((insn, i): Problem | undefined => {
    const bad = insnProblem(insn);
    if (bad) return { code: FaultCode.BAD_INSN, reason: bad };
    const target = targets[i];
    if (Number.isNaN(target)) return undefined;
    if (target < 0 || target >= slotCount) {
      return {
        code: FaultCode.BAD_JUMP,
        reason: `control transfer to slot ${target}, outside the program (0..${slotCount - 1})`,
      };
    }
    if (insnAt[target] < 0)
      return {
        code: FaultCode.BAD_JUMP,
        reason: `control transfer to slot ${target}, the second half of an lddw`,
      };
    if (!isCallTarget(insn) && functionOf[target] !== functionOf[slotOf[i]]) {
      return { code: FaultCode.BAD_JUMP, reason: `jump to slot ${target}, into another function` };
    }
    return undefined;
  });
  return { insns, slotOf, insnAt, slotCount, functions, functionOf, problems, targets };
}

/** Whether control can continue to the next slot after this instruction. */
export function fallsThrough(insn: Insn): boolean {
  const cls = classOf(insn.code);
  if (cls !== Class.JMP && cls !== Class.JMP32) return true;
  const op = opOf(insn.code);
  return op !== Jmp.EXIT && op !== Jmp.JA;
}

const regOk = (r: number): boolean => r >= 0 && r <= FP;
const writable = (r: number): string | undefined =>
  r === FP
    ? "r10 is the read-only frame pointer"
    : regOk(r)
      ? undefined
      : `register r${r} does not exist`;
const readable = (r: number): string | undefined =>
  regOk(r) ? undefined : `register r${r} does not exist`;
const hexByte = (n: number): string => "0x" + (n & 0xff).toString(16).padStart(2, "0");

/** Why the VM cannot execute this instruction. Reserved fields are not checked (validate does). */
function insnProblem(insn: Insn): string | undefined {
  const unknown = (why: string) => `unknown opcode ${hexByte(insn.code)}: ${why}`;
  const cls = classOf(insn.code);
  const op = opOf(insn.code);
  const x = srcOf(insn.code) === Src.X;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      if (op > Alu.END) return unknown("no such ALU operation");
      if (op === Alu.NEG && x) return unknown("neg has no register form");
      if (op === Alu.END) {
        if (cls === Class.ALU64 && x) return unknown("bswap has no register form");
        if (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64)
          return `byte swap width ${insn.imm} is not 16, 32 or 64`;
      }
      if ((op === Alu.DIV || op === Alu.MOD) && insn.off !== 0 && insn.off !== 1)
        return `${op === Alu.DIV ? "div" : "mod"} offset ${insn.off} is not 0 or 1`;
      if (
        op === Alu.MOV &&
        x &&
        ![0, 8, 16, ...(cls === Class.ALU64 ? [32] : [])].includes(insn.off)
      ) {
        return `movsx offset ${insn.off} is not a valid width`;
      }
      return (
        writable(insn.dst) ??
        (x && op !== Alu.NEG && op !== Alu.END ? readable(insn.src) : undefined)
      );
    }
    case Class.JMP:
    case Class.JMP32: {
      if (op === Jmp.CALL || op === Jmp.EXIT) {
        if (cls === Class.JMP32)
          return unknown(`${op === Jmp.CALL ? "call" : "exit"} exists only in the JMP class`);
        if (op === Jmp.EXIT) return x ? unknown("exit has no register form") : undefined;
        if (x) return readable(insn.dst);
        return insn.src > PseudoCall.KFUNC ? `call with unknown source ${insn.src}` : undefined;
      }
      if (op === Jmp.JA) return x ? unknown("ja has no register form") : undefined;
      if (op > Jmp.JSLE) return unknown("no such jump");
      return readable(insn.dst) ?? (x ? readable(insn.src) : undefined);
    }
    case Class.LD: {
      const mode = modeOf(insn.code);
      if (mode === Mode.ABS || mode === Mode.IND)
        return unknown("legacy packet access (ABS/IND) is not supported");
      if (insn.code !== LD_IMM64) return unknown("no such load");
      if (insn.src === PseudoLd.BTF_ID)
        return "lddw btf_id (a kernel variable) is not supported by the VM";
      if (insn.src > PseudoLd.MAP_IDX_VALUE) return `lddw with unknown pseudo source ${insn.src}`;
      return writable(insn.dst);
    }
    case Class.LDX: {
      const mode = modeOf(insn.code);
      if (mode !== Mode.MEM && !(mode === Mode.MEMSX && sizeOf(insn.code) !== Size.DW))
        return unknown("no such load");
      return writable(insn.dst) ?? readable(insn.src);
    }
    case Class.ST:
      return modeOf(insn.code) !== Mode.MEM ? unknown("no such store") : readable(insn.dst);
    default: {
      // STX
      const mode = modeOf(insn.code);
      if (mode === Mode.MEM) return readable(insn.dst) ?? readable(insn.src);
      if (mode !== Mode.ATOMIC) return unknown("no such store");
      const size = sizeOf(insn.code);
      if (size !== Size.W && size !== Size.DW) return unknown("atomics are 32 or 64 bits wide");
      const imm = insn.imm;
      const base = imm & ~Atomic.FETCH;
      const known =
        imm === Atomic.XCHG ||
        imm === Atomic.CMPXCHG ||
        base === Atomic.ADD ||
        base === Atomic.OR ||
        base === Atomic.AND ||
        base === Atomic.XOR;
      if (!known) return `unknown atomic operation imm=${hexByte(imm)}`;
      const fetchesIntoSrc = imm !== Atomic.CMPXCHG && (imm & Atomic.FETCH) !== 0;
      return readable(insn.dst) ?? (fetchesIntoSrc ? writable(insn.src) : readable(insn.src));
    }
  }
}
