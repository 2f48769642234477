// Demanded bits: an operation that reads only the low N bits of an operand does not care how the
// operand's upper bits were cleared, so a zero- or sign-extension or a mask that keeps those N
// bits is looked through: `store u32 [a], zext32(x)` stores x, `be16(x & 0xffff)` is `be16(x)`,
// `add32 (zext32 x), y` is `add32 x, y`. The extension then usually dies.
import {
  isImm,
  isReg,
  mapTermUses,
  type Func,
  type Inst,
  type UnaryOp,
  type Value,
  type VReg,
} from "../ir/ir.js";
import { singleDefs, type SingleDefs } from "./single-defs.js";

/** Low bits of its input a one-operand op keeps intact (and reads nothing above). */
const KEEPS: Partial<Record<UnaryOp, number>> = {
  zext8: 8,
  zext16: 16,
  zext32: 32,
  sext8: 8,
  sext16: 16,
  sext32: 32,
  le16: 16,
  le32: 32,
  le64: 64,
};
/** Low bits of its input a one-operand op reads. */
const READS: Partial<Record<UnaryOp, number>> = { ...KEEPS, be16: 16, be32: 32, neg32: 32 };

/** A value with the same low `bits` bits as `v`, computed earlier (looking through extensions). */
function source(v: Value, bits: number, sd: SingleDefs): Value {
  for (let depth = 0; depth < 4 && isReg(v); depth++) {
    const d = sd.def(v);
    let src: Value | undefined;
    if (d?.op === "unary" && (KEEPS[d.un] ?? 0) >= bits) src = d.a;
    else if (
      d?.op === "alu" &&
      d.alu === "and" &&
      isImm(d.b) &&
      BigInt.asUintN(bits, d.b) === (1n << BigInt(bits)) - 1n
    )
      src = d.a;
    else if (d?.op === "mov") src = d.src;
    if (src === undefined || (isReg(src) && !sd.stable(src))) break;
    v = src;
  }
  return v;
}

function narrow(i: Inst, sd: SingleDefs): Inst {
  const reg = (v: VReg, bits: number): VReg => {
    const s = source(v, bits, sd);
    return isReg(s) ? s : v;
  };
  switch (i.op) {
    case "store":
      return i.width < 8 ? { ...i, value: source(i.value, i.width * 8, sd) } : i;
    case "unary": {
      const bits = READS[i.un];
      return bits !== undefined && bits < 64 ? { ...i, a: reg(i.a, bits) } : i;
    }
    case "alu":
      // Shift counts are masked to the width, so ALU32 reads the low 32 bits of both operands.
      return i.w === 32 ? { ...i, a: reg(i.a, 32), b: source(i.b, 32, sd) } : i;
    default:
      return i;
  }
}

export function demandedBits(f: Func): void {
  const sd = singleDefs(f);
  for (const b of f.blocks) {
    b.insns = b.insns.map((i) => narrow(i, sd));
    const t = b.term;
    if (t.op === "br" && t.w === 32) mapTermUses(t, (v) => source(v, 32, sd));
  }
}
