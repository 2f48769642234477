// Picks the program to run or list out of an ELF object.
import type { Insn } from "../bpf/insn.js";
import { readElf } from "../bpf/elf/reader.js";
import { IochainError } from "../diagnostics.js";

/** The named executable section, or the first non-empty one. */
export function readElfProgram(bytes: Uint8Array, file: string, section?: string): Insn[] {
  const obj = readElf(bytes, file);
  const programs = obj.programs.filter((p) => p.insns.length > 0);
  const chosen = section ? programs.find((p) => p.section.name === section) : programs[0];
  if (!chosen) {
    const names = programs.map((p) => p.section.name).join(", ") || "none";
    throw new IochainError(
      "E0909",
      section
        ? `${file}: no executable section named '${section}'`
        : `${file}: the object has no code`,
      undefined,
      `executable sections with code: ${names}`,
    );
  }
  return chosen.insns;
}
