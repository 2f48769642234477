// Reads a program in any of the forms a user hands the CLI: raw bytecode, an ELF object, or
// assembly text in uBPF or kernel/LLVM syntax.
import { extname } from "node:path";
import { assembleLlvm } from "../bpf/asm/llvm.js";
import { assembleUbpf } from "../bpf/asm/ubpf.js";
import { decode, type Insn } from "../bpf/insn.js";
import { IochainError } from "../diagnostics.js";
import { readInput } from "../files.js";

export type AsmSyntax = "ubpf" | "llvm";

export interface ProgramInput {
  insns: Insn[];
  /** Which form the file held. */
  form: "raw" | "elf" | AsmSyntax;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const ASM_EXTENSIONS = new Set([".s", ".asm", ".S"]);

export function isElf(bytes: Uint8Array): boolean {
  return ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/** uBPF syntax names registers `%r0`; the kernel/LLVM syntax writes `r0`. */
export function detectSyntax(text: string): AsmSyntax {
  return /%r\d/.test(text) ? "ubpf" : "llvm";
}

export function assemble(
  text: string,
  file: string,
  syntax: AsmSyntax = detectSyntax(text),
): Insn[] {
  return syntax === "ubpf" ? assembleUbpf(text, file) : assembleLlvm(text, file);
}

/** A program file's bytes; an empty file is an error, not an empty program. */
export function readProgramBytes(path: string): Buffer {
  const bytes = readInput(path, "program");
  if (bytes.length === 0) {
    throw new IochainError(
      "E0906",
      `${path}: the file is empty`,
      undefined,
      "pass bytecode, an ELF object or assembly text",
    );
  }
  return bytes;
}

export async function readProgram(
  path: string,
  syntax?: AsmSyntax,
  section?: string,
): Promise<ProgramInput> {
  const bytes = readProgramBytes(path);
  if (isElf(bytes)) {
    const { readElfProgram } = await import("./elf-input.js");
    return { insns: readElfProgram(bytes, path, section), form: "elf" };
  }
  if (syntax || ASM_EXTENSIONS.has(extname(path)) || looksLikeText(bytes)) {
    const text = bytes.toString("utf8");
    const chosen = syntax ?? detectSyntax(text);
    return { insns: assemble(text, path, chosen), form: chosen };
  }
  return { insns: decode(bytes, path), form: "raw" };
}

/** Printable ASCII and whitespace only: assembly text rather than bytecode. */
function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096);
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b !== 0x09 && b !== 0x0a && b !== 0x0d && (b < 0x20 || b > 0x7e)) return false;
  }
  return true;
}
