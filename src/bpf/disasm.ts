// The disassembler: LLVM syntax exactly as `llvm-objdump-19 -d --mcpu=v4` prints each instruction,
// and a listing in its layout (slot address, raw bytes, text, optional `<symbol+0x..>` targets and
// relocation lines).
//
// llvm-objdump's text does not always say what the bytes are: a local call, a kfunc call and a
// helper call all print as `call N`, and `ld_pseudo` drops its second imm. With `lossless: true`
// we print forms our LLVM-syntax assembler reads back to the same bytes instead: `call pc+0x9`,
// `call kfunc 0x7`, `call helper -0x1`, `ld_pseudo r1, 0x2, 0x3, 0x8`. Without it, the text is
// llvm-objdump's, and the assembler reads `call -N` as a local call (clang's unrelocated form).
import { encode, imm64Of, slotOffsets, type Insn } from "./insn.js";
import {
  LLVM_ALU_OPS,
  LLVM_ATOMIC_OPS,
  LLVM_FETCH_NAMES,
  LLVM_JMP_OPS,
  LLVM_SIZE_TYPES,
  MAY_GOTO_OP,
} from "./asm/llvm-names.js";
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

export { formatInsnUbpf, disassembleUbpf } from "./disasm-ubpf.js";

export const UNKNOWN = "<unknown>";

/** `0x1f`, `-0x5`: llvm-objdump's signed hexadecimal. */
export function hexSigned(n: number | bigint): string {
  const v = BigInt(n);
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}
/** `+0x3`, `-0x1`, `+0x0`: jump distances. */
export const hexDelta = (n: number): string => (n < 0 ? hexSigned(n) : `+${hexSigned(n)}`);

const reg = (n: number, wide: boolean): string => `${wide ? "r" : "w"}${n}`;
const memRef = (base: number, off: number): string =>
  `r${base} ${off < 0 ? "-" : "+"} ${hexSigned(Math.abs(off))}`;

export interface FormatOptions {
  /** Names a jump target slot, giving the ` <name>` suffix llvm-objdump prints after jumps. */
  targetName?: (slot: number) => string | undefined;
  /** Print forms that reassemble to the same bytes where llvm-objdump's text is ambiguous. */
  lossless?: boolean;
}

/** One instruction in LLVM syntax. `pc` is its slot index (used for jump-target names). */
export function formatInsn(insn: Insn, pc = 0, opts: FormatOptions = {}): string {
  const cls = classOf(insn.code);
  switch (cls) {
    case Class.ALU:
    case Class.ALU64:
      return formatAlu(insn, cls === Class.ALU64);
    case Class.JMP:
    case Class.JMP32:
      return formatJump(insn, pc, cls === Class.JMP, opts);
    default:
      return formatLoadStore(insn, opts.lossless === true);
  }
}

function formatAlu(insn: Insn, is64: boolean): string {
  const op = opOf(insn.code);
  const x = srcOf(insn.code) === Src.X;
  const dst = reg(insn.dst, is64);
  if (op === Alu.NEG) return x ? UNKNOWN : `${dst} = -${dst}`;
  if (op === Alu.END) {
    if (![16, 32, 64].includes(insn.imm) || (is64 && x)) return UNKNOWN;
    const name = is64 ? "bswap" : x ? "be" : "le";
    return `r${insn.dst} = ${name}${insn.imm} r${insn.dst}`;
  }
  let symbol = LLVM_ALU_OPS[op];
  if (symbol === undefined) return UNKNOWN;
  let cast = "";
  if (op === Alu.DIV || op === Alu.MOD) {
    if (insn.off === 1) symbol = "s" + symbol;
    else if (insn.off !== 0) return UNKNOWN;
  } else if (op === Alu.MOV && x && insn.off !== 0) {
    if (!(is64 ? [8, 16, 32] : [8, 16]).includes(insn.off)) return UNKNOWN;
    cast = `(s${insn.off})`;
  } else if (insn.off !== 0) {
    return UNKNOWN;
  }
  const source = x ? cast + reg(insn.src, is64) : hexSigned(insn.imm);
  return `${dst} ${symbol} ${source}`;
}

function formatJump(insn: Insn, pc: number, isJmp: boolean, opts: FormatOptions): string {
  const op = opOf(insn.code);
  const x = srcOf(insn.code) === Src.X;
  const target = (distance: number) => {
    const name = opts.targetName?.(pc + distance + 1);
    return `${hexDelta(distance)}${name !== undefined ? ` <${name}>` : ""}`;
  };
  if (op === Jmp.JA) {
    if (x) return UNKNOWN;
    return isJmp ? `goto ${target(insn.off)}` : `gotol ${target(insn.imm)}`;
  }
  if (isJmp && op === Jmp.CALL) {
    if (x) return `callx r${insn.dst}`;
    if (insn.src > PseudoCall.KFUNC) return UNKNOWN;
    if (opts.lossless) {
      if (insn.src === PseudoCall.LOCAL) return `call pc${hexDelta(insn.imm)}`;
      if (insn.src === PseudoCall.KFUNC) return `call kfunc ${hexSigned(insn.imm)}`;
      if (insn.imm < 0) return `call helper ${hexSigned(insn.imm)}`;
    }
    return `call ${hexSigned(insn.imm)}`;
  }
  if (isJmp && op === Jmp.EXIT) return x ? UNKNOWN : "exit";
  if (isJmp && op === MAY_GOTO_OP && !x) return `may_goto ${target(insn.off)}`;
  const cond = LLVM_JMP_OPS[op];
  if (cond === undefined) return UNKNOWN;
  const rhs = x ? reg(insn.src, isJmp) : hexSigned(insn.imm);
  return `if ${reg(insn.dst, isJmp)} ${cond} ${rhs} goto ${target(insn.off)}`;
}

function formatLoadStore(insn: Insn, lossless: boolean): string {
  const cls = classOf(insn.code);
  const mode = modeOf(insn.code);
  const size = sizeOf(insn.code);
  const bits = LLVM_SIZE_TYPES[size];
  const wide = size === Size.DW;
  if (cls === Class.LD) {
    if (insn.code === LD_IMM64) {
      if (insn.src === 0) return `r${insn.dst} = ${hexSigned(BigInt.asIntN(64, imm64Of(insn)))} ll`;
      const extra = lossless && insn.imm2 ? `, ${hexSigned(insn.imm2)}` : "";
      return `ld_pseudo\tr${insn.dst}, ${hexSigned(insn.src)}, ${hexSigned(insn.imm)}${extra}`;
    }
    if (size === Size.DW) return UNKNOWN;
    if (mode === Mode.ABS) return `r0 = *(u${bits} *)skb[${hexSigned(insn.imm)}]`;
    if (mode === Mode.IND) return `r0 = *(u${bits} *)skb[r${insn.src}]`;
    return UNKNOWN;
  }
  const mem = `(r${cls === Class.LDX ? insn.src : insn.dst} ${insn.off < 0 ? "-" : "+"} ${hexSigned(Math.abs(insn.off))})`;
  if (cls === Class.LDX) {
    if (mode === Mode.MEM) return `${reg(insn.dst, wide)} = *(u${bits} *)${mem}`;
    if (mode === Mode.MEMSX && !wide) return `r${insn.dst} = *(s${bits} *)${mem}`;
    return UNKNOWN;
  }
  if (cls === Class.ST)
    return mode === Mode.MEM ? `*(u${bits} *)${mem} = ${hexSigned(insn.imm)}` : UNKNOWN;
  if (mode === Mode.MEM) return `*(u${bits} *)${mem} = ${reg(insn.src, wide)}`;
  if (mode !== Mode.ATOMIC || (size !== Size.W && size !== Size.DW)) return UNKNOWN;
  return formatAtomic(insn, wide);
}

function formatAtomic(insn: Insn, wide: boolean): string {
  const bits = wide ? "64" : "32";
  const src = reg(insn.src, wide);
  const addr = memRef(insn.dst, insn.off);
  if (insn.imm === Atomic.XCHG) return `${src} = xchg${wide ? "" : "32"}_${bits}(${addr}, ${src})`;
  if (insn.imm === Atomic.CMPXCHG) {
    const r0 = reg(0, wide);
    return `${r0} = cmpxchg${wide ? "" : "32"}_${bits}(${addr}, ${r0}, ${src})`;
  }
  const base = insn.imm & ~Atomic.FETCH;
  if (insn.imm & Atomic.FETCH) {
    const name = LLVM_FETCH_NAMES[base];
    return name && insn.imm === (base | Atomic.FETCH)
      ? `${src} = atomic_fetch_${name}((u${bits} *)(${addr}), ${src})`
      : UNKNOWN;
  }
  const op = LLVM_ATOMIC_OPS[insn.imm];
  return op ? `lock *(u${bits} *)(${addr}) ${op} ${src}` : UNKNOWN;
}

export interface ListingSymbol {
  /** Slot index where the symbol starts. */
  slot: number;
  name: string;
}

export interface ListingRelocation {
  /** Byte offset in the section. */
  offset: number;
  type: string;
  symbol: string;
}

export interface DisasmOptions {
  /** Show the instruction bytes between address and text (llvm-objdump's default). Default true. */
  rawInsn?: boolean;
  /** Symbols of the section: each gets a `0000000000000000 <name>:` header, and jump targets are named after them. */
  symbols?: ListingSymbol[];
  /** Relocations of the section, printed under their instruction as `llvm-objdump -r` does. */
  relocations?: ListingRelocation[];
  /** See FormatOptions.lossless. */
  lossless?: boolean;
}

/** Names a slot after the nearest symbol at or before it, as llvm-objdump does: `prog`, `prog+0x28`. */
export function symbolNamer(
  symbols: readonly ListingSymbol[],
): (slot: number) => string | undefined {
  const sorted = [...symbols].sort((a, b) => a.slot - b.slot);
  return (slot) => {
    let best: ListingSymbol | undefined;
    for (const s of sorted) if (s.slot <= slot) best = s;
    if (!best) return undefined;
    const bytes = (slot - best.slot) * 8;
    return bytes === 0 ? best.name : `${best.name}+${hexSigned(bytes)}`;
  };
}

const hexBytes = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

/** A listing of a program in `llvm-objdump -d` layout (the part under `Disassembly of section`). */
export function disassemble(insns: readonly Insn[], opts: DisasmOptions = {}): string {
  const slots = slotOffsets(insns);
  const symbols = opts.symbols ?? [];
  const targetName = symbols.length > 0 ? symbolNamer(symbols) : undefined;
  const headers = new Map<number, string[]>();
  for (const s of symbols) headers.set(s.slot, [...(headers.get(s.slot) ?? []), s.name]);
  const relocs = [...(opts.relocations ?? [])].sort((a, b) => a.offset - b.offset);
  const lines: string[] = [];
  let r = 0;
  insns.forEach((insn, i) => {
    const slot = slots[i];
    for (const name of headers.get(slot) ?? []) {
      lines.push("", `${(slot * 8).toString(16).padStart(16, "0")} <${name}>:`);
    }
    const text = formatInsn(insn, slot, { targetName, lossless: opts.lossless });
    const raw = opts.rawInsn === false ? "" : `${hexBytes(encode([insn]))}\t`;
    lines.push(`${String(slot).padStart(8)}:\t${raw}${text}`);
    const end = slots[i + 1] * 8;
    for (; r < relocs.length && relocs[r].offset < end; r++) {
      const rel = relocs[r];
      lines.push(`\t\t${rel.offset.toString(16).padStart(16, "0")}:  ${rel.type}\t${rel.symbol}`);
    }
  });
  return lines.join("\n") + (lines.length ? "\n" : "");
}
