// iochain disasm --json: the listing as data (docs/schemas/disasm.schema.json). Each instruction
// with its byte offset in its section, its bytes in hex, the text the listing prints and, for an
// object with line info (.BTF.ext), the source line it came from.
import { readBtfExt, type LineInfo } from "../bpf/btf-ext.js";
import { readBtf } from "../bpf/btf-read.js";
import { formatInsn, symbolNamer } from "../bpf/disasm.js";
import { SECTION } from "../bpf/elf/constants.js";
import { listingSymbols } from "../bpf/elf/objdump.js";
import type { ElfObject } from "../bpf/elf/reader.js";
import { encode, slotOffsets, type Insn } from "../bpf/insn.js";

interface SourcePosition {
  file: string;
  line: number;
  column: number;
  text: string;
}

interface InstructionJson {
  offset: number;
  bytes: string;
  text: string;
  source: SourcePosition | null;
}

interface SectionJson {
  /** null for raw bytecode, which has no sections. */
  name: string | null;
  symbols: { name: string; offset: number }[];
  instructions: InstructionJson[];
}

export interface DisasmJson {
  file: string;
  format: "elf" | "raw";
  sections: SectionJson[];
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function listSection(
  name: string | null,
  insns: readonly Insn[],
  symbols: { slot: number; name: string }[],
  lines: readonly LineInfo[],
  lossless: boolean,
): SectionJson {
  const slots = slotOffsets(insns);
  const targetName = symbols.length > 0 ? symbolNamer(symbols) : undefined;
  // A line record covers its instruction and those after it, up to the next record.
  const sorted = [...lines].sort((a, b) => a.insnOff - b.insnOff);
  let next = 0;
  let covering: LineInfo | undefined;
  const instructions = insns.map((insn, i): InstructionJson => {
    const offset = slots[i] * 8;
    while (next < sorted.length && sorted[next].insnOff <= offset) covering = sorted[next++];
    return {
      offset,
      bytes: hex(encode([insn])),
      text: formatInsn(insn, slots[i], { targetName, lossless }),
      source: covering
        ? {
            file: covering.file,
            line: covering.line,
            column: covering.col,
            text: covering.lineText,
          }
        : null,
    };
  });
  return {
    name,
    symbols: symbols.map((s) => ({ name: s.name, offset: s.slot * 8 })),
    instructions,
  };
}

export function objectJson(obj: ElfObject, lossless: boolean): DisasmJson {
  const btfSection = obj.section(SECTION.BTF);
  const extSection = obj.section(SECTION.BTF_EXT);
  const btf = btfSection ? readBtf(btfSection.data, obj.file) : undefined;
  const ext = btf && extSection ? readBtfExt(extSection.data, btf, obj.file) : undefined;
  return {
    file: obj.file,
    format: "elf",
    sections: obj.programs
      .filter((p) => p.insns.length > 0)
      .map((p) =>
        listSection(
          p.section.name,
          p.insns,
          listingSymbols(obj, p),
          ext?.lineInfo.find((s) => s.section === p.section.name)?.records ?? [],
          lossless,
        ),
      ),
  };
}

export const rawJson = (file: string, insns: readonly Insn[], lossless: boolean): DisasmJson => ({
  file,
  format: "raw",
  sections: [listSection(null, insns, [], [], lossless)],
});
