// The LLVM / kernel BPF assembler syntax:
//
//   r0 = 0    w1 += w2    r1 = *(u64 *)(r10 - 8)    *(u32 *)(r1 + 4) = w2    if w1 s< 5 goto -2
//   r0 = 0x1122334455667788 ll    r1 = (s8)r2    lock *(u64 *)(r1 + 0) += r2    call 1    exit
//
// It reads what `llvm-objdump -d` prints (with or without the `N:` address and byte columns, the
// `<prog+0x10>` target notes and `<sym>:` headers, which become labels), what `clang -S` writes
// (directives are skipped, `LBB0_1:` labels), what the kernel verifier logs (`5: (bf) r1 = r6`,
// `goto pc+3`, `(r1 +8)`, `call bpf_map_lookup_elem#1`, `atomic64_fetch_add`), and our own
// printer's extensions (see disasm.ts). All sections of a listing are assembled in order.
import { BpfError } from "../../diagnostics.js";
import { splitImm64, type Insn } from "../insn.js";
import { Alu, Atomic, Class, Jmp, LD_IMM64, Mode, PseudoCall, Size, Src } from "../opcodes.js";
import { Labels } from "./labels.js";
import { LLVM_ALU_OPS, LLVM_ATOMIC_OPS, LLVM_JMP_OPS, MAY_GOTO_OP, invert } from "./llvm-names.js";
import { LineScanner, toImm32, toImm64, toOff16 } from "./scanner.js";

const ALU_BY_SYMBOL = invert(LLVM_ALU_OPS);
const JMP_BY_SYMBOL = invert(LLVM_JMP_OPS);
const ATOMIC_BY_SYMBOL = invert(LLVM_ATOMIC_OPS);
const SIZE_BY_BITS: Record<string, number> = {
  "8": Size.B,
  "16": Size.H,
  "32": Size.W,
  "64": Size.DW,
};
const FETCH_OPS: Record<string, number> = {
  add: Atomic.ADD,
  or: Atomic.OR,
  and: Atomic.AND,
  xor: Atomic.XOR,
};

interface Reg {
  n: number;
  wide: boolean; // r (64-bit) rather than w (32-bit)
  start: number;
}

interface Ctx {
  scan: LineScanner;
  labels: Labels;
  index: number;
  /** The opcode a kernel verifier line announces, `(18)`, used to tell lddw from mov. */
  announced?: number;
}

export function assembleLlvm(text: string, file = "<asm>", firstLine = 1): Insn[] {
  const insns: Insn[] = [];
  const labels = new Labels();
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = stripComment(rawLine);
    if (/^\s*$/.test(line) || /\bfile format\b|^\s*Disassembly of section\b/.test(line)) return;
    const scan = new LineScanner(line, file, firstLine + i);
    if (/^\s*[0-9a-fA-F]+:\s+R_BPF_\w+/.test(line)) return; // a relocation line of `llvm-objdump -r`
    const header = scan.match(/^[0-9a-fA-F]{16}\s+<([^<>]+)>:/);
    if (header) {
      labels.define(header.groups[1], insns.length, scan.posAt(header.start, scan.index));
      scan.expectEnd("the symbol header");
      return;
    }
    const ctx: Ctx = { scan, labels, index: insns.length };
    skipListingColumns(ctx);
    for (;;) {
      const def = scan.match(/^([A-Za-z_.$][\w.$]*)\s*:/);
      if (!def) break;
      labels.define(
        def.groups[1],
        insns.length,
        scan.posAt(def.start, def.start + def.groups[1].length),
      );
    }
    if (scan.atEnd() || scan.peek() === ".") return; // empty, or an assembler directive
    const start = scan.index;
    const insn = parseStatement(ctx);
    scan.match(/^<[^<>]*>/); // llvm-objdump's `<prog+0x10>` note after a jump
    scan.expectEnd("the instruction");
    insn.pos = scan.posAt(start, scan.text.trimEnd().length);
    insns.push(insn);
  });
  labels.resolve(insns);
  return insns;
}

/** Cuts `# ...`, `; ...` and `// ...` comments (a `#` glued to a word, as in `call f#1`, stays). */
function stripComment(line: string): string {
  const m = /(^|\s)(#|;|\/\/)/.exec(line);
  return m ? line.slice(0, m.index + m[1].length) : line;
}

/**
 * Skips `  12:` (listing address), the raw byte columns, the verifier's register-liveness column
 * (`.12.......`, in its "Live regs before insn" dump) and the kernel's `(bf)` opcode note.
 */
function skipListingColumns(ctx: Ctx): void {
  const scan: LineScanner = ctx.scan;
  if (!scan.match(/^\d+:(?=\s|$)/)) return;
  scan.match(/^[.0-9]{10}(?=\s+\([0-9a-fA-F]{2}\))/);
  scan.match(
    /^(?:[0-9a-fA-F]{2} ){7}[0-9a-fA-F]{2}(?: (?:[0-9a-fA-F]{2} ){7}[0-9a-fA-F]{2})?(?=\s|$)/,
  );
  const announced = scan.match(/^\(([0-9a-fA-F]{2})\)/);
  if (announced) ctx.announced = parseInt(announced.groups[1], 16);
}

function blank(): Insn {
  return { code: 0, dst: 0, src: 0, off: 0, imm: 0 };
}

function parseStatement(ctx: Ctx): Insn {
  const scan: LineScanner = ctx.scan;
  const insn = blank();
  let m;
  if (scan.match(/^exit\b/)) {
    insn.code = Class.JMP | Jmp.EXIT;
  } else if ((m = scan.match(/^(gotol|goto|may_goto)\b/))) {
    const kind = m.groups[1];
    insn.code =
      kind === "gotol"
        ? Class.JMP32 | Jmp.JA
        : kind === "goto"
          ? Class.JMP | Jmp.JA
          : Class.JMP | MAY_GOTO_OP;
    target(ctx, insn, kind === "gotol" ? "imm" : "off");
  } else if (scan.match(/^callx\b/)) {
    insn.code = Class.JMP | Jmp.CALL | Src.X;
    insn.dst = register(scan, "r").n;
  } else if (scan.match(/^call\b/)) {
    parseCall(ctx, insn);
  } else if (scan.match(/^if\b/)) {
    parseCondition(ctx, insn);
  } else if (scan.match(/^lock\b/)) {
    insn.code = Class.STX | Mode.ATOMIC;
    scan.expect("*", "after `lock`");
    const typeStart = scan.index;
    const [size] = sizedAddress(scan, insn, "dst", "u");
    const op = scan.match(/^([+|&^])=/);
    const imm = op && ATOMIC_BY_SYMBOL.get(op.groups[1] + "=");
    if (imm === undefined || imm === null)
      scan.fail(`expected +=, |=, &= or ^= after the address, found ${scan.describeNext()}`);
    insn.imm = imm;
    insn.code |= atomicSize(scan, size, typeStart);
    insn.src = register(scan, "rw").n;
  } else if (scan.match(/^ld_pseudo\b/)) {
    insn.code = LD_IMM64;
    insn.dst = register(scan, "r").n;
    scan.expect(",", "after the register");
    insn.src = Number(integerIn(scan, 0n, 15n, "pseudo source"));
    scan.expect(",", "after the pseudo source");
    insn.imm = imm32(scan);
    insn.imm2 = scan.eat(",") ? imm32(scan) : 0;
  } else if (scan.peek() === "*") {
    parseStore(ctx, insn);
  } else {
    parseAssignment(ctx, insn);
  }
  return insn;
}

function parseCall(ctx: Ctx, insn: Insn): void {
  const scan: LineScanner = ctx.scan;
  insn.code = Class.JMP | Jmp.CALL;
  const kind = scan.match(/^(helper|kfunc|local)\b/)?.groups[1];
  if (kind === "local") {
    insn.src = PseudoCall.LOCAL;
    target(ctx, insn, "imm");
  } else if (kind) {
    insn.src = kind === "kfunc" ? PseudoCall.KFUNC : PseudoCall.HELPER;
    insn.imm = imm32(scan);
  } else if (/^pc\s*[+-]/.test(scan.rest())) {
    insn.src = PseudoCall.LOCAL;
    target(ctx, insn, "imm");
  } else if (scan.match(/^[A-Za-z_][\w.]*#(?=[-+\d])/)) {
    insn.imm = imm32(scan); // the kernel log's `call bpf_map_lookup_elem#1`
  } else {
    const value = scan.integer();
    if (value) {
      // A helper number is never negative; a negative distance is clang's unrelocated local call.
      insn.src = value.value < 0n ? PseudoCall.LOCAL : PseudoCall.HELPER;
      insn.imm = toImm32(value.value, scan, value.start);
    } else {
      insn.src = PseudoCall.LOCAL;
      target(ctx, insn, "imm");
    }
  }
}

function parseCondition(ctx: Ctx, insn: Insn): void {
  const scan: LineScanner = ctx.scan;
  const left = register(scan, "rw");
  const op = scan.match(/^(s<=|s>=|s<|s>|==|!=|<=|>=|<|>|&)(?![<>=&])/);
  if (!op) scan.fail(`expected a comparison (==, !=, <, s<, &, ...), found ${scan.describeNext()}`);
  insn.dst = left.n;
  insn.code = (left.wide ? Class.JMP : Class.JMP32) | JMP_BY_SYMBOL.get(op.text)!;
  const right = regOrImm(scan, left);
  if (right.kind === "reg") {
    insn.code |= Src.X;
    insn.src = right.n;
  } else insn.imm = right.imm;
  if (!scan.match(/^goto\b/))
    scan.fail(`expected \`goto\` after the comparison, found ${scan.describeNext()}`);
  target(ctx, insn, "off");
}

/** `*(u32 *)(r1 + 4) = w2` and `*(u32 *)(r1 + 4) = 7`. */
function parseStore(ctx: Ctx, insn: Insn): void {
  const scan: LineScanner = ctx.scan;
  scan.expect("*", "to start the store");
  const [size] = sizedAddress(scan, insn, "dst", "u");
  scan.expect("=", "after the address");
  insn.code = Mode.MEM | size;
  if (/^[rw]\d/.test(scan.rest())) {
    insn.code |= Class.STX;
    insn.src = register(scan, "rw").n;
  } else {
    insn.code |= Class.ST;
    insn.imm = imm32(scan);
  }
}

function parseAssignment(ctx: Ctx, insn: Insn): void {
  const scan: LineScanner = ctx.scan;
  if (!/^[rw]\d/.test(scan.rest()))
    scan.fail(`expected an instruction, found ${scan.describeNext()}`);
  const dst = register(scan, "rw");
  insn.dst = dst.n;
  const alu = dst.wide ? Class.ALU64 : Class.ALU;
  const opMatch = scan.match(/^(s>>=|<<=|>>=|s\/=|s%=|[-+*/|&^%]=|=)/);
  if (!opMatch)
    scan.fail(
      `expected an assignment operator (=, +=, ...) after ${dst.wide ? "r" : "w"}${dst.n}, found ${scan.describeNext()}`,
    );
  const op = opMatch.text;
  if (op !== "=") {
    const signed = op === "s/=" || op === "s%=";
    const code = ALU_BY_SYMBOL.get(signed ? op.slice(1) : op)!;
    const source = regOrImm(scan, dst);
    insn.code = alu | code;
    insn.off = signed ? 1 : 0;
    if (source.kind === "reg") {
      insn.code |= Src.X;
      insn.src = source.n;
    } else insn.imm = source.imm;
    return;
  }
  let m;
  const rest = scan.rest();
  if (/^-\s*[rw]\d/.test(rest)) {
    scan.expect("-", "");
    sameRegister(scan, dst, register(scan, "rw"), "neg");
    insn.code = alu | Alu.NEG;
  } else if (rest.startsWith("*")) {
    parseLoad(ctx, insn, dst);
  } else if ((m = scan.match(/^\(s(8|16|32)\)/))) {
    insn.code = alu | Alu.MOV | Src.X;
    insn.off = Number(m.groups[1]);
    const src = register(scan, "rw");
    if (src.wide !== dst.wide) scan.fail("movsx mixes r and w registers", src.start, scan.index);
    insn.src = src.n;
  } else if ((m = scan.match(/^(be|le|bswap)(16|32|64)\b/))) {
    insn.code =
      (m.groups[1] === "bswap" ? Class.ALU64 : Class.ALU) |
      Alu.END |
      (m.groups[1] === "be" ? Src.X : Src.K);
    insn.imm = Number(m.groups[2]);
    const src = register(scan, "rw");
    if (src.n !== dst.n)
      scan.fail(`a byte swap works in place: expected r${dst.n}`, src.start, scan.index);
  } else if (
    (m = scan.match(
      /^(atomic(?:64)?_fetch_(add|or|and|xor)|atomic(?:64)?_xchg|xchg(?:32)?_(?:32|64)|atomic(?:64)?_cmpxchg|cmpxchg(?:32)?_(?:32|64))\s*\(/,
    ))
  ) {
    parseFetchAtomic(ctx, insn, dst, m.groups[1], m.groups[2]);
  } else if (/^[rw]\d/.test(rest)) {
    const src = register(scan, "rw");
    if (src.wide !== dst.wide) scan.fail(`mov mixes r and w registers`, src.start, scan.index);
    insn.code = alu | Alu.MOV | Src.X;
    insn.src = src.n;
  } else {
    parseConstant(ctx, insn, dst);
  }
}

/** `r1 = 5` (mov), `r1 = 0x1122334455667788 ll` (lddw), `r1 = sym ll` (needs a relocation). */
function parseConstant(ctx: Ctx, insn: Insn, dst: Reg): void {
  const scan: LineScanner = ctx.scan;
  const value = scan.integer();
  if (!value) {
    const sym = scan.ident();
    if (sym && scan.match(/^ll\b/)) {
      throw new BpfError(
        "E0125",
        `\`${sym.text}\` is a symbol: loading its address needs a relocation, which this assembler does not make`,
        scan.posAt(sym.start, sym.start + sym.text.length),
        "assemble an object with clang, or write the value as a number",
      );
    }
    scan.fail(
      `expected a register, a number or a load after \`=\`, found ${sym ? `\`${sym.text}\`` : scan.describeNext()}`,
      sym?.start,
    );
  }
  const wide = scan.match(/^ll\b/) !== undefined || ctx.announced === LD_IMM64;
  if (wide) {
    if (!dst.wide)
      scan.fail("lddw loads a 64-bit register: write r, not w", dst.start, dst.start + 2);
    insn.code = LD_IMM64;
    Object.assign(insn, splitImm64(toImm64(value.value, scan, value.start)));
    return;
  }
  insn.code = (dst.wide ? Class.ALU64 : Class.ALU) | Alu.MOV;
  insn.imm = toImm32(value.value, scan, value.start);
}

/** `r1 = *(u64 *)(r2 + 8)`, `r1 = *(s16 *)(r2 - 2)`, legacy `r0 = *(u32 *)skb[4]` / `skb[r2]`. */
function parseLoad(ctx: Ctx, insn: Insn, dst: Reg): void {
  const scan: LineScanner = ctx.scan;
  scan.expect("*", "");
  const type = sizeCast(scan, "us");
  if (scan.eat("skb")) {
    scan.expect("[", "after skb");
    if (dst.n !== 0 || type.signed || type.size === Size.DW)
      scan.fail("legacy packet loads are `r0 = *(u8|u16|u32 *)skb[...]`", dst.start);
    if (/^[rw]\d/.test(scan.rest())) {
      insn.code = Class.LD | Mode.IND | type.size;
      insn.src = register(scan, "r").n;
    } else {
      insn.code = Class.LD | Mode.ABS | type.size;
      insn.imm = imm32(scan);
    }
    scan.expect("]", "to close skb[...]");
    return;
  }
  [insn.src, insn.off] = address(scan, true);
  insn.code = Class.LDX | (type.signed ? Mode.MEMSX : Mode.MEM) | type.size;
  if (type.signed && type.size === Size.DW)
    scan.fail("there is no sign-extending 64-bit load; use u64", type.start, type.end);
}

function parseFetchAtomic(
  ctx: Ctx,
  insn: Insn,
  dst: Reg,
  name: string,
  fetchOp: string | undefined,
): void {
  const scan: LineScanner = ctx.scan;
  insn.code = Class.STX | Mode.ATOMIC;
  let size: number;
  scan.skipSpace();
  const typeStart = scan.index;
  if (name.startsWith("xchg") || name.startsWith("cmpxchg")) {
    size = name.endsWith("_64") ? Size.DW : Size.W;
    [insn.dst, insn.off] = address(scan, false);
  } else {
    size = sizedAddress(scan, insn, "dst", "u")[0];
  }
  insn.code |= atomicSize(scan, size, typeStart);
  scan.expect(",", "after the address");
  if (name.includes("cmpxchg")) {
    insn.imm = Atomic.CMPXCHG;
    const r0 = register(scan, "rw");
    if (r0.n !== 0 || dst.n !== 0)
      scan.fail("cmpxchg compares with and returns into r0", r0.start, scan.index);
    scan.expect(",", "after r0");
    insn.src = register(scan, "rw").n;
  } else {
    insn.imm = fetchOp ? FETCH_OPS[fetchOp] | Atomic.FETCH : Atomic.XCHG;
    const src = register(scan, "rw");
    sameRegister(scan, dst, src, "a fetching atomic");
    insn.src = src.n;
  }
  scan.expect(")", "to close the call");
}

function atomicSize(scan: LineScanner, size: number, typeStart: number): number {
  if (size !== Size.W && size !== Size.DW)
    scan.fail("atomic operations are 32 or 64 bits wide", typeStart);
  return size;
}

/** `(u64 *)(r1 + 8)` → size, filling `field` (dst or src) and off. */
function sizedAddress(
  scan: LineScanner,
  insn: Insn,
  field: "dst" | "src",
  kinds: "u" | "us",
): [number] {
  const type = sizeCast(scan, kinds);
  [insn[field], insn.off] = address(scan, true);
  return [type.size];
}

function sizeCast(
  scan: LineScanner,
  kinds: "u" | "us",
): { size: number; signed: boolean; start: number; end: number } {
  scan.skipSpace();
  const start = scan.index;
  const m = scan.match(
    kinds === "u" ? /^\(\s*u(8|16|32|64)\s*\*\s*\)/ : /^\(\s*([us])(8|16|32|64)\s*\*\s*\)/,
  );
  if (!m) scan.fail(`expected a type like (u32 *), found ${scan.describeNext()}`);
  const bits = kinds === "u" ? m.groups[1] : m.groups[2];
  return {
    size: SIZE_BY_BITS[bits],
    signed: kinds === "us" && m.groups[1] === "s",
    start,
    end: scan.index,
  };
}

/** `(r1 + 0x8)`, `(r10 -8)`, `(r2)`; without parentheses for xchg/cmpxchg: `r1 + 0x8`. */
function address(scan: LineScanner, parens: boolean): [number, number] {
  if (parens) scan.expect("(", "to open the address");
  const base = register(scan, "r").n;
  let off = 0;
  const sign = scan.match(/^[+-]/);
  if (sign) {
    const value = scan.integer();
    if (!value || /^[+-]/.test(value.text))
      scan.fail(`expected an offset after \`${sign.text}\`, found ${scan.describeNext()}`);
    off = toOff16(sign.text === "-" ? -value.value : value.value, scan, sign.start);
  }
  if (parens) scan.expect(")", "to close the address");
  return [base, off];
}

function register(scan: LineScanner, kinds: "r" | "rw"): Reg {
  scan.skipSpace();
  const start = scan.index;
  const m = scan.match(/^([rw])(\d+)(?![\w.])/);
  if (!m || (kinds === "r" && m.groups[1] === "w")) {
    scan.index = start;
    scan.fail(
      `expected a register (${kinds === "r" ? "r0..r10" : "r0..r10 or w0..w10"}), found ${scan.describeNext()}`,
    );
  }
  const n = Number(m.groups[2]);
  if (n > 15)
    scan.fail(
      `register ${m.groups[1]}${n} does not exist (the field holds 0..15)`,
      start,
      scan.index,
      "E0124",
    );
  return { n, wide: m.groups[1] === "r", start };
}

function sameRegister(scan: LineScanner, dst: Reg, src: Reg, what: string): void {
  if (src.n !== dst.n || src.wide !== dst.wide) {
    scan.fail(
      `${what} reads and writes the same register: expected ${dst.wide ? "r" : "w"}${dst.n}`,
      src.start,
      scan.index,
    );
  }
}

function regOrImm(
  scan: LineScanner,
  like: Reg,
): { kind: "reg"; n: number } | { kind: "imm"; imm: number } {
  if (/^[rw]\d/.test(scan.rest())) {
    const r = register(scan, "rw");
    if (r.wide !== like.wide)
      scan.fail(
        `mixes ${like.wide ? "r" : "w"} and ${r.wide ? "r" : "w"} registers`,
        r.start,
        scan.index,
      );
    return { kind: "reg", n: r.n };
  }
  return { kind: "imm", imm: imm32(scan) };
}

function imm32(scan: LineScanner): number {
  const value = scan.integer();
  if (!value) scan.fail(`expected a number, found ${scan.describeNext()}`);
  return toImm32(value.value, scan, value.start);
}

function integerIn(scan: LineScanner, min: bigint, max: bigint, what: string): bigint {
  const value = scan.integer();
  if (!value) scan.fail(`expected ${what}, found ${scan.describeNext()}`);
  if (value.value < min || value.value > max)
    scan.fail(
      `${what} ${value.value} is out of range ${min}..${max}`,
      value.start,
      scan.index,
      "E0121",
    );
  return value.value;
}

/** `+0x3`, `-2`, `pc+3` (kernel), or a label. */
function target(ctx: Ctx, insn: Insn, field: "off" | "imm"): void {
  const scan: LineScanner = ctx.scan;
  scan.match(/^pc(?=\s*[+-])/);
  const value = scan.integer();
  if (value) {
    if (field === "off") insn.off = toOff16(value.value, scan, value.start, "jump offset");
    else insn.imm = toImm32(value.value, scan, value.start, "jump offset");
    return;
  }
  const label = scan.ident();
  if (!label) scan.fail(`expected a label or a +/- offset, found ${scan.describeNext()}`);
  ctx.labels.refer({
    insnIndex: ctx.index,
    label: label.text,
    field,
    pos: scan.posAt(label.start),
  });
}
