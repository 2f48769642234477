// Label bookkeeping shared by both assembler syntaxes: definitions map a name to an instruction
// index; references are patched once every instruction (and so every slot offset) is known.
import { BpfError, type SourcePos } from "../../diagnostics.js";
import { fitsOff16, slotOffsets, type Insn } from "../insn.js";

export interface LabelRef {
  insnIndex: number;
  label: string;
  /** Jumps keep their distance in `off`; gotol (ja32) and local calls in `imm`. */
  field: "off" | "imm";
  pos: SourcePos;
}

export class Labels {
  private readonly defs = new Map<string, { index: number; pos: SourcePos }>();
  private readonly refs: LabelRef[] = [];

  define(name: string, index: number, pos: SourcePos): void {
    const prev = this.defs.get(name);
    if (prev) {
      throw new BpfError(
        "E0123",
        `label \`${name}\` is defined twice (first at line ${prev.pos.line})`,
        pos,
      );
    }
    this.defs.set(name, { index, pos });
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  refer(ref: LabelRef): void {
    this.refs.push(ref);
  }

  /**
   * Writes each reference's slot distance (target - source - 1) into its instruction.
   * `fallback` resolves names with no definition (the uBPF syntax's implicit `exit` label).
   */
  resolve(insns: Insn[], fallback?: (name: string) => number | undefined): void {
    const slots = slotOffsets(insns);
    for (const ref of this.refs) {
      const target = this.defs.get(ref.label)?.index ?? fallback?.(ref.label);
      if (target === undefined) {
        throw new BpfError("E0122", `undefined label \`${ref.label}\``, ref.pos);
      }
      const distance = slots[target] - slots[ref.insnIndex] - 1;
      if (ref.field === "off") {
        if (!fitsOff16(distance)) {
          throw new BpfError(
            "E0121",
            `jump to \`${ref.label}\` is ${distance} instructions away, beyond the 16-bit offset range; use gotol`,
            ref.pos,
          );
        }
        insns[ref.insnIndex].off = distance;
      } else {
        insns[ref.insnIndex].imm = distance;
      }
    }
  }
}
