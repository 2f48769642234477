// Our own loader of eBPF objects (what `iochain load X.o` uses): the object is read and the
// program linked out of it (bpf/elf/link.ts, the same layout libbpf produces), its global-data
// maps created and filled (read-only ones frozen, as libbpf does), its BTF loaded, and the program
// loaded as a sleepable BPF_PROG_TYPE_SYSCALL program with func_info and line_info, so that the
// verifier's log — and the error of a rejected load — name the source (.ioc) lines.
import { encodeBtf, type BtfType } from "../../bpf/btf.js";
import { BtfStrings } from "../../bpf/btf-types.js";
import { MAX_LINE, MAX_LINE_COL } from "../../bpf/btf-ext.js";
import { linkProgram, type LinkedProgram } from "../../bpf/elf/link.js";
import { readElf, type ElfObject } from "../../bpf/elf/reader.js";
import { readInput } from "../../files.js";
import { KernelError } from "./errors.js";
import { BpfMap } from "./maps.js";
import { type BpfProgram, loadProgram } from "./program.js";
import { loadBtf } from "./btf-load.js";
import { type OwnedFd, requireBpf } from "./syscall.js";
import { verifierStats, type VerifierStats } from "./verifier-stats.js";

/** The ELF sections our loader loads: libbpf's name for sleepable syscall programs. */
export const LOADABLE_SECTIONS = ["syscall"];

export interface ElfLoadOptions {
  /** The program to load (function or section name); needed when the object has several. */
  program?: string;
  /** Log level of the reload after a failed load: 1 (default) or 2 (every instruction's states). */
  logLevel?: 1 | 2;
  logSize?: number;
  /** Count run time and runs (BPF_ENABLE_STATS) while the program is open. */
  runTimeStats?: boolean;
}

/** A loaded object: the program, its maps (in `linked.maps` order), its BTF. close() unloads all. */
export class LoadedObject {
  constructor(
    readonly linked: LinkedProgram,
    readonly program: BpfProgram,
    readonly maps: readonly BpfMap[],
    private readonly btf: OwnedFd | undefined,
    /** The verifier's statistics of the load (BPF_LOG_STATS). */
    readonly stats: VerifierStats | undefined,
  ) {}

  /** A map by its variable (`block`) or section (`.data.block`) name. */
  map(name: string): BpfMap | undefined {
    const i = this.linked.maps.findIndex((m) => m.name === name || m.section === name);
    return i < 0 ? undefined : this.maps[i];
  }

  close(): void {
    this.program.close();
    for (const m of this.maps) m.close();
    this.btf?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

export function loadElfFile(path: string, options: ElfLoadOptions = {}): LoadedObject {
  return loadElf(readElf(readInput(path, "ELF object"), path), options);
}

export function loadElf(obj: ElfObject, options: ElfLoadOptions = {}): LoadedObject {
  requireBpf();
  const linked = linkProgram(obj, options.program);
  if (!LOADABLE_SECTIONS.includes(linked.section)) {
    throw new KernelError(
      "E0811",
      `${obj.file}: program '${linked.name}' is in section '${linked.section}'; iochain loads BPF_PROG_TYPE_SYSCALL programs (section 'syscall')`,
      0,
      linked.section === "xrp_prog"
        ? "XRP objects need an XRP kernel and its loader"
        : "load it with bpftool, which knows every section name",
    );
  }
  const maps: BpfMap[] = [];
  let btfFd: OwnedFd | undefined;
  try {
    for (const spec of linked.maps) {
      // As libbpf makes global-data maps: one mmapable element, read-only ones frozen once filled.
      const map = BpfMap.array({
        valueSize: spec.valueSize,
        readOnlyProg: spec.readOnlyProg,
        name: spec.section,
      });
      maps.push(map);
      if (spec.init.some((b) => b !== 0)) map.update(0, spec.init);
      if (spec.readOnlyProg) map.freeze();
    }
    const kernelBtf = linked.btf ? kernelBtfOf(obj, linked) : undefined;
    if (kernelBtf) btfFd = loadBtf(kernelBtf.bytes, obj.file);
    const program = loadProgram(linked.insns, {
      maps,
      name: linked.name,
      file: obj.file,
      logLevel: options.logLevel,
      logSize: options.logSize,
      stats: options.runTimeStats,
      statsLog: true,
      btf:
        btfFd && kernelBtf
          ? { fd: btfFd.fd, funcInfo: kernelBtf.funcInfo, lineInfo: kernelBtf.lineInfo }
          : undefined,
    });
    return new LoadedObject(linked, program, maps, btfFd, verifierStats(program.loadLog ?? ""));
  } catch (err) {
    for (const m of maps) m.close();
    btfFd?.close();
    throw err;
  }
}

interface KernelBtf {
  bytes: Uint8Array;
  funcInfo: Uint8Array;
  lineInfo: Uint8Array;
}

/**
 * The object's BTF as the kernel takes it, and the func_info/line_info records pointing into it.
 * The BTF is re-encoded from its types so that it can be fixed up as libbpf does: clang leaves
 * DATASEC sizes and variable offsets 0, which the kernel refuses; they come from the sections and
 * symbols. (Our own objects already carry them.)
 */
function kernelBtfOf(obj: ElfObject, linked: LinkedProgram): KernelBtf {
  const types: BtfType[] = linked.btf!.types.map((t) => {
    if (t.kind !== "datasec" || t.size !== 0) return t;
    const section = obj.section(t.name);
    if (!section) return t;
    const vars = t.vars.map((v) => {
      const variable = linked.btf!.type(v.type);
      const symbol =
        variable && "name" in variable
          ? obj.symbols.find((s) => s.name === variable.name && s.shndx === section.index)
          : undefined;
      return symbol ? { ...v, offset: symbol.value } : v;
    });
    return { ...t, size: section.size, vars: vars.sort((a, b) => a.offset - b.offset) };
  });
  const strings = new BtfStrings();
  const lineInfo = new Uint8Array(16 * linked.lineInfo.length);
  const lv = new DataView(lineInfo.buffer);
  linked.lineInfo.forEach((r, i) => {
    lv.setUint32(16 * i, r.insn, true);
    lv.setUint32(16 * i + 4, strings.add(r.file), true);
    lv.setUint32(16 * i + 8, strings.add(r.lineText), true);
    lv.setUint32(
      16 * i + 12,
      ((Math.min(r.line, MAX_LINE) << 10) | Math.min(r.col, MAX_LINE_COL)) >>> 0,
      true,
    );
  });
  const funcInfo = new Uint8Array(8 * linked.funcInfo.length);
  const fv = new DataView(funcInfo.buffer);
  linked.funcInfo.forEach((r, i) => {
    fv.setUint32(8 * i, r.insn, true);
    fv.setUint32(8 * i + 4, r.typeId, true);
  });
  return { bytes: encodeBtf(types, strings), funcInfo, lineInfo };
}
