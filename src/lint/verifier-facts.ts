// What the processed-instruction walk (estimate.ts) needs to know of the kernel's verifier and of
// the program before walking: where the verifier may prune (6.x visit_insn), which helper
// arguments it makes precise, the frozen extent table's bytes it reads as constants.
import { MapIndex, type ProgramArtifact } from "../abi/artifact.js";
import { HelperId } from "../abi/helpers.js";
import type { Insn } from "../bpf/insn.js";
import { Class, Jmp, PseudoCall, Size, classOf, opOf } from "../bpf/opcodes.js";

/**
 * The bytes the frozen, read-only maps hold (the extent tables: one per file the program reads),
 * for loads through their pointers.
 */
export function frozenMaps(artifact: ProgramArtifact | undefined): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  artifact?.maps.forEach((spec, index) => {
    if (index < MapIndex.extents || spec.name !== "extents" || !spec.readOnlyProg) return;
    const bytes = new Uint8Array(spec.valueSize);
    if (spec.init) bytes.set(spec.init);
    out.set(index, bytes);
  });
  return out;
}

/**
 * The arguments of each helper iochain calls that the verifier makes precise: sizes
 * (ARG_CONST_SIZE*) and bpf_loop's count; 1 to 5 for a helper not listed.
 */
export const SIZE_ARGS: Record<number, number[]> = {
  [HelperId.MAP_LOOKUP_ELEM]: [],
  [HelperId.MAP_UPDATE_ELEM]: [],
  [HelperId.MAP_DELETE_ELEM]: [],
  [HelperId.KTIME_GET_NS]: [],
  7: [], // bpf_get_prandom_u32
  [HelperId.TRACE_PRINTK]: [2],
  [HelperId.PROBE_READ_USER]: [2],
  [HelperId.PROBE_READ_KERNEL]: [2],
  [HelperId.COPY_FROM_USER]: [2],
  [HelperId.LOOP]: [1],
};

/** `K op reg` as `reg op' K`. */
export const SWAPPED: Record<number, number> = {
  [Jmp.JEQ]: Jmp.JEQ,
  [Jmp.JNE]: Jmp.JNE,
  [Jmp.JGT]: Jmp.JLT,
  [Jmp.JGE]: Jmp.JLE,
  [Jmp.JLT]: Jmp.JGT,
  [Jmp.JLE]: Jmp.JGE,
};

export const SIZE_BYTES: Record<number, number> = {
  [Size.B]: 1,
  [Size.H]: 2,
  [Size.W]: 4,
  [Size.DW]: 8,
};

/** The verifier's prune points (6.x visit_insn): where is_state_visited runs. */
export function prunePoints(insns: readonly Insn[], target: (pc: number, off: number) => number) {
  const points = new Set<number>();
  const forced = new Set<number>();
  insns.forEach((insn, pc) => {
    const cls = classOf(insn.code);
    if (cls !== Class.JMP && cls !== Class.JMP32) return;
    const op = opOf(insn.code);
    if (op === Jmp.EXIT) return;
    if (op === Jmp.CALL) {
      points.add(pc + 1);
      if (insn.src === PseudoCall.LOCAL) points.add(pc);
      if (insn.src === 0 && insn.imm === HelperId.LOOP) {
        points.add(pc);
        forced.add(pc);
      }
    } else if (op === Jmp.JA) points.add(target(pc, cls === Class.JMP32 ? insn.imm : insn.off));
    else points.add(pc);
  });
  return { points, forced };
}
