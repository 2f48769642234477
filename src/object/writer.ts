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
import type { MapSpec, ProgramArtifact } from "../abi/artifact.js";
import { BpfError, type SourcePos } from "../diagnostics.js";
import { encodeBtfExt, type BtfExt, type LineInfo } from "../bpf/btf-ext.js";
import { encode, INSN_BYTES, slotOffsets, type Insn } from "../bpf/insn.js";
import { describeProgram, LINUX_ABI, type MapVariable, type TargetAbi } from "./artifact-btf.js";
import { SECTION, SHF, SHT, STB, STT } from "../bpf/elf/constants.js";
import { ElfObjectWriter } from "../bpf/elf/object-writer.js";
import { layoutProgram, type FunctionLayout } from "../bpf/elf/program-layout.js";
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
}

export const TARGET_ABI: Record<ElfTarget, TargetAbi> = { linux: LINUX_ABI, xrp: XRP_ABI };

/** Section of a map: programs that may only read it get `.rodata.*` (libbpf: BPF_F_RDONLY_PROG, frozen). */
export const mapSectionName = (m: Pick<MapSpec, "name" | "readOnlyProg">): string =>
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
  const layout = layoutProgram(artifact.insns, {
    mainSection: abi.section,
    mainName: artifact.name,
    calleeName: (k) => `${artifact.name}_fn${k}`,
    mapSymbol: (i) => maps[i]?.variable.name,
    file,
  });

  const described = describeProgram(
    abi,
    layout.functions,
    maps.map((m) => m.variable),
  );
  const ext: BtfExt = { funcInfo: [], lineInfo: [] };
  const lines = new SourceLines(file, options);
  const slots = slotOffsets(artifact.insns);
  let lastPos: SourcePos | undefined;
  layout.functions.forEach((f, k) => {
    sectionEntry(ext.funcInfo, f.section).push({ insnOff: f.offset, typeId: described.funcIds[k] });
    const records = lineInfo(f, artifact.insns, slots, lastPos ?? { file, line: 0, col: 0 }, lines);
    sectionEntry(ext.lineInfo, f.section).push(...records);
    lastPos = records.at(-1) ?? lastPos;
  });
  const btfExt = encodeBtfExt(ext, described.btf.strings); // adds strings: before the .BTF encode
  const btf = described.btf.encode();

  const w = new ElfObjectWriter();
  w.addSymbol({ name: basename(file), value: 0, size: 0, bind: STB.LOCAL, type: STT.FILE });
  const execSections = [SECTION.TEXT, abi.section].filter((s) => layout.sections.has(s));
  for (const name of execSections) {
    w.addSection({
      name,
      type: SHT.PROGBITS,
      flags: SHF.ALLOC | SHF.EXECINSTR,
      data: encode(layout.sections.get(name)!),
      align: 8,
    });
    w.addSectionSymbol(name);
  }
  for (const f of layout.functions)
    w.addSymbol({
      name: f.name,
      section: f.section,
      value: f.offset,
      size: f.size,
      bind: f.main ? STB.GLOBAL : STB.LOCAL,
      type: STT.FUNC,
    });
  for (const r of layout.relocations) w.addRelocation(r);
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

function mapVariable(m: MapSpec, index: number, file: string): PlannedMap {
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
  return {
    variable: {
      section: mapSectionName(m),
      name: m.name,
      size: m.valueSize,
      layout: m.name === "extents" ? "extents" : "bytes",
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
