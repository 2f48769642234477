// Mnemonic tables of the uBPF / bpf_conformance assembler syntax, shared by its assembler and
// printer so the two cannot drift apart.
import { Alu, Atomic, Jmp, PseudoLd, Size } from "../opcodes.js";

/** ALU mnemonics (without the `32` suffix) → op and the offset that selects the signed variant. */
export const UBPF_ALU: Record<string, { op: number; off: number }> = {
  add: { op: Alu.ADD, off: 0 },
  sub: { op: Alu.SUB, off: 0 },
  mul: { op: Alu.MUL, off: 0 },
  div: { op: Alu.DIV, off: 0 },
  sdiv: { op: Alu.DIV, off: 1 },
  or: { op: Alu.OR, off: 0 },
  and: { op: Alu.AND, off: 0 },
  lsh: { op: Alu.LSH, off: 0 },
  rsh: { op: Alu.RSH, off: 0 },
  mod: { op: Alu.MOD, off: 0 },
  smod: { op: Alu.MOD, off: 1 },
  xor: { op: Alu.XOR, off: 0 },
  mov: { op: Alu.MOV, off: 0 },
  arsh: { op: Alu.ARSH, off: 0 },
};

export const UBPF_JMP: Record<string, number> = {
  jeq: Jmp.JEQ,
  jgt: Jmp.JGT,
  jge: Jmp.JGE,
  jset: Jmp.JSET,
  jne: Jmp.JNE,
  jsgt: Jmp.JSGT,
  jsge: Jmp.JSGE,
  jlt: Jmp.JLT,
  jle: Jmp.JLE,
  jslt: Jmp.JSLT,
  jsle: Jmp.JSLE,
};

export const UBPF_SIZE: Record<string, number> = { b: Size.B, h: Size.H, w: Size.W, dw: Size.DW };

/** `lock <name>` → atomic imm (xchg and cmpxchg always fetch). */
export const UBPF_ATOMIC: Record<string, number> = {
  add: Atomic.ADD,
  or: Atomic.OR,
  and: Atomic.AND,
  xor: Atomic.XOR,
  xchg: Atomic.XCHG,
  cmpxchg: Atomic.CMPXCHG,
};

/** Our extension for the pseudo forms of lddw: `lddw %r1, 3, map_fd`. */
export const UBPF_PSEUDO_LD: Record<string, number> = {
  imm64: PseudoLd.IMM64,
  map_fd: PseudoLd.MAP_FD,
  map_value: PseudoLd.MAP_VALUE,
  btf_id: PseudoLd.BTF_ID,
  func: PseudoLd.FUNC,
  map_idx: PseudoLd.MAP_IDX,
  map_idx_value: PseudoLd.MAP_IDX_VALUE,
};

export const nameOf = <T>(table: Record<string, T>, value: T): string | undefined =>
  Object.keys(table).find((k) => table[k] === value);
