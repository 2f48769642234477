// Instruction selection: one IR instruction, with its vregs mapped to physical registers, becomes
// one or two eBPF instructions. eBPF is two-address (`dst op= src`), so `d = a op b` costs a
// `mov d, a` first unless the allocator gave d and a the same register (it tries to).
import type { Insn } from "../../bpf/insn.js";
import type { SourcePos } from "../../diagnostics.js";
import {
  Alu,
  Class,
  Jmp,
  LD_IMM64,
  Mode,
  PseudoCall,
  PseudoLd,
  Size,
  Src,
} from "../../bpf/opcodes.js";
import { internalError } from "../../diagnostics.js";
import { R10 } from "./calling-convention.js";
import { fitsImm32 } from "./legalize.js";
import {
  isImm,
  type Addr,
  type AluOp,
  type Inst,
  type UnaryOp,
  type Value,
  type VReg,
} from "../ir/ir.js";

export interface SelectContext {
  reg(v: VReg): number;
  /** r10-relative offset of a stack slot. */
  slotOffset(slot: number): number;
}

const ALU_CODE: Record<AluOp, { op: number; off: number }> = {
  add: { op: Alu.ADD, off: 0 },
  sub: { op: Alu.SUB, off: 0 },
  mul: { op: Alu.MUL, off: 0 },
  udiv: { op: Alu.DIV, off: 0 },
  sdiv: { op: Alu.DIV, off: 1 },
  umod: { op: Alu.MOD, off: 0 },
  smod: { op: Alu.MOD, off: 1 },
  and: { op: Alu.AND, off: 0 },
  or: { op: Alu.OR, off: 0 },
  xor: { op: Alu.XOR, off: 0 },
  shl: { op: Alu.LSH, off: 0 },
  lshr: { op: Alu.RSH, off: 0 },
  ashr: { op: Alu.ARSH, off: 0 },
};
const COMMUTATIVE = new Set<AluOp>(["add", "mul", "and", "or", "xor"]);
const SIZE = { 1: Size.B, 2: Size.H, 4: Size.W, 8: Size.DW } as const;

const insn = (
  code: number,
  dst: number,
  src: number,
  off: number,
  imm: number,
  pos: SourcePos,
): Insn => ({
  code,
  dst,
  src,
  off,
  imm,
  pos,
});
const imm32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** `dst = src` for a register. */
export const movReg = (dst: number, src: number, pos: SourcePos): Insn =>
  insn(Class.ALU64 | Alu.MOV | Src.X, dst, src, 0, 0, pos);

/** `dst = c` in the fewest slots: mov (sign-extended imm32), mov32 (zero-extended), or ld_imm64. */
export function movImm(dst: number, c: bigint, pos: SourcePos): Insn {
  if (fitsImm32(c)) return insn(Class.ALU64 | Alu.MOV | Src.K, dst, 0, 0, Number(c), pos);
  const u = BigInt.asUintN(64, c);
  if (u <= 0xffffffffn) return insn(Class.ALU | Alu.MOV | Src.K, dst, 0, 0, imm32(u), pos);
  return {
    code: LD_IMM64,
    dst,
    src: PseudoLd.IMM64,
    off: 0,
    imm: imm32(u),
    imm2: imm32(u >> 32n),
    pos,
  };
}

function aluOp(
  cls: number,
  op: AluOp,
  dst: number,
  b: Value,
  ctx: SelectContext,
  pos: SourcePos,
): Insn {
  const { op: code, off } = ALU_CODE[op];
  return isImm(b)
    ? insn(cls | code | Src.K, dst, 0, off, imm32(b), pos)
    : insn(cls | code | Src.X, dst, ctx.reg(b), off, 0, pos);
}

function memOperand(a: Addr, ctx: SelectContext): { reg: number; off: number } {
  switch (a.base.kind) {
    case "reg":
      return { reg: ctx.reg(a.base.reg), off: a.off };
    case "stack":
      return { reg: R10, off: ctx.slotOffset(a.base.slot) + a.off };
    case "map":
      throw internalError("a map-based access reached selection (legalize missed it)");
  }
}

function unary(un: UnaryOp, d: number, a: number, pos: SourcePos): Insn[] {
  const copy = d === a ? [] : [movReg(d, a, pos)];
  switch (un) {
    case "neg":
      return [...copy, insn(Class.ALU64 | Alu.NEG, d, 0, 0, 0, pos)];
    case "neg32":
      return [...copy, insn(Class.ALU | Alu.NEG, d, 0, 0, 0, pos)];
    case "be16":
    case "be32":
    case "be64":
      return [...copy, insn(Class.ALU | Alu.END | Src.X, d, 0, 0, Number(un.slice(2)), pos)];
    case "le16":
    case "le32":
      return [...copy, insn(Class.ALU | Alu.END | Src.K, d, 0, 0, Number(un.slice(2)), pos)];
    case "le64":
      return copy; // a no-op on a little-endian machine
    case "zext8":
      return [...copy, insn(Class.ALU64 | Alu.AND | Src.K, d, 0, 0, 0xff, pos)];
    case "zext16":
      return [...copy, insn(Class.ALU64 | Alu.AND | Src.K, d, 0, 0, 0xffff, pos)];
    case "zext32":
      return [insn(Class.ALU | Alu.MOV | Src.X, d, a, 0, 0, pos)];
    case "sext8":
    case "sext16":
    case "sext32":
      // MOVSX (eBPF v4): `d = (s8/s16/s32) a`.
      return [insn(Class.ALU64 | Alu.MOV | Src.X, d, a, Number(un.slice(4)), 0, pos)];
  }
}

/**
 * The eBPF instructions of one IR instruction. Local calls come back with imm 0; the emitter
 * resolves them (it reports them through `onLocalCall` with the index of the call in the result).
 */
export function selectInst(
  i: Inst,
  ctx: SelectContext,
  onLocalCall: (index: number, func: string) => void,
): Insn[] {
  const pos = i.pos;
  switch (i.op) {
    case "mov": {
      const d = ctx.reg(i.dst);
      if (isImm(i.src)) return [movImm(d, i.src, pos)];
      const s = ctx.reg(i.src);
      return s === d ? [] : [movReg(d, s, pos)];
    }
    case "alu": {
      const cls = i.w === 64 ? Class.ALU64 : Class.ALU;
      const d = ctx.reg(i.dst);
      const a = ctx.reg(i.a);
      if (d === a) return [aluOp(cls, i.alu, d, i.b, ctx, pos)];
      if (!isImm(i.b) && ctx.reg(i.b) === d) {
        if (!COMMUTATIVE.has(i.alu))
          throw internalError(`${i.alu} result overwrites its right operand`, pos);
        return [aluOp(cls, i.alu, d, i.a, ctx, pos)];
      }
      return [movReg(d, a, pos), aluOp(cls, i.alu, d, i.b, ctx, pos)];
    }
    case "unary":
      return unary(i.un, ctx.reg(i.dst), ctx.reg(i.a), pos);
    case "load": {
      const m = memOperand(i.addr, ctx);
      const mode = i.signed && i.width < 8 ? Mode.MEMSX : Mode.MEM;
      return [insn(Class.LDX | mode | SIZE[i.width], ctx.reg(i.dst), m.reg, m.off, 0, pos)];
    }
    case "store": {
      const m = memOperand(i.addr, ctx);
      return isImm(i.value)
        ? [insn(Class.ST | Mode.MEM | SIZE[i.width], m.reg, 0, m.off, imm32(i.value), pos)]
        : [insn(Class.STX | Mode.MEM | SIZE[i.width], m.reg, ctx.reg(i.value), m.off, 0, pos)];
    }
    case "addr": {
      const d = ctx.reg(i.dst);
      const base = i.addr.base;
      if (base.kind === "map") {
        return [
          {
            code: LD_IMM64,
            dst: d,
            src: PseudoLd.MAP_VALUE,
            off: 0,
            imm: base.map,
            imm2: i.addr.off,
            pos,
          },
        ];
      }
      const m = memOperand(i.addr, ctx);
      const copy = m.reg === d ? [] : [movReg(d, m.reg, pos)];
      return m.off === 0
        ? copy
        : [...copy, insn(Class.ALU64 | Alu.ADD | Src.K, d, 0, 0, m.off, pos)];
    }
    case "call": {
      const call = insn(Class.JMP | Jmp.CALL, 0, PseudoCall.HELPER, 0, i.helper, pos);
      if (i.callback === undefined) return [call];
      // `r2 = &callback` (resolved like a local call: imm = its slot - this slot - 1).
      onLocalCall(0, i.callback);
      const address: Insn = {
        code: LD_IMM64,
        dst: 2,
        src: PseudoLd.FUNC,
        off: 0,
        imm: 0,
        imm2: 0,
        pos,
      };
      return [address, call];
    }
    case "callLocal":
      onLocalCall(0, i.func);
      return [insn(Class.JMP | Jmp.CALL, 0, PseudoCall.LOCAL, 0, 0, pos)];
  }
}
