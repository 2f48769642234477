// A whole object file in the layout of `llvm-objdump -d [-r] --mcpu=v4`: the file line, then each
// non-empty executable section with its symbols as headers, jump targets named after them, and
// (with `relocations`) the relocation lines under the instructions they patch.
import { disassemble, type ListingSymbol } from "../disasm.js";
import { STT } from "./constants.js";
import type { ElfObject, ElfProgramSection, ElfSymbol } from "./reader.js";

export interface ObjdumpOptions {
  /** Show raw instruction bytes (llvm-objdump's default). Default true. */
  rawInsn?: boolean;
  /** Print relocation lines, as `llvm-objdump -r`. Default false. */
  relocations?: boolean;
  /** The file name for the first line; default the name the object was read from. */
  fileName?: string;
  /** See FormatOptions.lossless in disasm.ts. */
  lossless?: boolean;
}

/** Symbols llvm-objdump lists as headers in a section: everything but section and file symbols. */
export function listingSymbols(obj: ElfObject, program: ElfProgramSection): ListingSymbol[] {
  const shown = (s: ElfSymbol) =>
    s.shndx === program.section.index &&
    s.type !== STT.SECTION &&
    s.type !== STT.FILE &&
    s.name !== "";
  const symbols = obj.symbols
    .filter(shown)
    .sort((a, b) => a.value - b.value || a.index - b.index)
    .map((s) => ({ slot: Math.floor(s.value / 8), name: s.name }));
  // With no symbol at its start, a section is listed under its own name.
  if (!symbols.some((s) => s.slot === 0)) symbols.unshift({ slot: 0, name: program.section.name });
  return symbols;
}

export function disassembleObject(obj: ElfObject, opts: ObjdumpOptions = {}): string {
  const parts = [`\n${opts.fileName ?? obj.file}:\tfile format elf64-bpf\n`];
  for (const program of obj.programs) {
    if (program.insns.length === 0) continue;
    const listing = disassemble(program.insns, {
      rawInsn: opts.rawInsn,
      lossless: opts.lossless,
      symbols: listingSymbols(obj, program),
      relocations: opts.relocations
        ? program.relocations.map((r) => ({
            offset: r.offset,
            type: r.typeName,
            symbol: r.symbol.name,
          }))
        : undefined,
    });
    parts.push(`Disassembly of section ${program.section.name}:\n${listing}`);
  }
  return parts.join("\n");
}
