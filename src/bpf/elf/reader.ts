// Reader of ELF64 little-endian eBPF objects (what clang -target bpf and our writer produce):
// sections, symbols, relocations, the program sections split into functions, and the license.
// Every offset and index is checked, so a truncated or malformed file gives a BpfError (E013x)
// naming what is wrong, never an exception from a DataView.
import { readFileSync } from "node:fs";
import { BpfError } from "../../diagnostics.js";
import { decode, type Insn, slotOffsets } from "../insn.js";
import {
  EHDR_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELF_MAGIC,
  EM_BPF,
  REL_SIZE,
  RELA_SIZE,
  SECTION,
  SHDR_SIZE,
  SHF,
  SHN,
  SHT,
  STT,
  SYM_SIZE,
  relocationTypeName,
} from "./constants.js";

export interface ElfHeader {
  type: number;
  machine: number;
  version: number;
  flags: number;
  shstrndx: number;
}

export interface ElfSection {
  index: number;
  name: string;
  /** Offset of the name in the section name string table. */
  nameOffset: number;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  /** The section's bytes (empty for SHT_NOBITS). A view into the file. */
  data: Uint8Array;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  bind: number;
  type: number;
  visibility: number;
  shndx: number;
}

export interface ElfRelocation {
  /** Byte offset in the section the relocation applies to. */
  offset: number;
  type: number;
  typeName: string;
  symbol: ElfSymbol;
  /** Present for SHT_RELA. */
  addend?: bigint;
}

export interface ElfFunction {
  name: string;
  symbol: ElfSymbol;
  /** First slot (8-byte unit) of the function in its section, and its slot count. */
  slot: number;
  slots: number;
  /** Index range [first, end) of its instructions in the section's `insns`. */
  first: number;
  end: number;
}

/** An executable section: its instructions, functions and relocations. */
export interface ElfProgramSection {
  section: ElfSection;
  insns: Insn[];
  functions: ElfFunction[];
  relocations: ElfRelocation[];
}

export interface ElfObject {
  file: string;
  header: ElfHeader;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  /** Relocations by the index of the section they apply to. */
  relocations: Map<number, ElfRelocation[]>;
  /** Sections with SHF_EXECINSTR, in file order (empty ones included). */
  programs: ElfProgramSection[];
  license?: string;
  section(name: string): ElfSection | undefined;
}

/** Bounds-checked little-endian reads over the file. */
class Bytes {
  readonly view: DataView;
  constructor(
    readonly data: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  need(offset: number, length: number, what: string): void {
    if (
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.data.length
    ) {
      throw new BpfError(
        "E0131",
        `${this.file}: ${what} (bytes ${offset}..${offset + length}) lies past the end of the file (${this.data.length} bytes): the file is truncated or corrupt`,
      );
    }
  }
  u8(at: number): number {
    return this.view.getUint8(at);
  }
  u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  /** A 64-bit field that must be a usable offset or size. */
  u64(at: number, what: string): number {
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new BpfError(
        "E0131",
        `${this.file}: ${what} ${v} is absurdly large: the file is corrupt`,
      );
    return Number(v);
  }
  i64(at: number): bigint {
    return this.view.getBigInt64(at, true);
  }
}

export function readElfFile(path: string): ElfObject {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new BpfError("E0130", `cannot read ${path}: ${(err as Error).message}`);
  }
  return readElf(bytes, path);
}

export function readElf(data: Uint8Array, file = "<elf>"): ElfObject {
  const b = new Bytes(data, file);
  const header = readHeader(b);
  const shoff = b.u64(0x28, "section header offset");
  const shnum = b.u16(0x3c);
  if (b.u16(0x3a) !== SHDR_SIZE && shnum > 0) {
    throw new BpfError(
      "E0130",
      `${file}: section header entries are ${b.u16(0x3a)} bytes, expected ${SHDR_SIZE}`,
    );
  }
  b.need(shoff, shnum * SHDR_SIZE, `the section header table (${shnum} entries)`);
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) sections.push(readSectionHeader(b, shoff + i * SHDR_SIZE, i));
  if (header.shstrndx >= shnum && shnum > 0) {
    throw new BpfError(
      "E0132",
      `${file}: the section name table index ${header.shstrndx} is not a section (there are ${shnum})`,
    );
  }
  const shstr = sections[header.shstrndx];
  for (const s of sections)
    s.name = shstr ? cString(b, shstr, s.nameOffset, `the name of section ${s.index}`) : "";

  const symtab = sections.find((s) => s.type === SHT.SYMTAB);
  const symbols = symtab ? readSymbols(b, sections, symtab) : [];
  const relocations = new Map<number, ElfRelocation[]>();
  for (const s of sections) {
    if (s.type !== SHT.REL && s.type !== SHT.RELA) continue;
    if (s.info >= sections.length)
      throw new BpfError(
        "E0132",
        `${file}: relocation section ${s.name} applies to section ${s.info}, which does not exist`,
      );
    const list = relocations.get(s.info) ?? [];
    list.push(...readRelocations(b, s, symbols, sections[s.info]));
    relocations.set(s.info, list);
  }
  for (const list of relocations.values()) list.sort((x, y) => x.offset - y.offset);

  const programs = sections
    .filter((s) => s.type === SHT.PROGBITS && (s.flags & SHF.EXECINSTR) !== 0)
    .map((s) => readProgram(file, s, symbols, relocations.get(s.index) ?? []));
  const licenseSection = sections.find((s) => s.name === SECTION.LICENSE);
  const license = licenseSection
    ? new TextDecoder().decode(licenseSection.data).replace(/\0[\s\S]*$/, "")
    : undefined;
  return {
    file,
    header,
    sections,
    symbols,
    relocations,
    programs,
    license,
    section: (name) => sections.find((s) => s.name === name),
  };
}

function readHeader(b: Bytes): ElfHeader {
  const { file } = b;
  if (b.data.length < 4 || ELF_MAGIC.some((m, i) => b.data[i] !== m)) {
    throw new BpfError("E0130", `${file}: not an ELF file (no \\x7fELF magic)`);
  }
  b.need(0, EHDR_SIZE, "the ELF header");
  if (b.u8(4) !== ELFCLASS64)
    throw new BpfError("E0130", `${file}: only 64-bit ELF is supported (class ${b.u8(4)})`);
  if (b.u8(5) !== ELFDATA2LSB)
    throw new BpfError(
      "E0130",
      `${file}: only little-endian ELF is supported (data encoding ${b.u8(5)})`,
    );
  const machine = b.u16(0x12);
  if (machine !== EM_BPF)
    throw new BpfError(
      "E0130",
      `${file}: not an eBPF object (e_machine ${machine}, expected ${EM_BPF} EM_BPF)`,
    );
  return {
    type: b.u16(0x10),
    machine,
    version: b.u32(0x14),
    flags: b.u32(0x30),
    shstrndx: b.u16(0x3e),
  };
}

function readSectionHeader(b: Bytes, at: number, index: number): ElfSection {
  const type = b.u32(at + 4);
  const offset = b.u64(at + 0x18, `section ${index} offset`);
  const size = b.u64(at + 0x20, `section ${index} size`);
  const section: ElfSection = {
    index,
    name: "",
    nameOffset: b.u32(at),
    type,
    flags: Number(b.view.getBigUint64(at + 8, true) & 0xffffffffn),
    offset,
    size,
    link: b.u32(at + 0x28),
    info: b.u32(at + 0x2c),
    addralign: b.u64(at + 0x30, `section ${index} alignment`),
    entsize: b.u64(at + 0x38, `section ${index} entry size`),
    data: new Uint8Array(),
  };
  if (type !== SHT.NOBITS && type !== SHT.NULL) {
    b.need(offset, size, `the contents of section ${index}`);
    section.data = b.data.subarray(offset, offset + size);
  }
  return section;
}

/** A NUL-terminated string at `offset` of a string table section. */
function cString(b: Bytes, table: ElfSection, offset: number, what: string): string {
  if (table.type !== SHT.STRTAB)
    throw new BpfError(
      "E0132",
      `${b.file}: ${what} refers to section ${table.index}, which is not a string table`,
    );
  if (offset >= table.data.length) {
    if (offset === 0 && table.data.length === 0) return "";
    throw new BpfError(
      "E0132",
      `${b.file}: ${what} is at offset ${offset}, past the end of string table ${table.index} (${table.data.length} bytes)`,
    );
  }
  const end = table.data.indexOf(0, offset);
  if (end < 0)
    throw new BpfError(
      "E0132",
      `${b.file}: ${what} is not NUL-terminated in string table ${table.index}`,
    );
  return new TextDecoder().decode(table.data.subarray(offset, end));
}

function readSymbols(b: Bytes, sections: ElfSection[], symtab: ElfSection): ElfSymbol[] {
  if (symtab.size % SYM_SIZE !== 0) {
    throw new BpfError(
      "E0132",
      `${b.file}: the symbol table size ${symtab.size} is not a multiple of ${SYM_SIZE}`,
    );
  }
  const strtab = sections[symtab.link];
  if (!strtab)
    throw new BpfError(
      "E0132",
      `${b.file}: the symbol table links to section ${symtab.link}, which does not exist`,
    );
  const out: ElfSymbol[] = [];
  for (let i = 0; i < symtab.size / SYM_SIZE; i++) {
    const at = symtab.offset + i * SYM_SIZE;
    const info = b.u8(at + 4);
    const shndx = b.u16(at + 6);
    const symbol: ElfSymbol = {
      index: i,
      name: cString(b, strtab, b.u32(at), `the name of symbol ${i}`),
      value: b.u64(at + 8, `symbol ${i} value`),
      size: b.u64(at + 16, `symbol ${i} size`),
      bind: info >> 4,
      type: info & 0xf,
      visibility: b.u8(at + 5) & 3,
      shndx,
    };
    // A section symbol has no name of its own; tools show the section's.
    if (symbol.type === STT.SECTION && symbol.name === "" && shndx < sections.length)
      symbol.name = sections[shndx].name;
    if (shndx !== SHN.UNDEF && shndx < SHN.LORESERVE && shndx >= sections.length) {
      throw new BpfError(
        "E0132",
        `${b.file}: symbol ${i} (${symbol.name}) is in section ${shndx}, which does not exist`,
      );
    }
    out.push(symbol);
  }
  return out;
}

function readRelocations(
  b: Bytes,
  rel: ElfSection,
  symbols: ElfSymbol[],
  target: ElfSection,
): ElfRelocation[] {
  const entry = rel.type === SHT.RELA ? RELA_SIZE : REL_SIZE;
  if (rel.size % entry !== 0) {
    throw new BpfError(
      "E0132",
      `${b.file}: relocation section ${rel.name} size ${rel.size} is not a multiple of ${entry}`,
    );
  }
  const out: ElfRelocation[] = [];
  for (let i = 0; i < rel.size / entry; i++) {
    const at = rel.offset + i * entry;
    const offset = b.u64(at, `relocation ${i} of ${rel.name} offset`);
    const type = b.u32(at + 8);
    const symIndex = b.u32(at + 12);
    const symbol = symbols[symIndex];
    if (!symbol)
      throw new BpfError(
        "E0132",
        `${b.file}: relocation ${i} of ${rel.name} names symbol ${symIndex}, which does not exist`,
      );
    if (offset >= target.size && target.type !== SHT.NOBITS) {
      throw new BpfError(
        "E0132",
        `${b.file}: relocation ${i} of ${rel.name} at offset ${offset} lies outside ${target.name} (${target.size} bytes)`,
      );
    }
    const r: ElfRelocation = { offset, type, typeName: relocationTypeName(type), symbol };
    if (rel.type === SHT.RELA) r.addend = b.i64(at + 16);
    out.push(r);
  }
  return out;
}

function readProgram(
  file: string,
  section: ElfSection,
  symbols: ElfSymbol[],
  relocations: ElfRelocation[],
): ElfProgramSection {
  const insns = decode(section.data, `${file}: section ${section.name}`);
  const slots = slotOffsets(insns);
  const total = slots[insns.length];
  const indexOfSlot = new Map(slots.map((s, i) => [s, i]));
  const funcs = symbols
    .filter((s) => s.shndx === section.index && s.type === STT.FUNC)
    .sort((x, y) => x.value - y.value);
  const functions: ElfFunction[] = funcs.map((sym, k) => {
    if (sym.value % 8 !== 0 || sym.value / 8 > total) {
      throw new BpfError(
        "E0132",
        `${file}: function ${sym.name} starts at byte ${sym.value}, not an instruction of ${section.name}`,
      );
    }
    const slot = sym.value / 8;
    const endSlot =
      sym.size > 0
        ? Math.min(total, slot + Math.ceil(sym.size / 8))
        : (funcs[k + 1]?.value ?? total * 8) / 8;
    const first = indexOfSlot.get(slot);
    const end = indexOfSlot.get(endSlot) ?? insns.length;
    if (first === undefined)
      throw new BpfError(
        "E0132",
        `${file}: function ${sym.name} starts inside an lddw of ${section.name}`,
      );
    return { name: sym.name, symbol: sym, slot, slots: endSlot - slot, first, end };
  });
  return { section, insns, functions, relocations };
}
