// Operator spellings of the LLVM / kernel BPF assembler syntax (`r1 += r2`, `if r1 s< r2 goto`),
// shared by the LLVM-syntax printer and parser.
import { Alu, Atomic, Jmp, Size } from "../opcodes.js";

/** Compound-assignment operators of ALU instructions (unsigned variants; offset 1 adds `s`). */
export const LLVM_ALU_OPS: Record<number, string> = {
  [Alu.ADD]: "+=",
  [Alu.SUB]: "-=",
  [Alu.MUL]: "*=",
  [Alu.DIV]: "/=",
  [Alu.OR]: "|=",
  [Alu.AND]: "&=",
  [Alu.LSH]: "<<=",
  [Alu.RSH]: ">>=",
  [Alu.MOD]: "%=",
  [Alu.XOR]: "^=",
  [Alu.MOV]: "=",
  [Alu.ARSH]: "s>>=",
};

export const LLVM_JMP_OPS: Record<number, string> = {
  [Jmp.JEQ]: "==",
  [Jmp.JGT]: ">",
  [Jmp.JGE]: ">=",
  [Jmp.JSET]: "&",
  [Jmp.JNE]: "!=",
  [Jmp.JSGT]: "s>",
  [Jmp.JSGE]: "s>=",
  [Jmp.JLT]: "<",
  [Jmp.JLE]: "<=",
  [Jmp.JSLT]: "s<",
  [Jmp.JSLE]: "s<=",
};

export const LLVM_SIZE_TYPES: Record<number, string> = {
  [Size.B]: "8",
  [Size.H]: "16",
  [Size.W]: "32",
  [Size.DW]: "64",
};

/** `lock *(u64 *)(r1 + 0) op= r2` operators of the non-fetching atomics. */
export const LLVM_ATOMIC_OPS: Record<number, string> = {
  [Atomic.ADD]: "+=",
  [Atomic.OR]: "|=",
  [Atomic.AND]: "&=",
  [Atomic.XOR]: "^=",
};

/** `atomic_fetch_<name>(...)` of the fetching atomics. */
export const LLVM_FETCH_NAMES: Record<number, string> = {
  [Atomic.ADD]: "add",
  [Atomic.OR]: "or",
  [Atomic.AND]: "and",
  [Atomic.XOR]: "xor",
};

/** The may_goto instruction of recent kernels (JMP class, op 0xe0): not RFC 9669, printed by LLVM. */
export const MAY_GOTO_OP = 0xe0;

export function invert<K extends string | number>(table: Record<K, string>): Map<string, number> {
  return new Map(Object.entries(table).map(([k, v]) => [v as string, Number(k)]));
}
