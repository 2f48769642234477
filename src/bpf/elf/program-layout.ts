// Splits a compiled program (one flat instruction list: the storage function first, then its
// BPF-to-BPF callees) into the ELF layout libbpf expects: the entry function alone in the program
// section, every callee in `.text`, and a relocation for every place the linker must patch.
//
// Function starts are the call targets (`call pc+N`, src BPF_PSEUDO_CALL) and callback addresses
// (`ld_imm64` src BPF_PSEUDO_FUNC). In the object:
// - a call gets imm = -1 and R_BPF_64_32 against the callee's STT_FUNC symbol (libbpf: target =
//   symbol + imm + 1);
// - a callback address gets imm = the callee's byte offset in `.text` and R_BPF_64_64 against the
//   `.text` section symbol (libbpf accepts subprogram addresses only against that or a global func);
// - a map value reference `ld_imm64 src=map_value, imm=map index, imm2=off` becomes src 0, imm = off,
//   imm2 = 0, with R_BPF_64_64 against the map's variable (libbpf: value = symbol + imm).
import { BpfError } from "../../diagnostics.js";
import { type Insn, slotOffsets, INSN_BYTES } from "../insn.js";
import { Class, Jmp, LD_IMM64, PseudoCall, PseudoLd, classOf, opOf } from "../opcodes.js";
import { R_BPF, SECTION } from "./constants.js";
import type { RelocationSpec } from "./object-writer.js";

export interface FunctionLayout {
  name: string;
  /** Instruction index range [first, end) in the program. */
  first: number;
  end: number;
  section: string;
  /** Byte offset of the function in its section, and its size in bytes. */
  offset: number;
  size: number;
  /** The entry (storage) function. */
  main: boolean;
}

export interface ProgramLayout {
  functions: FunctionLayout[];
  /** Instructions of each executable section as written to the object (relocation placeholders in). */
  sections: Map<string, Insn[]>;
  relocations: RelocationSpec[];
}

export interface LayoutOptions {
  /** Section of the entry function (`syscall` for linux). */
  mainSection: string;
  mainName: string;
  /** Name of a callee that starts at instruction `index`; k counts callees from 1. */
  calleeName: (k: number, index: number) => string;
  /** Symbol of map number `index` (artifact.maps order); undefined if there is no such map. */
  mapSymbol: (index: number) => string | undefined;
  /** For messages. */
  file: string;
  /**
   * Where this program's code starts in its sections (bytes): when an object holds several
   * programs, each is laid out after the ones before it (the entry in the shared program section,
   * its callees after theirs in `.text`). Default 0.
   */
  mainOffset?: number;
  textOffset?: number;
}

const isBranch = (insn: Insn): boolean => {
  const cls = classOf(insn.code);
  if (cls !== Class.JMP && cls !== Class.JMP32) return false;
  const op = opOf(insn.code);
  return op !== Jmp.CALL && op !== Jmp.EXIT;
};

/** Slot a branch goes to: `gotol` (JMP32|JA) keeps its offset in imm. */
const branchTarget = (insn: Insn, slot: number): number =>
  classOf(insn.code) === Class.JMP32 && opOf(insn.code) === Jmp.JA
    ? slot + insn.imm + 1
    : slot + insn.off + 1;

const isLocalCall = (insn: Insn): boolean =>
  insn.code === (Class.JMP | Jmp.CALL) && insn.src === PseudoCall.LOCAL;
const isFuncAddr = (insn: Insn): boolean => insn.code === LD_IMM64 && insn.src === PseudoLd.FUNC;

export function layoutProgram(insns: readonly Insn[], opts: LayoutOptions): ProgramLayout {
  const fail = (i: number, what: string, hint?: string): never => {
    throw new BpfError(
      "E0134",
      `${opts.file}: cannot write instruction ${i} to an ELF object: ${what}`,
      insns[i]?.pos,
      hint,
    );
  };
  if (insns.length === 0)
    throw new BpfError("E0134", `${opts.file}: the program has no instructions`);
  const slots = slotOffsets(insns);
  const total = slots[insns.length];
  const indexOfSlot = new Map<number, number>();
  slots.forEach((s, i) => indexOfSlot.set(s, i));
  const targetIndex = (i: number, slot: number, what: string): number => {
    const t = indexOfSlot.get(slot);
    if (t === undefined || t >= insns.length)
      return fail(
        i,
        `its ${what} goes to slot ${slot}, which is ${slot < 0 || slot >= total ? "outside the program" : "inside an lddw"}`,
      );
    return t;
  };

  // Function starts.
  const starts = new Set<number>([0]);
  insns.forEach((insn, i) => {
    if (isLocalCall(insn) || isFuncAddr(insn)) {
      const t = targetIndex(
        i,
        slots[i] + insn.imm + 1,
        isLocalCall(insn) ? "call" : "callback address",
      );
      if (t === 0) fail(i, "it calls the entry function, which BPF does not allow");
      starts.add(t);
    }
  });
  const sorted = [...starts].sort((a, b) => a - b);
  const functionOf = new Array<number>(insns.length);
  sorted.forEach((first, k) => {
    const end = sorted[k + 1] ?? insns.length;
    for (let i = first; i < end; i++) functionOf[i] = k;
  });

  // Branches must stay inside their function: the linker moves functions apart.
  insns.forEach((insn, i) => {
    if (!isBranch(insn)) return;
    const t = targetIndex(i, branchTarget(insn, slots[i]), "jump");
    if (functionOf[t] !== functionOf[i])
      fail(
        i,
        `it jumps from one function into another (instruction ${t})`,
        "only calls may cross function boundaries",
      );
  });

  const functions: FunctionLayout[] = [];
  let textBytes = opts.textOffset ?? 0;
  sorted.forEach((first, k) => {
    const end = sorted[k + 1] ?? insns.length;
    const size = (slots[end] - slots[first]) * INSN_BYTES;
    const main = k === 0;
    functions.push({
      name: main ? opts.mainName : opts.calleeName(k, first),
      first,
      end,
      section: main ? opts.mainSection : SECTION.TEXT,
      offset: main ? (opts.mainOffset ?? 0) : textBytes,
      size,
      main,
    });
    if (!main) textBytes += size;
  });

  const sections = new Map<string, Insn[]>();
  const relocations: RelocationSpec[] = [];
  for (const f of functions) {
    const out = sections.get(f.section) ?? [];
    sections.set(f.section, out);
    for (let i = f.first; i < f.end; i++) {
      const insn = insns[i];
      const offset = f.offset + (slots[i] - slots[f.first]) * INSN_BYTES;
      const at = { section: f.section, offset };
      if (isLocalCall(insn)) {
        const callee = functions[functionOf[targetIndex(i, slots[i] + insn.imm + 1, "call")]];
        relocations.push({ ...at, type: R_BPF["64_32"], symbol: callee.name });
        out.push({ ...insn, imm: -1 });
      } else if (isFuncAddr(insn)) {
        const callee =
          functions[functionOf[targetIndex(i, slots[i] + insn.imm + 1, "callback address")]];
        relocations.push({ ...at, type: R_BPF["64_64"], symbol: SECTION.TEXT });
        out.push({ ...insn, imm: callee.offset, imm2: 0 });
      } else if (insn.code === LD_IMM64 && insn.src === PseudoLd.MAP_VALUE) {
        const symbol =
          opts.mapSymbol(insn.imm) ??
          fail(i, `it refers to map #${insn.imm}, which the artifact does not declare`);
        relocations.push({ ...at, type: R_BPF["64_64"], symbol });
        out.push({ ...insn, src: PseudoLd.IMM64, imm: insn.imm2 ?? 0, imm2: 0 });
      } else if (insn.code === LD_IMM64 && insn.src !== PseudoLd.IMM64) {
        fail(
          i,
          `ld_imm64 with src ${insn.src} has no relocation in our objects`,
          "objects carry map references as map_value (src 2) against the artifact's maps",
        );
      } else if (insn.code === (Class.JMP | Jmp.CALL) && insn.src === PseudoCall.KFUNC) {
        fail(i, "kfunc calls need BTF ids of the running kernel, which our objects do not carry");
      } else {
        out.push(insn);
      }
    }
  }
  return { functions, sections, relocations };
}
