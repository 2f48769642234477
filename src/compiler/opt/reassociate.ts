// Reassociation of constant chains: `y = (z op c1) op c2` becomes `y = z op (c1 op c2)` for
// add, xor, and, or, mul and same-direction shifts, and `x - c` is canonicalised to `x + (-c)` so
// additions and subtractions combine. The intermediate value usually dies.
import { imm, isImm, type AluOp, type Func, type Inst } from "../ir/ir.js";
import { evalAlu } from "./eval.js";
import { singleDefs, type SingleDefs } from "./single-defs.js";

const COMBINABLE = new Set<AluOp>(["add", "xor", "and", "or", "mul"]);
const SHIFTS = new Set<AluOp>(["shl", "lshr"]);

function combine(i: Inst, sd: SingleDefs): Inst {
  if (i.op !== "alu" || !isImm(i.b)) return i;
  if (i.alu === "sub") return { ...i, alu: "add", b: imm(-i.b) };
  const inner = sd.def(i.a);
  if (inner?.op !== "alu" || !isImm(inner.b) || inner.w !== i.w || !sd.stable(inner.a)) return i;
  const innerOp = inner.alu === "sub" ? "add" : inner.alu;
  const innerC = inner.alu === "sub" ? imm(-inner.b) : inner.b;
  if (innerOp !== i.alu) return i;
  if (COMBINABLE.has(i.alu)) return { ...i, a: inner.a, b: evalAlu(i.alu, i.w, innerC, i.b) };
  if (SHIFTS.has(i.alu)) {
    const total = BigInt.asUintN(64, innerC) + BigInt.asUintN(64, i.b);
    if (
      BigInt.asUintN(64, innerC) < BigInt(i.w) &&
      BigInt.asUintN(64, i.b) < BigInt(i.w) &&
      total < BigInt(i.w)
    ) {
      return { ...i, a: inner.a, b: total };
    }
  }
  return i;
}

export function reassociate(f: Func): void {
  const sd = singleDefs(f);
  for (const b of f.blocks) b.insns = b.insns.map((i) => combine(i, sd));
}
