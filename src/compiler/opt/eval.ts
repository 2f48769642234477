// eBPF arithmetic on constants, shared by constant folding, the tests' IR interpreter and anything
// else that must agree with the VM bit for bit. Inputs and outputs are canonical IR constants
// (signed 64-bit bigints); ALU32 truncates its operands and zero-extends its result.
import { imm, type AluOp, type AluWidth, type Cond, type UnaryOp } from "../ir/ir.js";

const u = (v: bigint, bits: number): bigint => BigInt.asUintN(bits, v);
const s = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);

/** `a op b` with eBPF semantics (x/0 = 0, x%0 = x, shift counts modulo the width). */
export function evalAlu(op: AluOp, w: AluWidth, a: bigint, b: bigint): bigint {
  const ua = u(a, w);
  const ub = u(b, w);
  let r: bigint;
  switch (op) {
    case "add":
      r = ua + ub;
      break;
    case "sub":
      r = ua - ub;
      break;
    case "mul":
      r = ua * ub;
      break;
    case "udiv":
      r = ub === 0n ? 0n : ua / ub;
      break;
    case "umod":
      r = ub === 0n ? ua : ua % ub;
      break;
    case "sdiv":
      r = ub === 0n ? 0n : s(a, w) / s(b, w); // bigint division truncates toward zero, like C
      break;
    case "smod":
      r = ub === 0n ? ua : s(a, w) % s(b, w);
      break;
    case "and":
      r = ua & ub;
      break;
    case "or":
      r = ua | ub;
      break;
    case "xor":
      r = ua ^ ub;
      break;
    case "shl":
      r = ua << (ub & BigInt(w - 1));
      break;
    case "lshr":
      r = ua >> (ub & BigInt(w - 1));
      break;
    case "ashr":
      r = s(a, w) >> (ub & BigInt(w - 1));
      break;
  }
  return imm(u(r, w));
}

function swapBytes(v: bigint, bytes: number): bigint {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return r;
}

export function evalUnary(op: UnaryOp, a: bigint): bigint {
  switch (op) {
    case "neg":
      return imm(-a);
    case "neg32":
      return imm(u(-a, 32));
    case "be16":
      return imm(swapBytes(a, 2));
    case "be32":
      return imm(swapBytes(a, 4));
    case "be64":
      return imm(swapBytes(a, 8));
    case "le16":
    case "zext16":
      return imm(u(a, 16));
    case "le32":
    case "zext32":
      return imm(u(a, 32));
    case "le64":
      return a;
    case "zext8":
      return imm(u(a, 8));
    case "sext8":
      return imm(s(a, 8));
    case "sext16":
      return imm(s(a, 16));
    case "sext32":
      return imm(s(a, 32));
  }
}

export function evalCond(c: Cond, w: AluWidth, a: bigint, b: bigint): boolean {
  const ua = u(a, w);
  const ub = u(b, w);
  const sa = s(a, w);
  const sb = s(b, w);
  switch (c) {
    case "eq":
      return ua === ub;
    case "ne":
      return ua !== ub;
    case "ugt":
      return ua > ub;
    case "uge":
      return ua >= ub;
    case "ult":
      return ua < ub;
    case "ule":
      return ua <= ub;
    case "sgt":
      return sa > sb;
    case "sge":
      return sa >= sb;
    case "slt":
      return sa < sb;
    case "sle":
      return sa <= sb;
    case "set":
      return (ua & ub) !== 0n;
  }
}

/** The condition that holds exactly when `c` does not; undefined for `set` (eBPF has no JNSET). */
export function negateCond(c: Cond): Cond | undefined {
  const negated: Record<Cond, Cond | undefined> = {
    eq: "ne",
    ne: "eq",
    ugt: "ule",
    uge: "ult",
    ult: "uge",
    ule: "ugt",
    sgt: "sle",
    sge: "slt",
    slt: "sge",
    sle: "sgt",
    set: undefined,
  };
  return negated[c];
}

/** Whether `v` is 2^k for some k ≥ 0; returns k or -1. */
export function log2Exact(v: bigint): number {
  if (v <= 0n || (v & (v - 1n)) !== 0n) return -1;
  return v.toString(2).length - 1;
}
