// The BTF a bare instruction list needs to load when it passes a callback (bpf_loop): the kernel
// accepts a callback address (`ld_imm64` src BPF_PSEUDO_FUNC) only with func_info saying that
// the callback is a static function ("missing btf func_info" otherwise). Objects carry their own
// (elf-load.ts); for compiled artifacts loaded directly (LinuxTarget) it is made here, the same
// FUNC types writeElf describes: the entry global, every other function static.
import { describeProgram, LINUX_ABI } from "../../object/artifact-btf.js";
import { type Insn, slotOffsets } from "../../bpf/insn.js";
import { Class, Jmp, LD_IMM64, PseudoCall, PseudoLd } from "../../bpf/opcodes.js";

export interface ProgramBtf {
  /** The BTF to load with BPF_BTF_LOAD. */
  bytes: Uint8Array;
  /** `struct bpf_func_info` records (slot of the function's first instruction, FUNC type id). */
  funcInfo: Uint8Array;
}

const hasCallback = (insns: readonly Insn[]): boolean =>
  insns.some((i) => i.code === LD_IMM64 && i.src === PseudoLd.FUNC);

/** First slots of the program's functions: 0 and every call or callback target. */
function functionStarts(insns: readonly Insn[]): number[] {
  const slots = slotOffsets(insns);
  const starts = new Set<number>([0]);
  insns.forEach((i, k) => {
    const call = i.code === (Class.JMP | Jmp.CALL) && i.src === PseudoCall.LOCAL;
    const address = i.code === LD_IMM64 && i.src === PseudoLd.FUNC;
    if (call || address) starts.add(slots[k] + i.imm + 1);
  });
  return [...starts].sort((a, b) => a - b);
}

/** func_info BTF for a program with callbacks; undefined when it has none (it loads without). */
export function programBtf(insns: readonly Insn[], name: string): ProgramBtf | undefined {
  if (!hasCallback(insns)) return undefined;
  const entry = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : "prog";
  const starts = functionStarts(insns);
  const described = describeProgram(
    LINUX_ABI,
    starts.map((slot, k) => ({ name: k === 0 ? entry : `${entry}_fn${k}`, main: slot === 0 })),
    [],
  );
  const funcInfo = new Uint8Array(8 * starts.length);
  const view = new DataView(funcInfo.buffer);
  starts.forEach((slot, k) => {
    view.setUint32(8 * k, slot, true);
    view.setUint32(8 * k + 4, described.funcIds[k], true);
  });
  return { bytes: described.btf.encode(), funcInfo };
}
