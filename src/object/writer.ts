// writeElf: a compiled program as an eBPF ELF object that libbpf 1.1 / bpftool 7.1 load
// (`bpftool prog loadall X.o /sys/fs/bpf/DIR`) and that our own loader reads back
// (src/runtime/linux/elf-load.ts). docs/elf.md explains every section and why it is there.
//
// In short: the storage function alone in `syscall` (linux) or `xrp_prog` (xrp) as a global
// function, its callees in `.text`, each map as a global-data section (`.data.<map>`, or
// `.rodata.<map>` for maps the program may only read) holding one variable the code refers to
// through R_BPF_64_64 relocations, license "GPL", `.BTF` (context struct, functions, one DATASEC
// per map) and `.BTF.ext` (func_info, and line_info pointing at the .ioc lines).
import { basename } from "node:path";
import { extentsMapName, MapIndex, type MapSpec, type ProgramArtifact } from "../abi/artifact.js";
import type { ChainProgram } from "../abi/chain.js";
import { BpfError, type SourcePos } from "../diagnostics.js";
import { encodeBtfExt, type BtfExt, type LineInfo } from "../bpf/btf-ext.js";
import { encode, INSN_BYTES, slotOffsets, type Insn } from "../bpf/insn.js";
import { describeProgram, LINUX_ABI, type MapVariable, type TargetAbi } from "./artifact-btf.js";
import { SECTION, SHF, SHT, STB, STT } from "../bpf/elf/constants.js";
import { ElfObjectWriter } from "../bpf/elf/object-writer.js";
import {
  layoutProgram,
  type FunctionLayout,
  type ProgramLayout,
} from "../bpf/elf/program-layout.js";
import { LD_IMM64 } from "../bpf/opcodes.js";
import { XRP_ABI } from "./xrp-layout.js";

export type ElfTarget = "linux" | "xrp";

export interface WriteElfOptions {
  target: ElfTarget;
  /** Text of `artifact.file`: line_info carries each line's text, which bpftool and the verifier print. */
  sourceText?: string;
  /** Texts of other files that instruction positions name (imported modules), by file name. */
  sources?: Readonly<Record<string, string>>;
  /** Reads a file positions name that neither of the above gives (e.g. from disk); undefined if unknown. */
  readSource?: (file: string) => string | undefined;
  /**
   * linux: also write the chain program (compiler/targets/kernel-chain.ts) as a second program,
   * `<name>_chain` in `syscall`, with records for `capacity` chains (`.data.chains`) and its
   * zero page (`.rodata.zeros`). Ignored for xrp, whose kernel has no bpf_loop.
   */
  chain?: ChainProgram;
}

/** The chain program's block map in an object (libbpf's map name: at most 15 characters). */
export const HOP_BLOCK_SECTION = ".data.hop_block";

/** The chain program of storage function NAME is NAME + this. */
export const CHAIN_SUFFIX = "_chain";

/** Bytes of instructions as encoded (ld_imm64 takes two slots). */
const encodedSize = (insns: readonly Insn[]): number =>
  insns.reduce((n, i) => n + (i.code === LD_IMM64 ? 2 : 1), 0) * INSN_BYTES;

export const TARGET_ABI: Record<ElfTarget, TargetAbi> = { linux: LINUX_ABI, xrp: XRP_ABI };

/** Section of a map: programs that may only read it get `.rodata.*` (libbpf: BPF_F_RDONLY_PROG, frozen). */
export const mapSectionName = (m: { name: string; readOnlyProg: boolean }): string =>
  `${m.readOnlyProg ? ".rodata" : ".data"}.${m.name}`;

export const LICENSE = "GPL";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function writeElf(artifact: ProgramArtifact, options: WriteElfOptions): Uint8Array {
  const abi = TARGET_ABI[options.target];
  const file = artifact.file;
  if (!IDENTIFIER.test(artifact.name))
    throw new BpfError(
      "E0134",
      `${file}: the storage function's name '${artifact.name}' is not a C identifier, which ELF symbols and BTF need`,
    );
  const maps = artifact.maps.map((m, i) => mapVariable(m, i, file));
  const chainEntries = new Set<string>();
  const programs: { insns: readonly Insn[]; layout: ProgramLayout }[] = [];
  const step = layoutProgram(artifact.insns, {
    mainSection: abi.section,
    mainName: artifact.name,
    calleeName: (k) => `${artifact.name}_fn${k}`,
    mapSymbol: (i) => maps[i]?.variable.name,
    file,
  });
  programs.push({ insns: artifact.insns, layout: step });
  if (options.chain && options.target === "linux") {
    // The chain program: its own code (main, the hop callback), then a copy of the step and of
    // its callees, laid out after the step program's in `syscall` and `.text` so that the step
    // program's bytes stay as they are without it.
    const chain = options.chain;
    const own = chain.insns.length - artifact.insns.length;
    for (const [i, m] of chain.maps.entries())
      maps.push(mapVariable({ ...m, init: undefined }, artifact.maps.length + i, file));
    // Its own block map, which only the kernel touches (as the runtime's privateBlock): the step
    // program's `.data.block` stays mmapable for step-at-a-time drivers.
    const hopBlock = maps.length;
    maps.push({
      variable: {
        section: HOP_BLOCK_SECTION,
        name: HOP_BLOCK_SECTION.slice(".data.".length),
        size: artifact.blockSize,
        layout: "bytes",
        private: true,
      },
      data: new Uint8Array(artifact.blockSize),
      readOnly: false,
    });
    const bytesOf = (section: string): number => encodedSize(step.sections.get(section) ?? []);
    const name = `${artifact.name}${CHAIN_SUFFIX}`;
    const layout = layoutProgram(chain.insns, {
      mainSection: abi.section,
      mainName: name,
      calleeName: (k, index) =>
        index < own ? `${name}_hop` : index === own ? `${name}_step` : `${name}_fn${k - 2}`,
      mapSymbol: (i) => maps[i === MapIndex.block ? hopBlock : i]?.variable.name,
      file,
      mainOffset: bytesOf(abi.section),
      textOffset: bytesOf(SECTION.TEXT),
    });
    for (const f of layout.functions) if (f.main) chainEntries.add(f.name);
    programs.push({ insns: chain.insns, layout });
  }
  const functions = programs.flatMap((p) => p.layout.functions);

  const described = describeProgram(
    abi,
    functions.map((f) => ({ ...f, chain: chainEntries.has(f.name) })),
    maps.map((m) => m.variable),
  );
  const ext: BtfExt = { funcInfo: [], lineInfo: [] };
  const lines = new SourceLines(file, options);
  let k = 0;
  for (const p of programs) {
    const slots = slotOffsets(p.insns);
    let lastPos: SourcePos | undefined;
    for (const f of p.layout.functions) {
      sectionEntry(ext.funcInfo, f.section).push({
        insnOff: f.offset,
        typeId: described.funcIds[k++],
      });
      const records = lineInfo(f, p.insns, slots, lastPos ?? { file, line: 0, col: 0 }, lines);
      sectionEntry(ext.lineInfo, f.section).push(...records);
      lastPos = records.at(-1) ?? lastPos;
    }
  }
  // func_info and line_info go in order of their offsets within a section.
  for (const e of [...ext.funcInfo, ...ext.lineInfo])
    (e.records as { insnOff: number }[]).sort((a, b) => a.insnOff - b.insnOff);
  const btfExt = encodeBtfExt(ext, described.btf.strings); // adds strings: before the .BTF encode
  const btf = described.btf.encode();

  const w = new ElfObjectWriter();
  w.addSymbol({ name: basename(file), value: 0, size: 0, bind: STB.LOCAL, type: STT.FILE });
  const execSections = [SECTION.TEXT, abi.section].filter((s) =>
    programs.some((p) => p.layout.sections.has(s)),
  );
  for (const name of execSections) {
    w.addSection({
      name,
      type: SHT.PROGBITS,
      flags: SHF.ALLOC | SHF.EXECINSTR,
      data: encode(programs.flatMap((p) => p.layout.sections.get(name) ?? [])),
      align: 8,
    });
    w.addSectionSymbol(name);
  }
  for (const f of functions)
    w.addSymbol({
      name: f.name,
      section: f.section,
      value: f.offset,
      size: f.size,
      bind: f.main ? STB.GLOBAL : STB.LOCAL,
      type: STT.FUNC,
    });
  for (const p of programs) for (const r of p.layout.relocations) w.addRelocation(r);
  for (const m of maps) {
    w.addSection({
      name: m.variable.section,
      type: SHT.PROGBITS,
      flags: m.readOnly ? SHF.ALLOC : SHF.ALLOC | SHF.WRITE,
      data: m.data,
      align: 8,
    });
    w.addSymbol({
      name: m.variable.name,
      section: m.variable.section,
      value: 0,
      size: m.variable.size,
      bind: STB.GLOBAL,
      type: STT.OBJECT,
    });
  }
  const license = new TextEncoder().encode(`${LICENSE}\0`);
  w.addSection({
    name: SECTION.LICENSE,
    type: SHT.PROGBITS,
    flags: SHF.ALLOC | SHF.WRITE,
    data: license,
    align: 1,
  });
  w.addSymbol({
    name: "LICENSE",
    section: SECTION.LICENSE,
    value: 0,
    size: license.length,
    bind: STB.GLOBAL,
    type: STT.OBJECT,
  });
  w.addSection({ name: SECTION.BTF, type: SHT.PROGBITS, flags: 0, data: btf, align: 4 });
  w.addSection({ name: SECTION.BTF_EXT, type: SHT.PROGBITS, flags: 0, data: btfExt, align: 4 });
  return w.build();
}

interface PlannedMap {
  variable: MapVariable;
  data: Uint8Array;
  readOnly: boolean;
}

function mapVariable(
  m: Omit<MapSpec, "name"> & { name: string },
  index: number,
  file: string,
): PlannedMap {
  if (!IDENTIFIER.test(m.name))
    throw new BpfError("E0134", `${file}: map #${index} is named '${m.name}', not a C identifier`);
  if (!Number.isInteger(m.valueSize) || m.valueSize <= 0)
    throw new BpfError(
      "E0134",
      `${file}: map '${m.name}' has value size ${m.valueSize}; it must be a positive whole number of bytes`,
    );
  if (m.init && m.init.length > m.valueSize)
    throw new BpfError(
      "E0134",
      `${file}: map '${m.name}' starts with ${m.init.length} bytes, more than its ${m.valueSize}-byte value`,
    );
  const data = new Uint8Array(m.valueSize);
  if (m.init) data.set(m.init);
  // A program that reads several files has one extents map each: `extents`, `extents_1`, ...
  const extents = m.name === "extents";
  const name = extents ? extentsMapName(m.file ?? 0) : m.name;
  return {
    variable: {
      section: mapSectionName({ name, readOnlyProg: m.readOnlyProg }),
      name,
      size: m.valueSize,
      layout: extents ? "extents" : "bytes",
    },
    data,
    readOnly: m.readOnlyProg,
  };
}

function sectionEntry<R>(list: { section: string; records: R[] }[], section: string): R[] {
  let entry = list.find((e) => e.section === section);
  if (!entry) list.push((entry = { section, records: [] }));
  return entry.records;
}

/**
 * line_info of one function: a record where the source position changes, and always one at the
 * function's first instruction (the kernel requires it: "missing bpf_line_info for func#N"). An
 * instruction without a position belongs to the line before it.
 */
function lineInfo(
  f: FunctionLayout,
  insns: readonly Insn[],
  slots: readonly number[],
  fallback: SourcePos,
  lines: SourceLines,
): LineInfo[] {
  const out: LineInfo[] = [];
  const firstPos = insns.slice(f.first, f.end).find((i) => i.pos)?.pos ?? fallback;
  let last: SourcePos | undefined;
  for (let i = f.first; i < f.end; i++) {
    const pos = insns[i].pos ?? (i === f.first ? firstPos : undefined);
    if (!pos || (last && pos.file === last.file && pos.line === last.line && pos.col === last.col))
      continue;
    out.push({
      insnOff: f.offset + (slots[i] - slots[f.first]) * INSN_BYTES,
      file: pos.file,
      line: pos.line,
      col: pos.col,
      lineText: lines.text(pos.file, pos.line),
    });
    last = pos;
  }
  return out;
}

/** Source lines by file, for line_info's texts (whole lines, indentation kept, as clang stores them). */
class SourceLines {
  private readonly files = new Map<string, string[] | undefined>();
  constructor(
    mainFile: string,
    private readonly options: WriteElfOptions,
  ) {
    for (const [name, text] of Object.entries(options.sources ?? {}))
      this.files.set(name, text.split(/\r?\n/));
    if (options.sourceText !== undefined)
      this.files.set(mainFile, options.sourceText.split(/\r?\n/));
  }
  text(file: string, line: number): string {
    if (!this.files.has(file))
      this.files.set(file, this.options.readSource?.(file)?.split(/\r?\n/));
    return this.files.get(file)?.[line - 1] ?? "";
  }
}
