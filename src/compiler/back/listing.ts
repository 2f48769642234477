// The `--emit asm` listing: our disassembly (llvm-objdump syntax, so it diffs against clang's)
// with each run of instructions headed by the .ioc line that produced it, as `objdump -S` does.
import { formatInsn } from "../../bpf/disasm.js";
import { slotOffsets } from "../../bpf/insn.js";
import type { ProgramArtifact } from "../../abi/artifact.js";

/** `sources` maps a file name to its text; lines of files not given are shown as file:line only. */
export function formatListing(
  artifact: ProgramArtifact,
  sources: ReadonlyMap<string, string> = new Map(),
): string {
  const lines = [
    `; ${artifact.name}: ${artifact.insns.length} instructions, block ${artifact.blockSize} B, max chain ${artifact.maxChain}`,
  ];
  const split = new Map<string, string[]>();
  const sourceLine = (file: string, line: number): string | undefined => {
    if (!split.has(file)) split.set(file, sources.get(file)?.split(/\r?\n/) ?? []);
    return split.get(file)![line - 1]?.trim();
  };
  const slots = slotOffsets(artifact.insns);
  let last = "";
  artifact.insns.forEach((insn, i) => {
    const pos = insn.pos;
    const where = pos ? `${pos.file}:${pos.line}` : "";
    if (where !== last) {
      if (pos) {
        const text = sourceLine(pos.file, pos.line);
        lines.push(`; ${baseName(pos.file)}:${pos.line}${text ? `  ${text}` : ""}`);
      }
      last = where;
    }
    lines.push(`${String(slots[i]).padStart(8)}:\t${formatInsn(insn, slots[i])}`);
  });
  return lines.join("\n") + "\n";
}

const baseName = (file: string): string => file.slice(file.lastIndexOf("/") + 1);
