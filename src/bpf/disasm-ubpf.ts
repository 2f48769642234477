// Printer of the uBPF / bpf_conformance syntax: the inverse of assembleUbpf (jump targets as signed
// slot distances, since a flat program has no label names).
import { imm64Of, type Insn } from "./insn.js";
import {
  Alu,
  Atomic,
  Class,
  Jmp,
  LD_IMM64,
  Mode,
  PseudoCall,
  Size,
  Src,
  classOf,
  modeOf,
  opOf,
  sizeOf,
  srcOf,
} from "./opcodes.js";
import {
  UBPF_ALU,
  UBPF_ATOMIC,
  UBPF_JMP,
  UBPF_PSEUDO_LD,
  UBPF_SIZE,
  nameOf,
} from "./asm/ubpf-names.js";

const UNKNOWN = "<unknown>";
const r = (n: number): string => `%r${n}`;
const delta = (n: number): string => (n < 0 ? String(n) : `+${n}`);
const mem = (base: number, off: number): string =>
  `[${r(base)}${off === 0 ? "" : off < 0 ? off : `+${off}`}]`;
const hex = (n: bigint): string => `0x${n.toString(16)}`;

export function formatInsnUbpf(insn: Insn): string {
  const cls = classOf(insn.code);
  const op = opOf(insn.code);
  const x = srcOf(insn.code) === Src.X;
  const size = nameOf(UBPF_SIZE, sizeOf(insn.code));

  if (cls === Class.ALU || cls === Class.ALU64) {
    const suffix = cls === Class.ALU ? "32" : "";
    if (op === Alu.NEG) return x ? UNKNOWN : `neg${suffix} ${r(insn.dst)}`;
    if (op === Alu.END) {
      if (![16, 32, 64].includes(insn.imm) || (cls === Class.ALU64 && x)) return UNKNOWN;
      return `${cls === Class.ALU64 ? "bswap" : x ? "be" : "le"}${insn.imm} ${r(insn.dst)}`;
    }
    if (op === Alu.MOV && x && insn.off !== 0)
      return `movsx${insn.off}${cls === Class.ALU ? "32" : "64"} ${r(insn.dst)}, ${r(insn.src)}`;
    const name = Object.keys(UBPF_ALU).find(
      (k) => UBPF_ALU[k].op === op && UBPF_ALU[k].off === insn.off,
    );
    if (!name) return UNKNOWN;
    return `${name}${suffix} ${r(insn.dst)}, ${x ? r(insn.src) : insn.imm}`;
  }

  if (cls === Class.JMP || cls === Class.JMP32) {
    if (op === Jmp.JA && !x)
      return cls === Class.JMP ? `ja ${delta(insn.off)}` : `ja32 ${delta(insn.imm)}`;
    if (cls === Class.JMP && op === Jmp.EXIT && !x) return "exit";
    if (cls === Class.JMP && op === Jmp.CALL) {
      if (x) return `callx ${r(insn.dst)}`;
      if (insn.src === PseudoCall.LOCAL) return `call local ${delta(insn.imm)}`;
      if (insn.src === PseudoCall.KFUNC) return `call runtime ${insn.imm}`;
      return insn.src === PseudoCall.HELPER ? `call ${insn.imm}` : UNKNOWN;
    }
    const name = nameOf(UBPF_JMP, op);
    if (!name) return UNKNOWN;
    return `${name}${cls === Class.JMP32 ? "32" : ""} ${r(insn.dst)}, ${x ? r(insn.src) : insn.imm}, ${delta(insn.off)}`;
  }

  if (insn.code === LD_IMM64) {
    const kind = insn.src === 0 ? "" : `, ${nameOf(UBPF_PSEUDO_LD, insn.src) ?? "?"}`;
    return kind.endsWith("?") ? UNKNOWN : `lddw ${r(insn.dst)}, ${hex(imm64Of(insn))}${kind}`;
  }
  const mode = modeOf(insn.code);
  if (cls === Class.LDX) {
    if (mode === Mode.MEM) return `ldx${size} ${r(insn.dst)}, ${mem(insn.src, insn.off)}`;
    if (mode === Mode.MEMSX && sizeOf(insn.code) !== Size.DW)
      return `ldxs${size} ${r(insn.dst)}, ${mem(insn.src, insn.off)}`;
    return UNKNOWN;
  }
  if (cls === Class.ST)
    return mode === Mode.MEM ? `st${size} ${mem(insn.dst, insn.off)}, ${insn.imm}` : UNKNOWN;
  if (cls === Class.STX) {
    if (mode === Mode.MEM) return `stx${size} ${mem(insn.dst, insn.off)}, ${r(insn.src)}`;
    const width =
      sizeOf(insn.code) === Size.W ? "32" : sizeOf(insn.code) === Size.DW ? "" : undefined;
    if (mode !== Mode.ATOMIC || width === undefined) return UNKNOWN;
    const fetch =
      insn.imm !== Atomic.XCHG && insn.imm !== Atomic.CMPXCHG && (insn.imm & Atomic.FETCH) !== 0;
    const name = nameOf(UBPF_ATOMIC, fetch ? insn.imm & ~Atomic.FETCH : insn.imm);
    if (!name) return UNKNOWN;
    return `lock ${fetch ? "fetch " : ""}${name}${width} ${mem(insn.dst, insn.off)}, ${r(insn.src)}`;
  }
  return UNKNOWN;
}

/** A whole program in uBPF syntax, one instruction per line. */
export function disassembleUbpf(insns: readonly Insn[]): string {
  return insns.map((i) => formatInsnUbpf(i) + "\n").join("");
}
