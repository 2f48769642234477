// Lays out an ELF64 little-endian relocatable object for EM_BPF: sections in the order added, one
// `.strtab` holding both section and symbol names (as clang does), a `.symtab` with the local
// symbols first (the gABI requires it; sh_info = first global), and one `.rel<section>` (SHT_REL)
// per section that has relocations. Knows nothing about programs or maps: writer.ts decides those.
import { internalError } from "../../diagnostics.js";
import { BtfStrings } from "../btf-types.js";
import {
  EHDR_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFOSABI_NONE,
  ELF_MAGIC,
  EM_BPF,
  ET_REL,
  EV_CURRENT,
  REL_SIZE,
  SECTION,
  SHDR_SIZE,
  SHF,
  SHN,
  SHT,
  STB,
  STT,
  STV,
  SYM_SIZE,
  symInfo,
} from "./constants.js";

export interface SectionSpec {
  name: string;
  type: number;
  flags: number;
  /** Contents; for SHT_NOBITS only its length counts. */
  data: Uint8Array;
  align: number;
  entsize?: number;
}

export interface SymbolSpec {
  name: string;
  /** Name of the section the symbol is defined in; undefined for SHN_ABS (file symbols). */
  section?: string;
  value: number;
  size: number;
  bind: number;
  type: number;
  visibility?: number;
}

export interface RelocationSpec {
  /** Section the relocation applies to, and the byte offset in it. */
  section: string;
  offset: number;
  type: number;
  /** A symbol's name, or a section's name for its STT_SECTION symbol. */
  symbol: string;
}

export class ElfObjectWriter {
  private readonly sections: SectionSpec[] = [];
  private readonly symbols: SymbolSpec[] = [];
  private readonly relocations: RelocationSpec[] = [];
  private readonly sectionSymbols = new Set<string>();

  addSection(spec: SectionSpec): void {
    if (this.sections.some((s) => s.name === spec.name))
      throw internalError(`ELF writer: section ${spec.name} added twice`);
    this.sections.push(spec);
  }

  addSymbol(spec: SymbolSpec): void {
    this.symbols.push(spec);
  }

  /** An STT_SECTION symbol for `section` (relocations against the section itself need one). */
  addSectionSymbol(section: string): void {
    this.sectionSymbols.add(section);
  }

  addRelocation(spec: RelocationSpec): void {
    this.relocations.push(spec);
  }

  build(): Uint8Array {
    // Same shape as BTF's: NUL-terminated, offset 0 is "", equal strings shared.
    const strtab = new BtfStrings();
    // Section indices: 0 null, then the .strtab, the user sections each followed by its .rel, then .symtab.
    interface Laid extends SectionSpec {
      link: number;
      info: number;
      nameOff: number;
    }
    const laid: Laid[] = [];
    const indexOf = new Map<string, number>();
    const push = (s: Omit<Laid, "nameOff">): number => {
      laid.push({ ...s, nameOff: strtab.add(s.name) });
      indexOf.set(s.name, laid.length); // +1 for the null section
      return laid.length;
    };
    const strtabIndex = push({
      name: SECTION.STRTAB,
      type: SHT.STRTAB,
      flags: 0,
      data: new Uint8Array(),
      align: 1,
      link: 0,
      info: 0,
    });
    const relocated = new Set(this.relocations.map((r) => r.section));
    const relPlaceholders: { rel: number; target: string }[] = [];
    for (const s of this.sections) {
      push({ ...s, link: 0, info: 0 });
      if (relocated.has(s.name)) {
        const rel = push({
          name: `.rel${s.name}`,
          type: SHT.REL,
          flags: SHF.INFO_LINK,
          data: new Uint8Array(),
          align: 8,
          entsize: REL_SIZE,
          link: 0,
          info: indexOf.get(s.name)!,
        });
        relPlaceholders.push({ rel, target: s.name });
      }
    }
    for (const r of this.relocations)
      if (!indexOf.has(r.section))
        throw internalError(`ELF writer: relocation in unknown section ${r.section}`);

    // Symbols: null, section symbols, other locals, then globals.
    const sectionIndex = (name: string | undefined): number => {
      if (name === undefined) return SHN.ABS;
      const i = indexOf.get(name);
      if (i === undefined) throw internalError(`ELF writer: symbol in unknown section ${name}`);
      return i;
    };
    const ordered: {
      nameOff: number;
      info: number;
      other: number;
      shndx: number;
      value: number;
      size: number;
      key: string;
    }[] = [];
    ordered.push({ nameOff: 0, info: 0, other: 0, shndx: SHN.UNDEF, value: 0, size: 0, key: "" });
    const files = this.symbols.filter((s) => s.type === STT.FILE);
    const others = this.symbols.filter((s) => s.type !== STT.FILE);
    const symbolRecord = (s: SymbolSpec) => ({
      nameOff: strtab.add(s.name),
      info: symInfo(s.bind, s.type),
      other: s.visibility ?? STV.DEFAULT,
      shndx: sectionIndex(s.section),
      value: s.value,
      size: s.size,
      key: `sym:${s.name}`,
    });
    for (const s of files) ordered.push(symbolRecord(s));
    for (const name of this.sections.map((s) => s.name).filter((n) => this.sectionSymbols.has(n)))
      ordered.push({
        nameOff: 0,
        info: symInfo(STB.LOCAL, STT.SECTION),
        other: 0,
        shndx: sectionIndex(name),
        value: 0,
        size: 0,
        key: `sec:${name}`,
      });
    for (const s of others.filter((s) => s.bind === STB.LOCAL)) ordered.push(symbolRecord(s));
    const firstGlobal = ordered.length;
    for (const s of others.filter((s) => s.bind !== STB.LOCAL)) ordered.push(symbolRecord(s));
    const symbolIndex = new Map<string, number>();
    ordered.forEach((s, i) => {
      if (!symbolIndex.has(s.key)) symbolIndex.set(s.key, i);
    });

    const symtab = new Uint8Array(ordered.length * SYM_SIZE);
    const sv = new DataView(symtab.buffer);
    ordered.forEach((s, i) => {
      const at = i * SYM_SIZE;
      sv.setUint32(at, s.nameOff, true);
      sv.setUint8(at + 4, s.info);
      sv.setUint8(at + 5, s.other);
      sv.setUint16(at + 6, s.shndx, true);
      sv.setBigUint64(at + 8, BigInt(s.value), true);
      sv.setBigUint64(at + 16, BigInt(s.size), true);
    });
    const symtabIndex = push({
      name: SECTION.SYMTAB,
      type: SHT.SYMTAB,
      flags: 0,
      data: symtab,
      align: 8,
      entsize: SYM_SIZE,
      link: strtabIndex,
      info: firstGlobal,
    });

    for (const { rel, target } of relPlaceholders) {
      const list = this.relocations
        .filter((r) => r.section === target)
        .sort((a, b) => a.offset - b.offset);
      const data = new Uint8Array(list.length * REL_SIZE);
      const rv = new DataView(data.buffer);
      list.forEach((r, i) => {
        const sym = symbolIndex.get(`sym:${r.symbol}`) ?? symbolIndex.get(`sec:${r.symbol}`);
        if (sym === undefined)
          throw internalError(`ELF writer: relocation against unknown symbol ${r.symbol}`);
        rv.setBigUint64(i * REL_SIZE, BigInt(r.offset), true);
        rv.setBigUint64(i * REL_SIZE + 8, (BigInt(sym) << 32n) | BigInt(r.type), true);
      });
      laid[rel - 1].data = data;
      laid[rel - 1].link = symtabIndex;
    }
    laid[strtabIndex - 1].data = strtab.bytes();

    // File layout: header, section contents (aligned), then the section header table.
    let at = EHDR_SIZE;
    const offsets = laid.map((s) => {
      if (s.type === SHT.NOBITS) return align(at, s.align);
      at = align(at, s.align);
      const here = at;
      at += s.data.length;
      return here;
    });
    const shoff = align(at, 8);
    const out = new Uint8Array(shoff + (laid.length + 1) * SHDR_SIZE);
    const v = new DataView(out.buffer);
    out.set(ELF_MAGIC, 0);
    out[4] = ELFCLASS64;
    out[5] = ELFDATA2LSB;
    out[6] = EV_CURRENT;
    out[7] = ELFOSABI_NONE;
    v.setUint16(0x10, ET_REL, true);
    v.setUint16(0x12, EM_BPF, true);
    v.setUint32(0x14, EV_CURRENT, true);
    v.setBigUint64(0x28, BigInt(shoff), true);
    v.setUint16(0x34, EHDR_SIZE, true);
    v.setUint16(0x3a, SHDR_SIZE, true);
    v.setUint16(0x3c, laid.length + 1, true);
    v.setUint16(0x3e, strtabIndex, true);
    laid.forEach((s, i) => {
      if (s.type !== SHT.NOBITS) out.set(s.data, offsets[i]);
      const h = shoff + (i + 1) * SHDR_SIZE;
      v.setUint32(h, s.nameOff, true);
      v.setUint32(h + 4, s.type, true);
      v.setBigUint64(h + 8, BigInt(s.flags), true);
      v.setBigUint64(h + 0x18, BigInt(offsets[i]), true);
      v.setBigUint64(h + 0x20, BigInt(s.data.length), true);
      v.setUint32(h + 0x28, s.link, true);
      v.setUint32(h + 0x2c, s.info, true);
      v.setBigUint64(h + 0x30, BigInt(s.align), true);
      v.setBigUint64(h + 0x38, BigInt(s.entsize ?? 0), true);
    });
    return out;
  }
}

const align = (n: number, a: number): number => (a > 1 ? Math.ceil(n / a) * a : n);
