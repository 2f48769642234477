// Running a bpf_conformance program in the kernel. The suite's convention is r1 = memory,
// r2 = its length, result = the full 64-bit r0. A syscall program gets r1 = ctx only, no r2, and a
// test run reports only r0's low 32 bits. So the program is wrapped, in one of two schemes:
//
//   "ctx": the memory lives in ctx     "map": the memory is the value of an mmapable array map
//   r6 = r1                             r6 = r1
//                                       r1 = map_value(0) + 0    ; ld_imm64, as iochain programs do
//   r2 = <memory length>                r2 = <memory length>
//   call <original>                     call <original>          ; a BPF-to-BPF subprogram
//   *(u64 *)(r6 + <after mem>) = r0     *(u64 *)(r6 + 0) = r0    ; the whole r0, constant offset
//   exit                                exit                     ; retval = r0's low half
//   <original program>                  <original program>
//
// The ctx scheme is refused more often: ctx accesses must be aligned and at constant offsets.
import type { Insn } from "../../../../src/bpf/insn.js";
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
} from "../../../../src/bpf/opcodes.js";
import { LoadError } from "../../../../src/runtime/linux/errors.js";
import { BpfMap } from "../../../../src/runtime/linux/maps.js";
import { loadProgram } from "../../../../src/runtime/linux/program.js";
import { testRun } from "../../../../src/runtime/linux/test-run.js";

export type WrapScheme = "ctx" | "map";

export interface KernelWrapped {
  insns: Insn[];
  /** Instructions before the original program's first one. */
  prologueLength: number;
  ctxSize: number;
  /** ctx offset of the stored 64-bit r0. */
  resultOffset: number;
}

const mov64Reg = (dst: number, src: number): Insn => ({
  code: Class.ALU64 | Alu.MOV | Src.X,
  dst,
  src,
  off: 0,
  imm: 0,
});
const mov64Imm = (dst: number, imm: number): Insn => ({
  code: Class.ALU64 | Alu.MOV | Src.K,
  dst,
  src: 0,
  off: 0,
  imm,
});
// imm = distance in slots from the next slot to the callee, which directly follows the epilogue.
const callNext = (): Insn => ({
  code: Class.JMP | Jmp.CALL,
  dst: 0,
  src: PseudoCall.LOCAL,
  off: 0,
  imm: 2,
});
const storeR0 = (off: number): Insn => ({
  code: Class.STX | Mode.MEM | Size.DW,
  dst: 6,
  src: 0,
  off,
  imm: 0,
});
const exit = (): Insn => ({ code: Class.JMP | Jmp.EXIT, dst: 0, src: 0, off: 0, imm: 0 });

export function wrapForKernel(
  program: readonly Insn[],
  memLength: number,
  scheme: WrapScheme,
): KernelWrapped {
  const resultOffset = scheme === "ctx" ? (memLength + 7) & ~7 : 0;
  const memoryInR1: Insn[] =
    scheme === "map"
      ? [{ code: LD_IMM64, dst: 1, src: PseudoLd.MAP_VALUE, off: 0, imm: 0, imm2: 0 }]
      : [];
  const prologue = [
    mov64Reg(6, 1),
    ...memoryInR1,
    mov64Imm(2, memLength),
    callNext(),
    storeR0(resultOffset),
    exit(),
  ];
  return {
    insns: [...prologue, ...program],
    prologueLength: prologue.length,
    ctxSize: resultOffset + 8,
    resultOffset,
  };
}

export type KernelOutcome =
  | { accepted: true; r0: bigint; retval: number }
  | { accepted: false; reason: string; errno: number; log: string; insnIndex?: number };

/**
 * Loads the wrapped program, runs it once on `mem`, and returns the full r0 or the rejection.
 * `mem` is not modified (the program runs on a copy).
 */
export function runConformanceInKernel(
  program: readonly Insn[],
  mem: Uint8Array,
  scheme: WrapScheme = "map",
  file = "<conformance>",
): KernelOutcome {
  const wrapped = wrapForKernel(program, mem.length, scheme);
  // A map value cannot be empty; an empty memory gets one byte the program has no reason to touch.
  const memMap =
    scheme === "map"
      ? BpfMap.array({ valueSize: Math.max(1, mem.length), name: "conformance_mem" })
      : undefined;
  try {
    memMap?.mmap().set(mem);
    let prog;
    try {
      prog = loadProgram(wrapped.insns, { file, maps: memMap ? [memMap] : [] });
    } catch (err) {
      if (!(err instanceof LoadError)) throw err;
      // Report instruction indices of the original program, not of the wrapper.
      const insnIndex =
        err.insnIndex === undefined ? undefined : err.insnIndex - wrapped.prologueLength;
      return { accepted: false, reason: err.reason, errno: err.errno, log: err.log, insnIndex };
    }
    try {
      const ctx = new Uint8Array(wrapped.ctxSize);
      if (scheme === "ctx") ctx.set(mem);
      const out = testRun(prog, ctx);
      const r0 = new DataView(out.ctx.buffer, out.ctx.byteOffset).getBigUint64(
        wrapped.resultOffset,
        true,
      );
      return { accepted: true, r0, retval: out.retval };
    } finally {
      prog.close();
    }
  } finally {
    memMap?.close();
  }
}
