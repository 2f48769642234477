// The uBPF assembler syntax, as used by the bpf_conformance `-- asm` sections:
//
//   mov32 %r0, 0            ldxdw %r1, [%r10-8]      stxw [%r1+4], %r2      lddw %r0, 0x1122334455667788
//   jne %r1, %r0, exit      ja32 L1                  call local f           lock fetch add [%r10-8], %r1
//
// Jump targets are labels (`L1:` defines one; `exit` alone means the first exit instruction) or
// signed slot distances (`+3`, `-2`). Each instruction remembers where it was written.
import { splitImm64, type Insn } from "../insn.js";
import { Alu, Class, Jmp, LD_IMM64, Mode, PseudoCall, Size, Src } from "../opcodes.js";
import { Labels } from "./labels.js";
import { LineScanner, toImm32, toImm64, toOff16 } from "./scanner.js";
import { UBPF_ALU, UBPF_ATOMIC, UBPF_JMP, UBPF_PSEUDO_LD, UBPF_SIZE } from "./ubpf-names.js";

const EXIT = Class.JMP | Jmp.EXIT;

/**
 * Assembles uBPF-syntax text. `firstLine` is the file line of the text's first line, so that
 * positions are right when the text was cut out of a bigger file (a conformance .data file).
 */
export function assembleUbpf(text: string, file = "<asm>", firstLine = 1): Insn[] {
  const insns: Insn[] = [];
  const labels = new Labels();
  let firstExit: number | undefined;
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const hash = rawLine.indexOf("#");
    const scan = new LineScanner(hash >= 0 ? rawLine.slice(0, hash) : rawLine, file, firstLine + i);
    for (;;) {
      const def = scan.match(/^([A-Za-z_.$][\w.$]*)\s*:/);
      if (!def) break;
      labels.define(
        def.groups[1],
        insns.length,
        scan.posAt(def.start, def.start + def.groups[1].length),
      );
    }
    if (scan.atEnd()) return;
    const start = scan.index;
    const insn = parseInstruction(scan, labels, insns.length);
    scan.expectEnd("the instruction");
    insn.pos = scan.posAt(start, scan.text.trimEnd().length);
    if (insn.code === EXIT && firstExit === undefined) firstExit = insns.length;
    insns.push(insn);
  });
  // bpf_conformance's convention: a jump to `exit` without an `exit:` label goes to the first exit.
  labels.resolve(insns, (name) => (name === "exit" ? firstExit : undefined));
  return insns;
}

type Operand =
  { kind: "reg"; reg: number; start: number } | { kind: "imm"; value: bigint; start: number };

function parseInstruction(scan: LineScanner, labels: Labels, index: number): Insn {
  const word = scan.ident();
  if (!word) scan.fail(`expected an instruction or a label, found ${scan.describeNext()}`);
  const name = word.text.toLowerCase();
  const insn: Insn = { code: 0, dst: 0, src: 0, off: 0, imm: 0 };
  let m: RegExpExecArray | null;

  if (name === "exit") {
    insn.code = EXIT;
  } else if (name === "lddw") {
    insn.code = LD_IMM64;
    insn.dst = register(scan);
    scan.expect(",", "after the destination register");
    const value = integer(scan, "a 64-bit constant");
    Object.assign(insn, splitImm64(toImm64(value.value, scan, value.start)));
    if (scan.eat(",")) {
      const kind = scan.ident();
      const src = kind && UBPF_PSEUDO_LD[kind.text];
      if (src === undefined)
        scan.fail(`expected a pseudo kind (${Object.keys(UBPF_PSEUDO_LD).join(", ")})`);
      insn.src = src;
    }
  } else if (name === "ja") {
    insn.code = Class.JMP | Jmp.JA;
    target(scan, labels, index, insn, "off");
  } else if (name === "ja32" || name === "gotol") {
    insn.code = Class.JMP32 | Jmp.JA;
    target(scan, labels, index, insn, "imm");
  } else if (name === "call") {
    parseCall(scan, labels, index, insn);
  } else if (name === "callx") {
    insn.code = Class.JMP | Jmp.CALL | Src.X;
    insn.dst = register(scan);
  } else if (name === "lock") {
    parseAtomic(scan, insn);
  } else if ((m = /^neg(32|64)?$/.exec(name))) {
    insn.code = (m[1] === "32" ? Class.ALU : Class.ALU64) | Alu.NEG;
    insn.dst = register(scan);
  } else if ((m = /^(be|le|bswap|swap)(16|32|64)$/.exec(name))) {
    const toBig = m[1] === "be";
    const unconditional = m[1] === "bswap" || m[1] === "swap";
    insn.code = (unconditional ? Class.ALU64 : Class.ALU) | Alu.END | (toBig ? Src.X : Src.K);
    insn.imm = Number(m[2]);
    insn.dst = register(scan);
  } else if ((m = /^movsx(8|16|32)(32|64)$/.exec(name)) && !(m[1] === "32" && m[2] === "32")) {
    insn.code = (m[2] === "32" ? Class.ALU : Class.ALU64) | Alu.MOV | Src.X;
    insn.off = Number(m[1]);
    insn.dst = register(scan);
    scan.expect(",", "after the destination register");
    insn.src = register(scan);
  } else if ((m = /^([a-z]+?)(32|64)?$/.exec(name)) && UBPF_ALU[m[1]]) {
    const alu = UBPF_ALU[m[1]];
    insn.dst = register(scan);
    scan.expect(",", "after the destination register");
    const operand = regOrImm(scan);
    insn.code = (m[2] === "32" ? Class.ALU : Class.ALU64) | alu.op | setSource(insn, operand, scan);
    insn.off = alu.off;
  } else if ((m = /^(j[a-z]+?)(32)?$/.exec(name)) && UBPF_JMP[m[1]] !== undefined) {
    insn.dst = register(scan);
    scan.expect(",", "after the first register");
    const operand = regOrImm(scan);
    insn.code = (m[2] ? Class.JMP32 : Class.JMP) | UBPF_JMP[m[1]] | setSource(insn, operand, scan);
    scan.expect(",", "before the jump target");
    target(scan, labels, index, insn, "off");
  } else if ((m = /^ldx(s?)(b|h|w|dw)$/.exec(name)) && !(m[1] && m[2] === "dw")) {
    insn.code = Class.LDX | (m[1] ? Mode.MEMSX : Mode.MEM) | UBPF_SIZE[m[2]];
    insn.dst = register(scan);
    scan.expect(",", "after the destination register");
    [insn.src, insn.off] = memory(scan);
  } else if ((m = /^st(x?)(b|h|w|dw)$/.exec(name))) {
    [insn.dst, insn.off] = memory(scan);
    scan.expect(",", "after the memory operand");
    if (m[1]) {
      insn.code = Class.STX | Mode.MEM | UBPF_SIZE[m[2]];
      insn.src = register(scan);
    } else {
      insn.code = Class.ST | Mode.MEM | UBPF_SIZE[m[2]];
      const value = integer(scan, "an immediate");
      insn.imm = toImm32(value.value, scan, value.start);
    }
  } else {
    scan.fail(`unknown instruction \`${word.text}\``, word.start, word.start + word.text.length);
  }
  return insn;
}

function setSource(insn: Insn, operand: Operand, scan: LineScanner): number {
  if (operand.kind === "reg") {
    insn.src = operand.reg;
    return Src.X;
  }
  insn.imm = toImm32(operand.value, scan, operand.start);
  return Src.K;
}

function parseCall(scan: LineScanner, labels: Labels, index: number, insn: Insn): void {
  insn.code = Class.JMP | Jmp.CALL;
  const mode = scan.match(/^(local|helper|runtime|kfunc)\b/);
  if (mode?.text === "local") {
    insn.src = PseudoCall.LOCAL;
    target(scan, labels, index, insn, "imm");
    return;
  }
  if (!mode && /^%?r\d/.test(scan.rest())) {
    insn.code |= Src.X; // callx: the register travels in dst
    insn.dst = register(scan);
    return;
  }
  insn.src =
    mode?.text === "runtime" || mode?.text === "kfunc" ? PseudoCall.KFUNC : PseudoCall.HELPER;
  const value = integer(scan, "a helper number");
  insn.imm = toImm32(value.value, scan, value.start, "helper number");
}

function parseAtomic(scan: LineScanner, insn: Insn): void {
  const fetch = scan.match(/^fetch\b/) !== undefined;
  scan.skipSpace();
  const start = scan.index;
  const op = scan.match(/^([a-z]+?)(32|64)?\b/);
  const imm = op && UBPF_ATOMIC[op.groups[1]];
  if (imm === undefined) {
    scan.fail(
      `expected an atomic operation (${Object.keys(UBPF_ATOMIC).join(", ")}) after \`lock\``,
      start,
    );
  }
  insn.code = Class.STX | Mode.ATOMIC | (op!.groups[2] === "32" ? Size.W : Size.DW);
  insn.imm = imm | (fetch ? 1 : 0);
  [insn.dst, insn.off] = memory(scan);
  scan.expect(",", "after the memory operand");
  insn.src = register(scan);
}

function register(scan: LineScanner): number {
  const m = scan.match(/^%?r(\d+)(?![\w.])/);
  if (!m) scan.fail(`expected a register (%r0..%r10), found ${scan.describeNext()}`);
  const reg = Number(m.groups[1]);
  if (reg > 15)
    scan.fail(
      `register r${reg} does not exist (the field holds r0..r15)`,
      m.start,
      scan.index,
      "E0124",
    );
  return reg;
}

function regOrImm(scan: LineScanner): Operand {
  if (/^%?r\d/.test(scan.rest())) {
    const start = scan.index;
    return { kind: "reg", reg: register(scan), start };
  }
  const value = integer(scan, "a register or an immediate");
  return { kind: "imm", value: value.value, start: value.start };
}

function integer(scan: LineScanner, what: string): { value: bigint; start: number } {
  const value = scan.integer();
  if (!value) scan.fail(`expected ${what}, found ${scan.describeNext()}`);
  return value;
}

/** `[%rN]`, `[%rN+off]` or `[%rN-off]` → register and signed offset. */
function memory(scan: LineScanner): [number, number] {
  scan.expect("[", "to open the memory operand");
  const reg = register(scan);
  let off = 0;
  if (scan.peek() === "+" || scan.peek() === "-") {
    const value = integer(scan, "an offset");
    off = toOff16(value.value, scan, value.start);
  }
  scan.expect("]", "to close the memory operand");
  return [reg, off];
}

/** A jump target: a label (patched later) or a signed distance in slots. */
function target(
  scan: LineScanner,
  labels: Labels,
  index: number,
  insn: Insn,
  field: "off" | "imm",
): void {
  const value = scan.integer();
  if (value) {
    if (field === "off") insn.off = toOff16(value.value, scan, value.start, "jump offset");
    else insn.imm = toImm32(value.value, scan, value.start, "jump offset");
    return;
  }
  const label = scan.ident();
  if (!label) scan.fail(`expected a label or a +/- offset, found ${scan.describeNext()}`);
  labels.refer({ insnIndex: index, label: label.text, field, pos: scan.posAt(label.start) });
}
