// The reference engine: one instruction at a time, registers as unsigned 64-bit BigInts, each
// operation written the way RFC 9669 states it. It is slow and meant to be obviously right; the
// translated engine (translate.ts) must agree with it on every program.
import { internalError } from "../../diagnostics.js";
import {
  Alu,
  Atomic,
  Class,
  Jmp,
  Mode,
  PseudoCall,
  Size,
  Src,
  classOf,
  modeOf,
  opOf,
  sizeOf,
  srcOf,
} from "../../bpf/opcodes.js";
import { FaultCode } from "./faults.js";
import { MAX_FRAMES, STACK_REGION, STACK_SIZE, regionPointer } from "./memory.js";
import type { Invoke, Runtime } from "./runtime.js";

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
const pair = (lo: number, hi: number): bigint => u64((BigInt(hi) << 32n) | BigInt(lo >>> 0));

function bswap(value: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits; i += 8) out = (out << 8n) | ((value >> BigInt(i)) & 0xffn);
  return out;
}

function alu(
  op: number,
  off: number,
  imm: number,
  d: bigint,
  s: bigint,
  is64: boolean,
  toBig: boolean,
): bigint {
  const bits = is64 ? 64 : 32;
  const un = (x: bigint) => BigInt.asUintN(bits, x);
  const sg = (x: bigint) => BigInt.asIntN(bits, x);
  const shift = s & BigInt(bits - 1);
  switch (op) {
    case Alu.ADD:
      return un(d + s);
    case Alu.SUB:
      return un(d - s);
    case Alu.MUL:
      return un(d * s);
    case Alu.DIV:
      if (s === 0n) return 0n;
      return off === 1 ? un(sg(d) / sg(s)) : d / s;
    case Alu.MOD:
      if (s === 0n) return d; // unchanged (for ALU32 the caller zero-extends it)
      return off === 1 ? un(sg(d) % sg(s)) : d % s;
    case Alu.OR:
      return d | s;
    case Alu.AND:
      return d & s;
    case Alu.XOR:
      return d ^ s;
    case Alu.LSH:
      return un(d << shift);
    case Alu.RSH:
      return d >> shift;
    case Alu.ARSH:
      return un(sg(d) >> shift);
    case Alu.NEG:
      return un(-d);
    case Alu.MOV:
      return off === 0 ? s : un(BigInt.asIntN(off, s));
    case Alu.END:
      if (is64 || toBig) return bswap(d, imm);
      return BigInt.asUintN(imm, d); // to little-endian on a little-endian machine: truncate
  }
  throw internalError(`unreachable ALU op ${op}`);
}

function condition(op: number, d: bigint, s: bigint, bits: number): boolean {
  switch (op) {
    case Jmp.JEQ:
      return d === s;
    case Jmp.JNE:
      return d !== s;
    case Jmp.JGT:
      return d > s;
    case Jmp.JGE:
      return d >= s;
    case Jmp.JLT:
      return d < s;
    case Jmp.JLE:
      return d <= s;
    case Jmp.JSET:
      return (d & s) !== 0n;
    case Jmp.JSGT:
      return BigInt.asIntN(bits, d) > BigInt.asIntN(bits, s);
    case Jmp.JSGE:
      return BigInt.asIntN(bits, d) >= BigInt.asIntN(bits, s);
    case Jmp.JSLT:
      return BigInt.asIntN(bits, d) < BigInt.asIntN(bits, s);
    case Jmp.JSLE:
      return BigInt.asIntN(bits, d) <= BigInt.asIntN(bits, s);
  }
  throw internalError(`unreachable jump op ${op}`);
}

function atomic(op: number, old: bigint, src: bigint): bigint {
  switch (op & ~Atomic.FETCH) {
    case Atomic.ADD:
      return old + src;
    case Atomic.OR:
      return old | src;
    case Atomic.AND:
      return old & src;
    case Atomic.XOR:
      return old ^ src;
  }
  return src; // xchg
}

interface Frame {
  ret: number;
  saved: bigint[]; // r6..r10
  fn: number;
}

export function createInterpreter(rt: Runtime): Invoke {
  const { insns, insnAt, slotCount, functionOf, problems, targets } = rt.program;
  const mem = rt.memory;

  const load = (pc: number, addr: bigint, size: number, signed: boolean): bigint => {
    const hi = Number(addr >> 32n) | 0;
    const lo = Number(addr & 0xffffffffn);
    const region = mem.locate(hi, lo, size, false);
    if (region < 0) throw rt.memFault(pc, hi, lo, 0, size, false);
    const dv = mem.dv[region];
    switch (size) {
      case 1:
        return u64(BigInt(signed ? dv.getInt8(lo) : dv.getUint8(lo)));
      case 2:
        return u64(BigInt(signed ? dv.getInt16(lo, true) : dv.getUint16(lo, true)));
      case 4:
        return u64(BigInt(signed ? dv.getInt32(lo, true) : dv.getUint32(lo, true)));
      default:
        return dv.getBigUint64(lo, true);
    }
  };
  const store = (pc: number, addr: bigint, size: number, value: bigint): void => {
    const hi = Number(addr >> 32n) | 0;
    const lo = Number(addr & 0xffffffffn);
    const region = mem.locate(hi, lo, size, true);
    if (region < 0) throw rt.memFault(pc, hi, lo, 0, size, true);
    const dv = mem.dv[region];
    switch (size) {
      case 1:
        return dv.setUint8(lo, Number(value & 0xffn));
      case 2:
        return dv.setUint16(lo, Number(value & 0xffffn), true);
      case 4:
        return dv.setUint32(lo, Number(value & 0xffffffffn), true);
      default:
        return dv.setBigUint64(lo, u64(value), true);
    }
  };
  const sizeOfCode = (code: number): number => {
    const s = sizeOf(code);
    return s === Size.B ? 1 : s === Size.H ? 2 : s === Size.W ? 4 : 8;
  };

  return function execute(entry: number, args: Int32Array): void {
    const r: bigint[] = new Array<bigint>(11).fill(0n);
    for (let i = 1; i <= 5; i++) r[i] = pair(args[2 * i - 2], args[2 * i - 1]);
    r[10] = regionPointer(STACK_REGION + rt.depth, STACK_SIZE);
    mem.useFrame(rt.depth);
    const frames: Frame[] = [];
    let fn = functionOf[entry];
    let pc = entry;
    let last = entry;

    for (;;) {
      if (pc >= slotCount || functionOf[pc] !== fn) {
        throw rt.fault(FaultCode.BAD_JUMP, "control falls off the end of the function", last);
      }
      const index = insnAt[pc];
      const insn = insns[index];
      if (--rt.budget < 0) throw rt.budgetFault(pc);
      const problem = problems[index];
      if (problem) throw rt.fault(problem.code, problem.reason, pc);
      last = pc;
      const code = insn.code;
      const cls = classOf(code);
      const op = opOf(code);
      const x = srcOf(code) === Src.X;
      let next = pc + 1;

      switch (cls) {
        case Class.ALU:
        case Class.ALU64: {
          const is64 = cls === Class.ALU64;
          const s = x ? r[insn.src] : u64(BigInt(insn.imm));
          const d = r[insn.dst];
          if (op === Alu.END) {
            // Reads the low imm bits and zero-extends (le64/be64/bswap64 use all 64).
            r[insn.dst] = alu(op, 0, insn.imm, d, 0n, is64, x);
          } else if (is64) {
            r[insn.dst] = alu(op, insn.off, insn.imm, d, s, true, x);
          } else {
            // movsx sign-extends from the low off bits of src itself; everything else sees 32 bits.
            const s32 = op === Alu.MOV && x && insn.off !== 0 ? s : u32(s);
            r[insn.dst] = u32(alu(op, insn.off, insn.imm, u32(d), s32, false, x));
          }
          break;
        }
        case Class.JMP:
        case Class.JMP32: {
          const is64 = cls === Class.JMP;
          if (op === Jmp.JA) {
            next = targets[index];
            break;
          }
          if (op === Jmp.EXIT) {
            const frame = frames.pop();
            if (!frame) {
              rt.r0l = Number(BigInt.asIntN(32, r[0]));
              rt.r0h = Number(BigInt.asIntN(32, r[0] >> 32n));
              return;
            }
            for (let i = 1; i <= 5; i++) r[i] = 0n;
            for (let i = 6; i <= 10; i++) r[i] = frame.saved[i - 6];
            rt.depth--;
            next = frame.ret;
            fn = frame.fn;
            break;
          }
          if (op === Jmp.CALL) {
            const toArgs = () => {
              for (let i = 1; i <= 5; i++) {
                rt.args[2 * i - 2] = Number(BigInt.asIntN(32, r[i]));
                rt.args[2 * i - 1] = Number(BigInt.asIntN(32, r[i] >> 32n));
              }
            };
            if (!x && insn.src === PseudoCall.LOCAL) {
              if (rt.depth + 1 >= MAX_FRAMES) throw rt.depthFault(pc);
              frames.push({ ret: pc + 1, saved: r.slice(6, 11), fn });
              rt.depth++;
              r[0] = 0n;
              for (let i = 6; i <= 9; i++) r[i] = 0n;
              r[10] = regionPointer(STACK_REGION + rt.depth, STACK_SIZE);
              mem.useFrame(rt.depth);
              next = targets[index];
              fn = functionOf[next];
              break;
            }
            if (x) {
              toArgs();
              rt.callx(
                pc,
                Number(BigInt.asIntN(32, r[insn.dst])),
                Number(BigInt.asIntN(32, r[insn.dst] >> 32n)),
              );
            } else {
              const kfunc = insn.src === PseudoCall.KFUNC;
              const helper = kfunc ? rt.kfunc(insn.imm) : rt.helper(insn.imm);
              if (!helper) {
                throw rt.unknownCall(
                  pc,
                  kfunc
                    ? `call to kfunc ${insn.imm}, which the VM was not given`
                    : `call to helper ${insn.imm}, which the VM does not provide`,
                );
              }
              toArgs();
              rt.callHelper(helper, pc);
            }
            r[0] = pair(rt.r0l, rt.r0h);
            for (let i = 1; i <= 5; i++) r[i] = 0n;
            break;
          }
          const bits = is64 ? 64 : 32;
          const d = is64 ? r[insn.dst] : u32(r[insn.dst]);
          const s = x
            ? is64
              ? r[insn.src]
              : u32(r[insn.src])
            : is64
              ? u64(BigInt(insn.imm))
              : u32(BigInt(insn.imm));
          if (condition(op, d, s, bits)) next = targets[index];
          break;
        }
        case Class.LD: {
          const value = rt.imm64[index]!;
          r[insn.dst] = pair(value.lo, value.hi);
          next = pc + 2;
          break;
        }
        case Class.LDX:
          r[insn.dst] = load(
            pc,
            u64(r[insn.src] + BigInt(insn.off)),
            sizeOfCode(code),
            modeOf(code) === Mode.MEMSX,
          );
          break;
        case Class.ST:
          store(pc, u64(r[insn.dst] + BigInt(insn.off)), sizeOfCode(code), u64(BigInt(insn.imm)));
          break;
        default: {
          const addr = u64(r[insn.dst] + BigInt(insn.off));
          const size = sizeOfCode(code);
          if (modeOf(code) === Mode.MEM) {
            store(pc, addr, size, r[insn.src]);
            break;
          }
          // Atomic: check writability first, as the operation both reads and writes.
          const hi = Number(addr >> 32n) | 0;
          if (mem.locate(hi, Number(addr & 0xffffffffn), size, true) < 0) {
            throw rt.memFault(pc, hi, Number(addr & 0xffffffffn), 0, size, true);
          }
          const narrow = size === 4 ? u32 : u64;
          const old = load(pc, addr, size, false);
          const src = narrow(r[insn.src]);
          if (insn.imm === Atomic.CMPXCHG) {
            if (narrow(r[0]) === old) store(pc, addr, size, src);
            r[0] = old;
          } else {
            store(pc, addr, size, narrow(atomic(insn.imm, old, src)));
            if (insn.imm & Atomic.FETCH) r[insn.src] = old;
          }
        }
      }
      pc = next;
    }
  };
}
