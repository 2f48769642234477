// A small instruction printer for fault messages, in the uBPF syntax the conformance tests use.
// (When src/bpf/disasm.ts lands, faults should print with its formatInsn instead.)
import type { Insn } from "../../bpf/insn.js";
import { imm64Of } from "../../bpf/insn.js";
import { Alu, Atomic, Class, Jmp, LD_IMM64, Mode, PseudoCall, Size, Src, classOf, modeOf, opOf, sizeOf, srcOf } from "../../bpf/opcodes.js";

const ALU_NAMES: Record<number, string> = {
  [Alu.ADD]: "add", [Alu.SUB]: "sub", [Alu.MUL]: "mul", [Alu.DIV]: "div", [Alu.OR]: "or",
  [Alu.AND]: "and", [Alu.LSH]: "lsh", [Alu.RSH]: "rsh", [Alu.NEG]: "neg", [Alu.MOD]: "mod",
  [Alu.XOR]: "xor", [Alu.MOV]: "mov", [Alu.ARSH]: "arsh",
};
const JMP_NAMES: Record<number, string> = {
  [Jmp.JEQ]: "jeq", [Jmp.JGT]: "jgt", [Jmp.JGE]: "jge", [Jmp.JSET]: "jset", [Jmp.JNE]: "jne",
  [Jmp.JSGT]: "jsgt", [Jmp.JSGE]: "jsge", [Jmp.JLT]: "jlt", [Jmp.JLE]: "jle", [Jmp.JSLT]: "jslt",
  [Jmp.JSLE]: "jsle",
};
const SIZE_NAMES: Record<number, string> = { [Size.B]: "b", [Size.H]: "h", [Size.W]: "w", [Size.DW]: "dw" };
const ATOMIC_NAMES: Record<number, string> = {
  [Atomic.ADD]: "add", [Atomic.OR]: "or", [Atomic.AND]: "and", [Atomic.XOR]: "xor",
};

const reg = (n: number): string => `%r${n}`;
const signed = (n: number): string => (n >= 0 ? `+${n}` : String(n));
const mem = (r: number, off: number): string => `[${reg(r)}${off === 0 ? "" : signed(off)}]`;
const hexByte = (n: number): string => "0x" + (n & 0xff).toString(16).padStart(2, "0");

export function formatInsn(insn: Insn): string {
  const cls = classOf(insn.code);
  const op = opOf(insn.code);
  const x = srcOf(insn.code) === Src.X;
  const operand = x ? reg(insn.src) : String(insn.imm);
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const w = cls === Class.ALU ? "32" : "";
      if (op === Alu.END) {
        const kind = cls === Class.ALU64 ? "bswap" : x ? "be" : "le";
        return `${kind}${insn.imm} ${reg(insn.dst)}`;
      }
      if (op === Alu.NEG) return `neg${w} ${reg(insn.dst)}`;
      let name = ALU_NAMES[op];
      if (name === undefined) break;
      if ((op === Alu.DIV || op === Alu.MOD) && insn.off === 1) name = "s" + name;
      if (op === Alu.MOV && x && insn.off !== 0) return `movsx${insn.off}${cls === Class.ALU ? "32" : "64"} ${reg(insn.dst)}, ${reg(insn.src)}`;
      return `${name}${w} ${reg(insn.dst)}, ${operand}`;
    }
    case Class.JMP:
    case Class.JMP32: {
      const w = cls === Class.JMP32 ? "32" : "";
      if (op === Jmp.JA) return cls === Class.JMP32 ? `ja32 ${signed(insn.imm)}` : `ja ${signed(insn.off)}`;
      if (op === Jmp.EXIT) return "exit";
      if (op === Jmp.CALL) {
        if (x) return `callx ${reg(insn.dst)}`;
        if (insn.src === PseudoCall.LOCAL) return `call local ${signed(insn.imm)}`;
        if (insn.src === PseudoCall.KFUNC) return `call kfunc ${insn.imm}`;
        return `call ${insn.imm}`;
      }
      const name = JMP_NAMES[op];
      if (name === undefined) break;
      return `${name}${w} ${reg(insn.dst)}, ${operand}, ${signed(insn.off)}`;
    }
    case Class.LD:
      if (insn.code === LD_IMM64) {
        const value = "0x" + imm64Of(insn).toString(16);
        return insn.src === 0 ? `lddw ${reg(insn.dst)}, ${value}` : `lddw ${reg(insn.dst)}, ${value}, src=${insn.src}`;
      }
      break;
    case Class.LDX: {
      const size = SIZE_NAMES[sizeOf(insn.code)];
      const mode = modeOf(insn.code);
      if (mode === Mode.MEM || mode === Mode.MEMSX) {
        return `ldx${mode === Mode.MEMSX ? "s" : ""}${size} ${reg(insn.dst)}, ${mem(insn.src, insn.off)}`;
      }
      break;
    }
    case Class.ST:
      if (modeOf(insn.code) === Mode.MEM) return `st${SIZE_NAMES[sizeOf(insn.code)]} ${mem(insn.dst, insn.off)}, ${insn.imm}`;
      break;
    case Class.STX: {
      const mode = modeOf(insn.code);
      if (mode === Mode.MEM) return `stx${SIZE_NAMES[sizeOf(insn.code)]} ${mem(insn.dst, insn.off)}, ${reg(insn.src)}`;
      if (mode === Mode.ATOMIC) {
        const w = sizeOf(insn.code) === Size.W ? "32" : "";
        const name =
          insn.imm === Atomic.XCHG ? "xchg" : insn.imm === Atomic.CMPXCHG ? "cmpxchg" : ATOMIC_NAMES[insn.imm & ~Atomic.FETCH];
        if (name === undefined) break;
        const fetch = insn.imm & Atomic.FETCH && name !== "xchg" && name !== "cmpxchg" ? "fetch " : "";
        return `lock ${fetch}${name}${w} ${mem(insn.dst, insn.off)}, ${reg(insn.src)}`;
      }
      break;
    }
  }
  return `.insn ${hexByte(insn.code)} dst=${insn.dst} src=${insn.src} off=${insn.off} imm=${insn.imm}`;
}
