// Back-end pass tests state IR as text and look at one pass's output: IR after a rewrite, block
// order, intervals, the register map, stack offsets, or the instructions (disassembled).
import { formatInsn } from "../../../src/bpf/disasm.js";
import type { Insn } from "../../../src/bpf/insn.js";
import type { Module } from "../../../src/compiler/ir/ir.js";
import { parseIr } from "../../../src/compiler/ir/parse.js";
import { blockLabel } from "../../../src/compiler/ir/print.js";
import { ir } from "../opt/helpers.js";

export { ir };

export const parse = (text: string): Module => parseIr(ir(text));

/** One instruction a line, as llvm-objdump prints it (mnemonics kept, addresses and bytes not). */
export const asm = (insns: readonly Insn[]): string =>
  insns.map((i) => formatInsn(i).replace(/\t/g, " ")).join("\n");

export const labels = (blocks: readonly { id: number; name?: string }[]): string =>
  blocks.map((b) => blockLabel(b as Parameters<typeof blockLabel>[0])).join(" ");
