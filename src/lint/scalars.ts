// The arithmetic the estimate (estimate.ts) does on scalars: exact results for constants, and for
// unknowns the unsigned interval the kernel's verifier is sure to know too (a load's width, a mask,
// a 32-bit result, a shift, a sum or product that cannot wrap). The estimate decides a branch from
// these intervals where the verifier would, and so learns which values the verifier marks precise.
import { Alu, Jmp } from "../bpf/opcodes.js";

export const U64 = (1n << 64n) - 1n;
export const U32 = (1n << 32n) - 1n;

export type Interval = readonly [bigint, bigint];

export function aluConst(op: number, a: bigint, b: bigint, is64: boolean): bigint | undefined {
  const mask = is64 ? U64 : U32;
  const bits = is64 ? 64n : 32n;
  a &= mask;
  b &= mask;
  switch (op) {
    case Alu.ADD:
      return (a + b) & mask;
    case Alu.SUB:
      return (a - b) & mask;
    case Alu.MUL:
      return (a * b) & mask;
    case Alu.DIV:
      return b === 0n ? 0n : a / b;
    case Alu.MOD:
      return b === 0n ? a : a % b;
    case Alu.OR:
      return a | b;
    case Alu.AND:
      return a & b;
    case Alu.XOR:
      return a ^ b;
    case Alu.LSH:
      return (a << (b & (bits - 1n))) & mask;
    case Alu.RSH:
      return a >> (b & (bits - 1n));
    case Alu.ARSH:
      return BigInt.asUintN(Number(bits), BigInt.asIntN(Number(bits), a) >> (b & (bits - 1n)));
    case Alu.MOV:
      return b;
    case Alu.NEG:
      return -a & mask;
    default:
      return undefined;
  }
}

/** The interval of `a op b` for operands known only by their intervals; undefined: anything. */
export function aluInterval(op: number, a: Interval, b: Interval, is64: boolean): Interval {
  const max = is64 ? U64 : U32;
  const any: Interval = [0n, max];
  // A 32-bit operation sees the low halves: an operand past 32 bits is any 32-bit value.
  if (!is64) {
    if (a[1] > U32) a = any;
    if (b[1] > U32) b = any;
  }
  const fits = (lo: bigint, hi: bigint): Interval => (hi <= max ? [lo, hi] : any);
  const ones = (n: bigint): bigint => {
    let m = 0n;
    while (m < n) m = (m << 1n) | 1n;
    return m;
  };
  switch (op) {
    case Alu.ADD:
      return fits(a[0] + b[0], a[1] + b[1]);
    case Alu.MUL:
      return fits(a[0] * b[0], a[1] * b[1]);
    case Alu.AND:
      return [0n, a[1] < b[1] ? a[1] : b[1]];
    case Alu.OR:
    case Alu.XOR:
      return [0n, ones(a[1] > b[1] ? a[1] : b[1])];
    case Alu.RSH:
      return b[0] === b[1] && b[0] < (is64 ? 64n : 32n) ? [a[0] >> b[0], a[1] >> b[0]] : any;
    case Alu.LSH:
      return b[0] === b[1] && b[0] < (is64 ? 64n : 32n) ? fits(a[0] << b[0], a[1] << b[0]) : any;
    // Division and remainder: the verifier (to 6.18) learns nothing from them.
    default:
      return any;
  }
}

export function compare(op: number, a: bigint, b: bigint, is64: boolean): boolean | undefined {
  const bits = is64 ? 64 : 32;
  const ua = BigInt.asUintN(bits, a);
  const ub = BigInt.asUintN(bits, b);
  const sa = BigInt.asIntN(bits, a);
  const sb = BigInt.asIntN(bits, b);
  switch (op) {
    case Jmp.JEQ:
      return ua === ub;
    case Jmp.JNE:
      return ua !== ub;
    case Jmp.JGT:
      return ua > ub;
    case Jmp.JGE:
      return ua >= ub;
    case Jmp.JLT:
      return ua < ub;
    case Jmp.JLE:
      return ua <= ub;
    case Jmp.JSET:
      return (ua & ub) !== 0n;
    case Jmp.JSGT:
      return sa > sb;
    case Jmp.JSGE:
      return sa >= sb;
    case Jmp.JSLT:
      return sa < sb;
    case Jmp.JSLE:
      return sa <= sb;
    default:
      return undefined;
  }
}
