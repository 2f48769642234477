// A store of W bytes uses only the low W bytes of its value, so zero-extensions and masks that
// keep those bytes are pointless in front of it: `store u32 [a], zext32(x)` stores x.
import { printFunc } from "../ir-print.js";
import { isImm, isReg, type Func, type Inst, type Value, type Width } from "../ir.js";
import { singleDefs, type SingleDefs } from "./single-defs.js";

const ZEXT_BYTES: Partial<Record<string, number>> = { zext8: 1, zext16: 2, zext32: 4, le16: 2, le32: 4, le64: 8 };

/** The value a W-byte store can take instead of `v`, looking through width-preserving ops. */
function narrowed(v: Value, width: Width, sd: SingleDefs): Value {
  for (let depth = 0; depth < 4 && isReg(v); depth++) {
    const d = sd.def(v);
    if (d === undefined) break;
    let src: Value | undefined;
    if (d.op === "unary" && (ZEXT_BYTES[d.un] ?? 0) >= width) src = d.a;
    else if (d.op === "alu" && d.alu === "and" && isImm(d.b) && BigInt.asUintN(width * 8, d.b) === (1n << BigInt(width * 8)) - 1n) src = d.a;
    else if (d.op === "mov") src = d.src;
    if (src === undefined || (isReg(src) && !sd.stable(src))) break;
    v = src;
  }
  return v;
}

export function narrowStores(f: Func): boolean {
  const before = printFunc(f);
  const sd = singleDefs(f);
  for (const b of f.blocks) {
    b.insns = b.insns.map((i): Inst => (i.op === "store" && i.width < 8 ? { ...i, value: narrowed(i.value, i.width, sd) } : i));
  }
  return printFunc(f) !== before;
}
