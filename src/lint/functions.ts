// The functions of a final instruction stream (entry, BPF-to-BPF callees, bpf_loop callbacks), their
// stack use and who calls whom: what the verifier's stack and call-depth limits are about.
import { type Insn, slotOffsets } from "../bpf/insn.js";
import {
  Alu,
  Class,
  Jmp,
  LD_IMM64,
  PseudoCall,
  PseudoLd,
  classOf,
  opOf,
  srcOf,
} from "../bpf/opcodes.js";

export interface BpfFunction {
  entry: number;
  end: number;
  /** Bytes of stack below r10 the function touches (before the kernel rounds it up to 32). */
  stack: number;
  /** Entries of the functions it calls (locally or as a bpf_loop callback). */
  calls: number[];
}

/** Splits `insns` into functions. */
export function functionsOf(insns: readonly Insn[]): BpfFunction[] {
  const slots = slotOffsets(insns);
  const bySlot = new Map<number, number>();
  slots.forEach((s, i) => bySlot.set(s, i));
  const target = (pc: number, off: number) => bySlot.get(slots[pc] + 1 + off) ?? -1;
  const entries = new Set<number>([0]);
  insns.forEach((insn, pc) => {
    if (
      classOf(insn.code) === Class.JMP &&
      opOf(insn.code) === Jmp.CALL &&
      insn.src === PseudoCall.LOCAL
    )
      entries.add(target(pc, insn.imm));
    if (insn.code === LD_IMM64 && insn.src === PseudoLd.FUNC) entries.add(target(pc, insn.imm));
  });
  const sorted = [...entries].filter((e) => e >= 0).sort((a, b) => a - b);
  return sorted.map((entry, k) => {
    const end = k + 1 < sorted.length ? sorted[k + 1] : insns.length;
    let stack = 0;
    const calls: number[] = [];
    // Registers holding r10 + constant, followed in order (the compiler's address arithmetic).
    const fp = new Map<number, number>();
    for (let pc = entry; pc < end; pc++) {
      const insn = insns[pc];
      const cls = classOf(insn.code);
      const touch = (off: number) => (stack = Math.max(stack, -off));
      if ((cls === Class.STX || cls === Class.ST) && insn.dst === 10) touch(insn.off);
      else if (cls === Class.LDX && insn.src === 10) touch(insn.off);
      else if ((cls === Class.STX || cls === Class.ST) && fp.has(insn.dst))
        touch(fp.get(insn.dst)! + insn.off);
      else if (cls === Class.LDX && fp.has(insn.src)) touch(fp.get(insn.src)! + insn.off);
      if (cls === Class.ALU64 && opOf(insn.code) === Alu.MOV && srcOf(insn.code) === 0x08) {
        if (insn.src === 10) fp.set(insn.dst, 0);
        else if (fp.has(insn.src)) fp.set(insn.dst, fp.get(insn.src)!);
        else fp.delete(insn.dst);
      } else if (
        cls === Class.ALU64 &&
        opOf(insn.code) === Alu.ADD &&
        srcOf(insn.code) === 0 &&
        fp.has(insn.dst)
      ) {
        fp.set(insn.dst, fp.get(insn.dst)! + insn.imm);
        touch(fp.get(insn.dst)!);
      } else if (
        cls === Class.ALU ||
        cls === Class.ALU64 ||
        cls === Class.LDX ||
        insn.code === LD_IMM64
      ) {
        fp.delete(insn.dst);
      }
      if (cls === Class.JMP && opOf(insn.code) === Jmp.CALL && insn.src === PseudoCall.LOCAL)
        calls.push(target(pc, insn.imm));
      if (insn.code === LD_IMM64 && insn.src === PseudoLd.FUNC) calls.push(target(pc, insn.imm));
    }
    return { entry, end, stack, calls };
  });
}

/** The kernel counts each frame rounded up to 32 bytes (check_max_stack_depth). */
export const frameBytes = (f: BpfFunction): number => Math.ceil(Math.max(f.stack, 1) / 32) * 32;

/** The deepest chain of calls from the entry: frames (entry = 1) and stack bytes along it. */
export function deepestChain(fns: readonly BpfFunction[]): { depth: number; stack: number } {
  const byEntry = new Map(fns.map((f) => [f.entry, f]));
  const walk = (f: BpfFunction, seen: Set<number>): { depth: number; stack: number } => {
    let best = { depth: 0, stack: 0 };
    for (const c of f.calls) {
      const g = byEntry.get(c);
      if (!g || seen.has(c)) continue;
      const r = walk(g, new Set([...seen, c]));
      if (r.stack > best.stack || r.depth > best.depth)
        best = { depth: Math.max(best.depth, r.depth), stack: Math.max(best.stack, r.stack) };
    }
    return { depth: best.depth + 1, stack: best.stack + frameBytes(f) };
  };
  return fns.length === 0 ? { depth: 0, stack: 0 } : walk(fns[0], new Set([fns[0].entry]));
}
