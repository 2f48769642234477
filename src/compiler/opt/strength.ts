// Strength reduction: multiplication, unsigned division and unsigned remainder by a power of two
// become shifts and masks (one cheap instruction each, and ranges the verifier tracks exactly);
// `and x, 0xffffffff`, which eBPF cannot encode as a 64-bit immediate, becomes a zero-extension.
import { imm, isImm, type Func, type Inst } from "../ir/ir.js";
import { log2Exact } from "./eval.js";

function reduce(i: Inst): Inst {
  if (i.op !== "alu" || !isImm(i.b)) return i;
  const b = BigInt.asUintN(i.w, i.b);
  const k = log2Exact(b);
  switch (i.alu) {
    case "mul":
      return k > 0 ? { ...i, alu: "shl", b: BigInt(k) } : i;
    case "udiv":
      return k > 0 ? { ...i, alu: "lshr", b: BigInt(k) } : i;
    case "umod":
      return k >= 0 ? { ...i, alu: "and", b: imm(b - 1n) } : i;
    case "and":
      if (i.w === 64 && b === 0xffffffffn)
        return { op: "unary", un: "zext32", dst: i.dst, a: i.a, pos: i.pos };
      return i;
    default:
      return i;
  }
}

export function strengthReduce(f: Func): void {
  for (const b of f.blocks) b.insns = b.insns.map(reduce);
}
