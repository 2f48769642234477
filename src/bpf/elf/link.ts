// Links one program out of an eBPF object the way libbpf does, without the kernel: the entry
// function, then every `.text` function it reaches (depth first, in order of first reference),
// calls and callback addresses re-pointed at their new places, and ld_imm64 references to
// global-data sections (`.data*`, `.rodata*`, `.bss*`) turned back into our form: `ld_imm64
// src=map_value, imm = map index, imm2 = byte offset` (docs/abi.md), with the maps listed in
// section order. func_info and line_info from `.BTF.ext` move along with their instructions,
// converted to instruction (slot) indices as BPF_PROG_LOAD wants them, and each instruction gets
// the source position its line_info names — so an object written by writeElf links back to the
// artifact's instructions (when its callees are laid out in the order they are first called).
import { BpfError } from "../../diagnostics.js";
import { readBtfExt, type LineInfo } from "../btf-ext.js";
import { readBtf, type Btf } from "../btf-read.js";
import { INSN_BYTES, slotOffsets, type Insn } from "../insn.js";
import { Class, Jmp, LD_IMM64, PseudoCall, PseudoLd } from "../opcodes.js";
import { R_BPF, SECTION, SHF, SHT, STB, STT } from "./constants.js";
import type { ElfObject, ElfProgramSection, ElfRelocation } from "./reader.js";

export interface LinkedMap {
  /** The section (`.data.block`), which libbpf also uses as the map's name. */
  section: string;
  /** The first global variable in it (`block`), else the section name. */
  name: string;
  valueSize: number;
  /** `.rodata*`: the program may only read it (BPF_F_RDONLY_PROG). */
  readOnlyProg: boolean;
  /** Initial contents (zeros for `.bss*`). */
  init: Uint8Array;
}

export interface LinkedFuncInfo {
  /** Slot index of the function's first instruction in the linked program. */
  insn: number;
  typeId: number;
}

export interface LinkedLineInfo extends Omit<LineInfo, "insnOff"> {
  insn: number;
}

export interface LinkedProgram {
  name: string;
  section: string;
  insns: Insn[];
  /** Every global-data section of the object; `imm` of a map_value load indexes this list. */
  maps: LinkedMap[];
  license?: string;
  btf?: Btf;
  funcInfo: LinkedFuncInfo[];
  lineInfo: LinkedLineInfo[];
}

/** A function's instructions in its section. */
interface Unit {
  program: ElfProgramSection;
  name: string;
  first: number;
  end: number;
  startSlot: number;
  endSlot: number;
  /** Slot of its first instruction in the linked program, once placed. */
  linkedSlot?: number;
}

const isDataSection = (name: string): boolean => /^\.(data|rodata|bss)(\..+)?$/.test(name);

/** Programs an object offers: global functions outside `.text`. */
export function programNames(obj: ElfObject): { name: string; section: string }[] {
  return obj.programs
    .filter((p) => p.section.name !== SECTION.TEXT)
    .flatMap((p) =>
      p.functions
        .filter((f) => f.symbol.bind !== STB.LOCAL)
        .map((f) => ({ name: f.name, section: p.section.name })),
    );
}

/** Links the program named `name` (a function or a section name), or the object's only program. */
export function linkProgram(obj: ElfObject, name?: string): LinkedProgram {
  const file = obj.file;
  const fail = (what: string, hint?: string): never => {
    throw new BpfError("E0135", `${file}: ${what}`, undefined, hint);
  };
  const offered = programNames(obj);
  // Without a name, an object of one storage function and its chain program (`<name>_chain`,
  // writer.ts) offers the storage function: the program a step at a time runs.
  const primary = offered.filter((p) => !offered.some((q) => p.name === `${q.name}_chain`));
  const chosen =
    name === undefined
      ? primary.length === 1
        ? primary[0]
        : fail(
            offered.length === 0
              ? "the object has no program (a global function in a section other than .text)"
              : `the object has ${offered.length} programs; name one`,
            `programs: ${offered.map((p) => p.name).join(", ") || "none"}`,
          )
      : (offered.find((p) => p.name === name) ??
        offered.find((p) => p.section === name) ??
        fail(
          `no program named '${name}'`,
          `programs: ${offered.map((p) => p.name).join(", ") || "none"}`,
        ));

  const mainProgram = obj.programs.find((p) => p.section.name === chosen.section)!;
  const mainFn = mainProgram.functions.find((f) => f.name === chosen.name)!;
  const slotCache = new Map<ElfProgramSection, number[]>();
  const slotsOf = (p: ElfProgramSection): number[] => {
    let slots = slotCache.get(p);
    if (!slots) slotCache.set(p, (slots = slotOffsets(p.insns)));
    return slots;
  };
  const unitOf = (p: ElfProgramSection, f: { name: string; first: number; end: number }): Unit => {
    const slots = slotsOf(p);
    return {
      program: p,
      name: f.name,
      first: f.first,
      end: f.end,
      startSlot: slots[f.first],
      endSlot: slots[f.end],
    };
  };
  const main = unitOf(mainProgram, mainFn);
  const text = obj.programs.find((p) => p.section.name === SECTION.TEXT);
  const textUnits: Unit[] = text
    ? text.functions.length > 0
      ? text.functions.map((f) => unitOf(text, f))
      : [unitOf(text, { name: SECTION.TEXT, first: 0, end: text.insns.length })]
    : [];

  const maps = obj.sections
    .filter((s) => isDataSection(s.name) && (s.flags & SHF.ALLOC) !== 0 && s.size > 0)
    .map((s): LinkedMap => {
      const variable = obj.symbols.find(
        (y) => y.shndx === s.index && y.type === STT.OBJECT && y.bind !== STB.LOCAL,
      );
      return {
        section: s.name,
        name: variable?.name ?? s.name,
        valueSize: s.size,
        readOnlyProg: s.name.startsWith(".rodata"),
        init: s.type === SHT.NOBITS ? new Uint8Array(s.size) : s.data.slice(),
      };
    });
  const mapIndexOfSection = new Map(maps.map((m, i) => [obj.section(m.section)!.index, i]));

  /** Where a call or callback load at instruction i of unit u goes: (unit, slot in its section). */
  const targetOf = (u: Unit, i: number): { unit: Unit; slot: number } => {
    const insn = u.program.insns[i];
    const slot = slotsOf(u.program)[i];
    const rel = relocationAt(u.program, slot);
    const isCall = insn.code === (Class.JMP | Jmp.CALL);
    let section = u.program;
    let target: number;
    if (rel) {
      if (rel.symbol.shndx !== text?.section.index)
        fail(
          `instruction ${i} of ${u.program.section.name} ${isCall ? "calls" : "takes the address of"} '${rel.symbol.name}', which is not in .text`,
        );
      section = text!;
      target = isCall
        ? rel.symbol.value / INSN_BYTES + insn.imm + 1
        : (rel.symbol.value + insn.imm) / INSN_BYTES;
    } else {
      target = slot + insn.imm + 1;
    }
    const units = section === text ? textUnits : [main];
    const unit = units.find((c) => target >= c.startSlot && target < c.endSlot);
    if (!unit || !Number.isInteger(target))
      return fail(
        `instruction ${i} of ${u.program.section.name} calls slot ${target} of ${section.section.name}, which no function holds`,
      );
    return { unit, slot: target };
  };
  /** A call, or a function's address: src=func, or (as clang writes it) src 0 relocated against .text. */
  const isCodeRef = (u: Unit, i: number): boolean => {
    const insn = u.program.insns[i];
    if (insn.code === (Class.JMP | Jmp.CALL)) return insn.src === PseudoCall.LOCAL;
    if (insn.code !== LD_IMM64) return false;
    if (insn.src === PseudoLd.FUNC) return true;
    const rel = relocationAt(u.program, slotsOf(u.program)[i]);
    return (
      insn.src === PseudoLd.IMM64 &&
      rel !== undefined &&
      text !== undefined &&
      rel.symbol.shndx === text.section.index
    );
  };

  // Place the entry, then each .text function when it is first referenced, its own callees right
  // after it (depth first): the order libbpf appends subprograms in, so that both loaders hand the
  // kernel the same program.
  const order = [main];
  const place = (u: Unit): void => {
    for (let i = u.first; i < u.end; i++) {
      if (!isCodeRef(u, i)) continue;
      const { unit } = targetOf(u, i);
      if (order.includes(unit)) continue;
      order.push(unit);
      place(unit);
    }
  };
  place(main);
  let nextSlot = 0;
  for (const u of order) {
    u.linkedSlot = nextSlot;
    nextSlot += u.endSlot - u.startSlot;
  }

  const insns: Insn[] = [];
  for (const u of order) {
    const slots = slotsOf(u.program);
    for (let i = u.first; i < u.end; i++) {
      const insn = { ...u.program.insns[i] };
      delete insn.pos;
      const here = u.linkedSlot! + slots[i] - u.startSlot;
      if (isCodeRef(u, i)) {
        const { unit, slot } = targetOf(u, i);
        insn.imm = unit.linkedSlot! + slot - unit.startSlot - here - 1;
        if (insn.code === LD_IMM64) {
          insn.src = PseudoLd.FUNC; // as libbpf marks it
          insn.imm2 = 0;
        }
      } else if (insn.code === LD_IMM64) {
        const rel = relocationAt(u.program, slots[i]);
        if (rel) relocateData(insn, rel, i, u);
      }
      insns.push(insn);
    }
  }

  function relocateData(insn: Insn, rel: ElfRelocation, i: number, u: Unit): void {
    const index = mapIndexOfSection.get(rel.symbol.shndx);
    if (rel.type !== R_BPF["64_64"] || index === undefined)
      fail(
        `instruction ${i} of ${u.program.section.name} refers to '${rel.symbol.name}' (${rel.typeName}), which is not a global variable`,
        "our loader handles global-data maps (.data*, .rodata*, .bss*); load BTF-defined .maps with bpftool",
      );
    insn.imm2 = rel.symbol.value + insn.imm;
    insn.imm = index!;
    insn.src = PseudoLd.MAP_VALUE;
  }

  const btfSection = obj.section(SECTION.BTF);
  const btf = btfSection ? readBtf(btfSection.data, file) : undefined;
  const extSection = obj.section(SECTION.BTF_EXT);
  const ext = btf && extSection ? readBtfExt(extSection.data, btf, file) : undefined;
  const funcInfo: LinkedFuncInfo[] = [];
  const lineInfo: LinkedLineInfo[] = [];
  if (ext) {
    for (const u of order) {
      const place = (insnOff: number): number | undefined => {
        const slot = insnOff / INSN_BYTES;
        return slot >= u.startSlot && slot < u.endSlot
          ? u.linkedSlot! + slot - u.startSlot
          : undefined;
      };
      const section = u.program.section.name;
      for (const r of ext.funcInfo.find((s) => s.section === section)?.records ?? []) {
        const insn = place(r.insnOff);
        if (insn !== undefined) funcInfo.push({ insn, typeId: r.typeId });
      }
      for (const { insnOff, ...r } of ext.lineInfo.find((s) => s.section === section)?.records ??
        []) {
        const insn = place(insnOff);
        if (insn !== undefined) lineInfo.push({ ...r, insn });
      }
    }
    attachPositions(insns, lineInfo);
  }
  return {
    name: chosen.name,
    section: chosen.section,
    insns,
    maps,
    license: obj.license,
    btf,
    funcInfo,
    lineInfo,
  };
}

function relocationAt(program: ElfProgramSection, slot: number): ElfRelocation | undefined {
  const offset = slot * INSN_BYTES;
  return program.relocations.find((r) => r.offset === offset);
}

/** Each instruction takes the position of the last line_info record at or before it. */
function attachPositions(insns: Insn[], lineInfo: readonly LinkedLineInfo[]): void {
  const slots = slotOffsets(insns);
  let k = -1;
  insns.forEach((insn, i) => {
    while (k + 1 < lineInfo.length && lineInfo[k + 1].insn <= slots[i]) k++;
    const r = lineInfo[k];
    if (r && r.line > 0) insn.pos = { file: r.file, line: r.line, col: r.col };
  });
}
