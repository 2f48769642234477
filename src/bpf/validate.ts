// Static checks of a program against RFC 9669: every opcode known, unused fields zero, registers
// valid (r10 never written), jumps landing on instruction starts inside the program, and the last
// instruction never falling off the end. This is what the VM relies on; the kernel verifier checks
// far more (types, bounds, termination).
import { BpfError, type Diagnostic } from "../diagnostics.js";
import { slotOffsets, type Insn } from "./insn.js";
import {
  Alu,
  Atomic,
  Class,
  Jmp,
  LD_IMM64,
  Mode,
  NUM_REGS,
  PseudoCall,
  PseudoLd,
  Size,
  Src,
  classOf,
  modeOf,
  opOf,
  sizeOf,
  srcOf,
} from "./opcodes.js";

const FP = 10;

interface Problem {
  code: string;
  message: string;
}

const problem = (code: string, message: string): Problem => ({ code, message });
const hex = (n: number): string => "0x" + (n & 0xff).toString(16).padStart(2, "0");
const unknown = (insn: Insn, why = ""): Problem =>
  problem("E0103", `unknown opcode ${hex(insn.code)}${why ? ` (${why})` : ""}`);

/** Fields the instruction does not use must be zero; `name` says which. */
function reserved(insn: Insn, fields: ("dst" | "src" | "off" | "imm")[]): Problem | undefined {
  for (const f of fields) {
    if (insn[f] !== 0)
      return problem(
        "E0111",
        `${hex(insn.code)} does not use its ${f} field, which must be 0 (is ${insn[f]})`,
      );
  }
  return undefined;
}

function register(value: number, role: string, writes = false): Problem | undefined {
  if (value >= NUM_REGS)
    return problem("E0104", `invalid ${role} register r${value} (valid: r0..r10)`);
  if (writes && value === FP)
    return problem("E0105", `r10 is the read-only frame pointer; this instruction writes it`);
  return undefined;
}

function checkAlu(insn: Insn): Problem | undefined {
  const is64 = classOf(insn.code) === Class.ALU64;
  const op = opOf(insn.code);
  const x = srcOf(insn.code) === Src.X;
  if (op > Alu.END) return unknown(insn, "no such ALU operation");
  const dst = register(insn.dst, "destination", true);
  if (dst) return dst;
  if (op === Alu.NEG) {
    if (x) return unknown(insn, "neg takes no source operand");
    return reserved(insn, ["src", "off", "imm"]);
  }
  if (op === Alu.END) {
    if (is64 && x) return unknown(insn, "bswap has no register-source form");
    if (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) {
      return problem("E0103", `byte swap width must be 16, 32 or 64 (is ${insn.imm})`);
    }
    return reserved(insn, ["src", "off"]);
  }
  if (op === Alu.DIV || op === Alu.MOD) {
    if (insn.off !== 0 && insn.off !== 1)
      return problem(
        "E0103",
        `${op === Alu.DIV ? "div" : "mod"} offset must be 0 (unsigned) or 1 (signed), is ${insn.off}`,
      );
  } else if (op === Alu.MOV && x) {
    const widths = is64 ? [0, 8, 16, 32] : [0, 8, 16];
    if (!widths.includes(insn.off)) {
      return problem(
        "E0103",
        `movsx sign-extends from ${widths.slice(1).join(", ")} bits; offset ${insn.off} is not one of them`,
      );
    }
  } else if (insn.off !== 0) {
    return reserved(insn, ["off"]);
  }
  if (x) return register(insn.src, "source") ?? reserved(insn, ["imm"]);
  return reserved(insn, ["src"]);
}

function checkLoadStore(insn: Insn): Problem | undefined {
  const cls = classOf(insn.code);
  const mode = modeOf(insn.code);
  const size = sizeOf(insn.code);
  if (cls === Class.LD) {
    if (insn.code !== LD_IMM64) {
      return mode === Mode.ABS || mode === Mode.IND
        ? unknown(insn, "legacy packet access (ABS/IND) is not supported")
        : unknown(insn);
    }
    if (insn.src > PseudoLd.MAP_IDX_VALUE)
      return problem("E0108", `lddw with unknown pseudo source ${insn.src} (known: 0..6)`);
    return register(insn.dst, "destination", true) ?? reserved(insn, ["off"]);
  }
  if (cls === Class.LDX) {
    if (mode !== Mode.MEM && !(mode === Mode.MEMSX && size !== Size.DW))
      return unknown(insn, "no such load");
    return (
      register(insn.dst, "destination", true) ??
      register(insn.src, "source") ??
      reserved(insn, ["imm"])
    );
  }
  if (cls === Class.ST) {
    if (mode !== Mode.MEM) return unknown(insn, "no such store");
    return register(insn.dst, "base") ?? reserved(insn, ["src"]);
  }
  // STX
  if (mode === Mode.MEM)
    return register(insn.dst, "base") ?? register(insn.src, "source") ?? reserved(insn, ["imm"]);
  if (mode !== Mode.ATOMIC) return unknown(insn, "no such store");
  if (size !== Size.W && size !== Size.DW) return unknown(insn, "atomics are 32 or 64 bits wide");
  const op = insn.imm;
  const fetch = op === Atomic.XCHG || op === Atomic.CMPXCHG || (op & Atomic.FETCH) !== 0;
  const base = op & ~Atomic.FETCH;
  if (
    op !== Atomic.XCHG &&
    op !== Atomic.CMPXCHG &&
    base !== Atomic.ADD &&
    base !== Atomic.OR &&
    base !== Atomic.AND &&
    base !== Atomic.XOR
  ) {
    return problem("E0103", `unknown atomic operation imm=${hex(op)}`);
  }
  // A fetching atomic writes the old value to src (cmpxchg: to r0).
  return register(insn.dst, "base") ?? register(insn.src, "source", fetch && op !== Atomic.CMPXCHG);
}

function checkJump(insn: Insn): Problem | undefined {
  const is32 = classOf(insn.code) === Class.JMP32;
  const op = opOf(insn.code);
  const x = srcOf(insn.code) === Src.X;
  if (op === Jmp.JA) {
    if (x) return unknown(insn, "ja has no register form");
    return is32 ? reserved(insn, ["dst", "src", "off"]) : reserved(insn, ["dst", "src", "imm"]);
  }
  if (op === Jmp.CALL) {
    if (is32) return unknown(insn, "call exists only in the JMP class");
    if (x) return register(insn.dst, "call target") ?? reserved(insn, ["src", "off", "imm"]);
    if (insn.src > PseudoCall.KFUNC)
      return problem("E0103", `call with unknown source ${insn.src} (0 helper, 1 local, 2 kfunc)`);
    return reserved(insn, ["dst", "off"]);
  }
  if (op === Jmp.EXIT) {
    if (is32 || x) return unknown(insn, "exit exists only as 0x95");
    return reserved(insn, ["dst", "src", "off", "imm"]);
  }
  if (op > Jmp.JSLE) return unknown(insn, "no such jump");
  const dst = register(insn.dst, "compared");
  if (dst) return dst;
  return x ? (register(insn.src, "compared") ?? reserved(insn, ["imm"])) : reserved(insn, ["src"]);
}

function checkInsn(insn: Insn): Problem | undefined {
  if (insn.code < 0 || insn.code > 0xff)
    return problem("E0103", `opcode ${insn.code} does not fit in a byte`);
  const cls = classOf(insn.code);
  if (cls === Class.ALU || cls === Class.ALU64) return checkAlu(insn);
  if (cls === Class.JMP || cls === Class.JMP32) return checkJump(insn);
  return checkLoadStore(insn);
}

/** Slot distance of the control transfer an instruction makes, if any, and which field holds it. */
export function branchDistance(insn: Insn): { distance: number; what: string } | undefined {
  const cls = classOf(insn.code);
  const op = opOf(insn.code);
  if (insn.code === LD_IMM64 && insn.src === PseudoLd.FUNC)
    return { distance: insn.imm, what: "function reference" };
  if (cls !== Class.JMP && cls !== Class.JMP32) return undefined;
  if (op === Jmp.EXIT) return undefined;
  if (op === Jmp.CALL) {
    return srcOf(insn.code) === Src.K && insn.src === PseudoCall.LOCAL
      ? { distance: insn.imm, what: "local call" }
      : undefined;
  }
  if (op === Jmp.JA && cls === Class.JMP32) return { distance: insn.imm, what: "gotol" };
  return { distance: insn.off, what: "jump" };
}

/** Every problem found, in program order (at most one per instruction, plus the ending). */
export function validationDiagnostics(insns: readonly Insn[], file?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const slots = slotOffsets(insns);
  const total = slots[insns.length];
  const starts = new Set(slots.slice(0, insns.length));
  const report = (index: number, p: Problem) => {
    const insn = insns[index];
    const where = `${file && !insn?.pos ? `${file}: ` : ""}instruction ${slots[index]}`;
    out.push({
      severity: "error",
      code: p.code,
      message: `${where}: ${p.message}`,
      pos: insn?.pos,
    });
  };

  if (insns.length === 0) {
    out.push({
      severity: "error",
      code: "E0110",
      message: `${file ? `${file}: ` : ""}the program is empty`,
    });
    return out;
  }
  insns.forEach((insn, i) => {
    const bad = checkInsn(insn);
    if (bad) return report(i, bad);
    const branch = branchDistance(insn);
    if (!branch) return;
    const target = slots[i] + branch.distance + 1;
    if (target < 0 || target >= total) {
      report(
        i,
        problem(
          "E0106",
          `${branch.what} ${signed(branch.distance)} lands at ${target}, outside the program (0..${total - 1})`,
        ),
      );
    } else if (!starts.has(target)) {
      report(
        i,
        problem(
          "E0107",
          `${branch.what} ${signed(branch.distance)} lands at ${target}, the second half of an lddw`,
        ),
      );
    }
  });
  const last = insns[insns.length - 1];
  const lastOp = opOf(last.code);
  const ends =
    (classOf(last.code) === Class.JMP && (lastOp === Jmp.EXIT || lastOp === Jmp.JA)) ||
    (classOf(last.code) === Class.JMP32 && lastOp === Jmp.JA);
  if (!ends) {
    report(
      insns.length - 1,
      problem(
        "E0109",
        "the program can fall off its end: the last instruction must be exit or an unconditional jump",
      ),
    );
  }
  return out;
}

const signed = (n: number): string => (n >= 0 ? `+${n}` : String(n));

/** Throws a BpfError for the first problem found. */
export function validate(insns: readonly Insn[], file?: string): void {
  const [first] = validationDiagnostics(insns, file);
  if (first) throw new BpfError(first.code, first.message, first.pos);
}
