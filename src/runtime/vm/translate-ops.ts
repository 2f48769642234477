// JavaScript source for single instructions of the translated engine. Registers are the locals
// r0l/r0h … r10l/r10h (int32 halves); `t`, `h`, `a` and `v` are scratch locals of the function.
// Every fragment means exactly what the reference interpreter does with BigInts.
import { internalError } from "../../diagnostics.js";
import { Alu, Jmp, Size } from "../../bpf/opcodes.js";
import { REGION_HI_BASE, STACK_SIZE } from "./memory.js";

export interface Operand {
  lo: string;
  hi: string;
  /** Set when the operand is an immediate: its value as an int32. */
  imm?: number;
}

export const regOperand = (r: number): Operand => ({ lo: `r${r}l`, hi: `r${r}h` });
export const immOperand64 = (imm: number): Operand => ({
  lo: String(imm | 0),
  hi: imm < 0 ? "-1" : "0",
  imm: imm | 0,
});
export const immOperand32 = (imm: number): Operand => ({
  lo: String(imm | 0),
  hi: "0",
  imm: imm | 0,
});

/** The unsigned form of an int32 expression (folded for constants). */
const u = (e: string): string => (/^-?\d+$/.test(e) ? String(Number(e) >>> 0) : `(${e} >>> 0)`);

export function alu32(op: number, off: number, d: number, s: Operand): string {
  const dl = `r${d}l`;
  const zero = `r${d}h = 0;`;
  const sl = s.lo;
  const body = ((): string => {
    switch (op) {
      case Alu.ADD:
        return `${dl} = (${dl} + ${sl}) | 0;`;
      case Alu.SUB:
        return `${dl} = (${dl} - ${sl}) | 0;`;
      case Alu.MUL:
        return `${dl} = Math.imul(${dl}, ${sl});`;
      case Alu.DIV:
        if (s.imm === 0) return `${dl} = 0;`;
        if (off === 1)
          return s.imm !== undefined
            ? `${dl} = (${dl} / ${sl}) | 0;`
            : `${dl} = ${sl} === 0 ? 0 : (${dl} / ${sl}) | 0;`;
        return s.imm !== undefined
          ? `${dl} = ${u(dl)} / ${u(sl)} | 0;`
          : `${dl} = ${sl} === 0 ? 0 : ${u(dl)} / ${u(sl)} | 0;`;
      case Alu.MOD:
        if (s.imm === 0) return "";
        if (off === 1)
          return s.imm !== undefined
            ? `${dl} = (${dl} % ${sl}) | 0;`
            : `if (${sl} !== 0) ${dl} = (${dl} % ${sl}) | 0;`;
        return s.imm !== undefined
          ? `${dl} = ${u(dl)} % ${u(sl)} | 0;`
          : `if (${sl} !== 0) ${dl} = ${u(dl)} % ${u(sl)} | 0;`;
      case Alu.OR:
        return `${dl} |= ${sl};`;
      case Alu.AND:
        return `${dl} &= ${sl};`;
      case Alu.XOR:
        return `${dl} ^= ${sl};`;
      // JavaScript masks 32-bit shift counts to 5 bits, exactly as BPF does.
      case Alu.LSH:
        return `${dl} <<= ${sl};`;
      case Alu.RSH:
        return `${dl} = (${dl} >>> ${sl}) | 0;`;
      case Alu.ARSH:
        return `${dl} >>= ${sl};`;
      case Alu.NEG:
        return `${dl} = -${dl} | 0;`;
      case Alu.MOV:
        if (off === 8) return `${dl} = (${sl} << 24) >> 24;`;
        if (off === 16) return `${dl} = (${sl} << 16) >> 16;`;
        return `${dl} = ${sl};`;
    }
    throw internalError(`unreachable ALU op ${op}`);
  })();
  return body + zero;
}

function shift64(op: number, d: number, n: number): string {
  const dl = `r${d}l`;
  const dh = `r${d}h`;
  if (n === 0) return "";
  if (op === Alu.LSH) {
    return n < 32
      ? `${dh} = (${dh} << ${n}) | (${dl} >>> ${32 - n}); ${dl} <<= ${n};`
      : `${dh} = ${dl} << ${n - 32}; ${dl} = 0;`;
  }
  if (op === Alu.RSH) {
    return n < 32
      ? `${dl} = (${dl} >>> ${n}) | (${dh} << ${32 - n}); ${dh} = (${dh} >>> ${n}) | 0;`
      : `${dl} = (${dh} >>> ${n - 32}) | 0; ${dh} = 0;`;
  }
  return n < 32
    ? `${dl} = (${dl} >>> ${n}) | (${dh} << ${32 - n}); ${dh} >>= ${n};`
    : `${dl} = ${dh} >> ${n - 32}; ${dh} >>= 31;`;
}

export function alu64(op: number, off: number, d: number, s: Operand): string {
  const dl = `r${d}l`;
  const dh = `r${d}h`;
  const call = (fn: string) => `${dl} = ALU.${fn}(${dl}, ${dh}, ${s.lo}, ${s.hi}); ${dh} = ALU.hi;`;
  switch (op) {
    case Alu.ADD:
      return `t = ${u(dl)} + ${u(s.lo)}; ${dh} = (${dh} + ${s.hi} + (t > 4294967295 ? 1 : 0)) | 0; ${dl} = t | 0;`;
    case Alu.SUB:
      return `t = ${u(dl)} - ${u(s.lo)}; ${dh} = (${dh} - ${s.hi} - (t < 0 ? 1 : 0)) | 0; ${dl} = t | 0;`;
    case Alu.MUL:
      return call("mul64");
    case Alu.DIV:
      return call(off === 1 ? "sdiv64" : "udiv64");
    case Alu.MOD:
      return call(off === 1 ? "smod64" : "umod64");
    case Alu.OR:
      return `${dl} |= ${s.lo}; ${dh} |= ${s.hi};`;
    case Alu.AND:
      return `${dl} &= ${s.lo}; ${dh} &= ${s.hi};`;
    case Alu.XOR:
      return `${dl} ^= ${s.lo}; ${dh} ^= ${s.hi};`;
    case Alu.LSH:
    case Alu.RSH:
    case Alu.ARSH: {
      if (s.imm !== undefined) return shift64(op, d, s.imm & 63);
      const fn = op === Alu.LSH ? "lsh64" : op === Alu.RSH ? "rsh64" : "arsh64";
      return `${dl} = ALU.${fn}(${dl}, ${dh}, ${s.lo}); ${dh} = ALU.hi;`;
    }
    case Alu.NEG:
      return `${dh} = ${dl} === 0 ? -${dh} | 0 : ~${dh}; ${dl} = -${dl} | 0;`;
    case Alu.MOV:
      if (off === 8) return `${dl} = (${s.lo} << 24) >> 24; ${dh} = ${dl} >> 31;`;
      if (off === 16) return `${dl} = (${s.lo} << 16) >> 16; ${dh} = ${dl} >> 31;`;
      if (off === 32) return `${dl} = ${s.lo}; ${dh} = ${dl} >> 31;`;
      return `${dl} = ${s.lo}; ${dh} = ${s.hi};`;
  }
  throw internalError(`unreachable ALU op ${op}`);
}

/** END: `toBig` (be, or any bswap) swaps bytes, else (le) truncates; both zero-extend. */
export function byteSwap(d: number, bits: number, toBig: boolean): string {
  const dl = `r${d}l`;
  const dh = `r${d}h`;
  if (!toBig) return bits === 16 ? `${dl} &= 0xffff; ${dh} = 0;` : bits === 32 ? `${dh} = 0;` : "";
  if (bits === 16) return `${dl} = ((${dl} & 0xff) << 8) | ((${dl} >>> 8) & 0xff); ${dh} = 0;`;
  if (bits === 32) return `${dl} = ALU.bswap32(${dl}); ${dh} = 0;`;
  return `t = ALU.bswap32(${dl}); ${dl} = ALU.bswap32(${dh}); ${dh} = t;`;
}

/** The condition of a conditional jump as a JavaScript expression. */
export function condition(op: number, is64: boolean, d: number, s: Operand): string {
  const dl = `r${d}l`;
  const dh = `r${d}h`;
  const sl = s.lo;
  const sh = s.hi;
  if (!is64) {
    switch (op) {
      case Jmp.JEQ:
        return `${dl} === ${sl}`;
      case Jmp.JNE:
        return `${dl} !== ${sl}`;
      case Jmp.JGT:
        return `${u(dl)} > ${u(sl)}`;
      case Jmp.JGE:
        return `${u(dl)} >= ${u(sl)}`;
      case Jmp.JLT:
        return `${u(dl)} < ${u(sl)}`;
      case Jmp.JLE:
        return `${u(dl)} <= ${u(sl)}`;
      case Jmp.JSET:
        return `(${dl} & ${sl}) !== 0`;
      case Jmp.JSGT:
        return `${dl} > ${sl}`;
      case Jmp.JSGE:
        return `${dl} >= ${sl}`;
      case Jmp.JSLT:
        return `${dl} < ${sl}`;
      case Jmp.JSLE:
        return `${dl} <= ${sl}`;
    }
  }
  const unsigned = (cmp: string) =>
    `(${u(dh)} ${cmp[0]} ${u(sh)} || (${dh} === ${sh} && ${u(dl)} ${cmp} ${u(sl)}))`;
  const signed = (cmp: string) =>
    `(${dh} ${cmp[0]} ${sh} || (${dh} === ${sh} && ${u(dl)} ${cmp} ${u(sl)}))`;
  switch (op) {
    case Jmp.JEQ:
      return `(${dl} === ${sl} && ${dh} === ${sh})`;
    case Jmp.JNE:
      return `(${dl} !== ${sl} || ${dh} !== ${sh})`;
    case Jmp.JGT:
      return unsigned(">");
    case Jmp.JGE:
      return unsigned(">=");
    case Jmp.JLT:
      return unsigned("<");
    case Jmp.JLE:
      return unsigned("<=");
    case Jmp.JSET:
      return `((${dl} & ${sl}) !== 0 || (${dh} & ${sh}) !== 0)`;
    case Jmp.JSGT:
      return signed(">");
    case Jmp.JSGE:
      return signed(">=");
    case Jmp.JSLT:
      return signed("<");
    case Jmp.JSLE:
      return signed("<=");
  }
  throw internalError(`unreachable jump op ${op}`);
}

export const byteCount = (size: number): number =>
  size === Size.B ? 1 : size === Size.H ? 2 : size === Size.W ? 4 : 8;

/**
 * Sets `v` (the region's DataView) and `a` (the byte offset) for an access through register
 * `base`, or throws the fault. Accesses through r10 at constant offsets inside the frame need
 * no check: the frame's region is fixed for the whole function.
 */
export function address(
  base: number,
  off: number,
  size: number,
  write: boolean,
  pc: number,
  exit: string,
): string {
  if (base === 10 && off >= -STACK_SIZE && off + size <= 0)
    return `v = SDV; a = ${STACK_SIZE + off};`;
  const limit = write ? "WLEN" : "LEN";
  const low = off < 0 ? `a < 0 || ` : "";
  return (
    `h = (r${base}h - ${REGION_HI_BASE}) >>> 0; a = (r${base}l >>> 0) + ${off}; ` +
    `if (${low}!(a + ${size} <= ${limit}[h])) { ${exit} throw RT.memFault(${pc}, r${base}h, r${base}l, ${off}, ${size}, ${write}); } ` +
    `v = DV[h];`
  );
}

export function load(d: number, size: number, signed: boolean): string {
  const dl = `r${d}l`;
  const dh = `r${d}h`;
  switch (byteCount(size)) {
    case 1:
      return signed
        ? `${dl} = v.getInt8(a); ${dh} = ${dl} >> 31;`
        : `${dl} = v.getUint8(a); ${dh} = 0;`;
    case 2:
      return signed
        ? `${dl} = v.getInt16(a, true); ${dh} = ${dl} >> 31;`
        : `${dl} = v.getUint16(a, true); ${dh} = 0;`;
    case 4:
      return signed
        ? `${dl} = v.getInt32(a, true); ${dh} = ${dl} >> 31;`
        : `${dl} = v.getInt32(a, true); ${dh} = 0;`;
    default:
      return `${dl} = v.getInt32(a, true); ${dh} = v.getInt32(a + 4, true);`;
  }
}

export function store(size: number, value: Operand): string {
  switch (byteCount(size)) {
    case 1:
      return `v.setInt8(a, ${value.lo});`;
    case 2:
      return `v.setInt16(a, ${value.lo}, true);`;
    case 4:
      return `v.setInt32(a, ${value.lo}, true);`;
    default:
      return `v.setInt32(a, ${value.lo}, true); v.setInt32(a + 4, ${value.hi}, true);`;
  }
}
