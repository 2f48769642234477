// Emission: allocated IR → eBPF instructions. Blocks go out in layout order, functions one after
// the other (the storage function first); jump and call offsets are resolved at the end, in
// 8-byte slots (an ld_imm64 takes two). Every instruction carries its IR instruction's position.
import { fitsOff16, slotOffsets, type Insn } from "../../bpf/insn.js";
import { Class, Jmp, Src } from "../../bpf/opcodes.js";
import { internalError, IochainError } from "../../diagnostics.js";
import { negateCond } from "../opt/eval.js";
import type { Frame } from "./frame.js";
import {
  isImm,
  type Block,
  type Cond,
  type Func,
  type Term,
  type Value,
  type VReg,
} from "../ir/ir.js";
import { selectInst, type SelectContext } from "./select.js";

export interface AllocatedFunc {
  func: Func;
  order: Block[];
  reg: Map<VReg, number>;
  frame: Frame;
}

const JMP_CODE: Record<Cond, number> = {
  eq: Jmp.JEQ,
  ne: Jmp.JNE,
  ugt: Jmp.JGT,
  uge: Jmp.JGE,
  ult: Jmp.JLT,
  ule: Jmp.JLE,
  sgt: Jmp.JSGT,
  sge: Jmp.JSGE,
  slt: Jmp.JSLT,
  sle: Jmp.JSLE,
  set: Jmp.JSET,
};

interface Fixup {
  at: number;
  block?: Block;
  func?: string;
}

export function emitProgram(funcs: AllocatedFunc[]): Insn[] {
  const out: Insn[] = [];
  const fixups: Fixup[] = [];
  const blockStart = new Map<Block, number>();
  const funcStart = new Map<string, number>();

  for (const { func, order, reg, frame } of funcs) {
    funcStart.set(func.name, out.length);
    const ctx: SelectContext = {
      reg: (v) => {
        const r = reg.get(v);
        if (r === undefined) throw internalError(`%${v} of ${func.name} has no register`);
        return r;
      },
      slotOffset: (s) => frame.offsets[s],
    };
    order.forEach((b, k) => {
      blockStart.set(b, out.length);
      for (const i of b.insns) {
        const base = out.length;
        out.push(
          ...selectInst(i, ctx, (index, name) => fixups.push({ at: base + index, func: name })),
        );
      }
      emitTerm(b.term, order[k + 1], ctx, out, fixups);
    });
  }

  const slots = slotOffsets(out);
  for (const fx of fixups) {
    const target = fx.block ? blockStart.get(fx.block) : funcStart.get(fx.func!);
    if (target === undefined) throw internalError(`unresolved ${fx.func ?? "block"}`);
    const delta = slots[target] - slots[fx.at] - 1;
    const i = out[fx.at];
    if (fx.func !== undefined) i.imm = delta;
    else if (fitsOff16(delta)) i.off = delta;
    else if (i.code === (Class.JMP | Jmp.JA)) {
      out[fx.at] = { ...i, code: Class.JMP32 | Jmp.JA, off: 0, imm: delta }; // gotol
    } else {
      throw new IochainError(
        "E0692",
        `a branch spans ${delta} instructions, more than eBPF's 32767`,
        i.pos,
        "split the function",
      );
    }
  }
  return out;
}

function emitTerm(
  t: Term,
  next: Block | undefined,
  ctx: SelectContext,
  out: Insn[],
  fixups: Fixup[],
): void {
  const pos = t.pos;
  const jumpTo = (b: Block): void => {
    if (b === next) return;
    fixups.push({ at: out.length, block: b });
    out.push({ code: Class.JMP | Jmp.JA, dst: 0, src: 0, off: 0, imm: 0, pos });
  };
  const branch = (cond: Cond, w: 32 | 64, a: VReg, b: Value, target: Block): void => {
    const cls = w === 64 ? Class.JMP : Class.JMP32;
    fixups.push({ at: out.length, block: target });
    out.push(
      isImm(b)
        ? {
            code: cls | JMP_CODE[cond] | Src.K,
            dst: ctx.reg(a),
            src: 0,
            off: 0,
            imm: Number(BigInt.asIntN(32, b)),
            pos,
          }
        : {
            code: cls | JMP_CODE[cond] | Src.X,
            dst: ctx.reg(a),
            src: ctx.reg(b),
            off: 0,
            imm: 0,
            pos,
          },
    );
  };
  const twoWay = (cond: Cond, w: 32 | 64, a: VReg, b: Value, yes: Block, no: Block): void => {
    const inverse = negateCond(cond);
    if (yes === next && inverse !== undefined) {
      branch(inverse, w, a, b, no);
    } else {
      branch(cond, w, a, b, yes);
      jumpTo(no);
    }
  };
  switch (t.op) {
    case "jump":
      jumpTo(t.target);
      break;
    case "br":
      twoWay(t.cond, t.w, t.a, t.b, t.then, t.else);
      break;
    case "check":
      // `if v > max goto fail` — the compare the verifier learns the bound from (see ir.ts).
      twoWay("ugt", 64, t.value, t.max, t.fail, t.ok);
      break;
    case "ret":
      out.push({ code: Class.JMP | Jmp.EXIT, dst: 0, src: 0, off: 0, imm: 0, pos });
      break;
  }
}
