// Legalization: rewrites optimised IR into the subset the emitter maps 1:1 onto eBPF.
// - Map-value bases get a pointer vreg (`addr [mapN+hi]`, an ld_imm64), shared by every access
//   the definition dominates; offsets beyond a load's signed 16-bit field go into the ld_imm64.
// - Immediates that eBPF cannot encode (64-bit ALU/JMP operands, ST values, check limits outside
//   a sign-extended 32 bits) move into vregs.
// - `store imm` through a pointer that might be ctx goes through a register: the verifier refuses
//   BPF_ST into ctx ("BPF_ST stores into R1 ctx is not allowed").
// - `d = a - d` (non-commutative, result in the right operand) computes into a fresh vreg first.
// - Division by a constant 0 (refused by the verifier) becomes its eBPF result; constant shift
//   counts are reduced modulo the width (eBPF's semantics; the verifier refuses larger ones).
import { fitsOff16 } from "../../bpf/insn.js";
import { dominators } from "../ir/dominators.js";
import {
  defOf,
  imm,
  isImm,
  isReg,
  newReg,
  type Addr,
  type AluOp,
  type Block,
  type Func,
  type Inst,
  type Value,
  type VReg,
} from "../ir/ir.js";
import { pushAt } from "../ir/map-of-lists.js";

const COMMUTATIVE = new Set<AluOp>(["add", "mul", "and", "or", "xor"]);
const INT32_MIN = -(1n << 31n);
const INT32_MAX = (1n << 31n) - 1n;
export const fitsImm32 = (v: bigint): boolean => v >= INT32_MIN && v <= INT32_MAX;

export function legalize(f: Func): void {
  materializeMapBases(f);
  const safeForStoreImm = mapOrStackPointers(f);
  for (const b of f.blocks) {
    const out: Inst[] = [];
    const inReg = (v: Value, pos: Inst["pos"]): VReg => {
      if (isReg(v)) return v;
      const r = newReg(f);
      out.push({ op: "mov", dst: r, src: v, pos });
      return r;
    };
    for (const i of b.insns) {
      if (i.op === "alu" && i.b === i.dst && i.a !== i.dst && !COMMUTATIVE.has(i.alu)) {
        // `d = a - d` has no two-address form: compute into a fresh vreg, then copy.
        const t = newReg(f);
        out.push({ ...i, dst: t }, { op: "mov", dst: i.dst, src: t, pos: i.pos });
      } else if (i.op === "alu") {
        out.push(legalAlu(i, (v) => inReg(v, i.pos)));
      } else if (i.op === "store" && isImm(i.value)) {
        const base = i.addr.base;
        const stOk =
          (i.width < 8 || fitsImm32(i.value)) &&
          (base.kind !== "reg" || safeForStoreImm.has(base.reg));
        out.push(stOk ? i : { ...i, value: inReg(i.value, i.pos) });
      } else {
        out.push(i);
      }
    }
    const t = b.term;
    if (t.op === "br" && isImm(t.b) && t.w === 64 && !fitsImm32(t.b)) {
      b.term = { ...t, b: inReg(t.b, t.pos) };
    } else if (t.op === "check" && !fitsImm32(t.max)) {
      b.term = {
        op: "br",
        cond: "ule",
        w: 64,
        a: t.value,
        b: inReg(t.max, t.pos),
        then: t.ok,
        else: t.fail,
        pos: t.pos,
      };
    }
    b.insns = out;
  }
}

function legalAlu(i: Inst & { op: "alu" }, inReg: (v: Value) => VReg): Inst {
  if (!isImm(i.b)) return i;
  const b = i.b;
  const w = BigInt(i.w);
  if ((i.alu === "udiv" || i.alu === "sdiv") && BigInt.asUintN(i.w, b) === 0n) {
    return { op: "mov", dst: i.dst, src: 0n, pos: i.pos };
  }
  if ((i.alu === "umod" || i.alu === "smod") && BigInt.asUintN(i.w, b) === 0n) {
    return i.w === 64
      ? { op: "mov", dst: i.dst, src: i.a, pos: i.pos }
      : { op: "unary", un: "zext32", dst: i.dst, a: i.a, pos: i.pos };
  }
  if (i.alu === "shl" || i.alu === "lshr" || i.alu === "ashr")
    return { ...i, b: BigInt.asUintN(64, b) % w };
  if (i.w === 32) return { ...i, b: imm(BigInt.asIntN(32, b)) };
  return fitsImm32(b) ? i : { ...i, b: inReg(b) };
}

/**
 * Gives every map-value access a pointer vreg. Walks the dominator tree with the pointers
 * available so far, so one ld_imm64 serves all the accesses it dominates.
 */
function materializeMapBases(f: Func): void {
  const dom = dominators(f);
  const visit = (b: Block, inherited: Map<string, VReg>): void => {
    const avail = new Map(inherited);
    const out: Inst[] = [];
    const rebase = (a: Addr, pos: Inst["pos"]): Addr => {
      if (a.base.kind !== "map") return a;
      const near = fitsOff16(a.off);
      const key = `${a.base.map}+${near ? 0 : a.off}`;
      let p = avail.get(key);
      if (p === undefined) {
        p = newReg(f);
        out.push({ op: "addr", dst: p, addr: { base: a.base, off: near ? 0 : a.off }, pos });
        avail.set(key, p);
      }
      return { base: { kind: "reg", reg: p }, off: near ? a.off : 0 };
    };
    for (const i of b.insns) {
      if (i.op === "load" || i.op === "store") out.push({ ...i, addr: rebase(i.addr, i.pos) });
      else out.push(i);
    }
    b.insns = out;
    for (const c of dom.children.get(b)!) visit(c, avail);
  };
  visit(dom.order[0], new Map());
}

/**
 * Vregs that certainly point into a map value or the stack (never ctx): every definition is
 * an `addr` of such a base or pointer arithmetic on such a vreg. An optimistic fixed point.
 */
function mapOrStackPointers(f: Func): Set<VReg> {
  const defs = new Map<VReg, Inst[]>();
  for (const b of f.blocks) {
    for (const i of b.insns) {
      const d = defOf(i);
      if (d !== undefined) pushAt(defs, d, i);
    }
  }
  const good = new Set(defs.keys());
  for (const p of f.params) good.delete(p);
  const ok = (i: Inst): boolean => {
    if (i.op === "addr") return i.addr.base.kind !== "reg" || good.has(i.addr.base.reg);
    if (i.op === "mov") return isReg(i.src) && good.has(i.src);
    if (i.op === "alu" && (i.alu === "add" || i.alu === "sub"))
      return good.has(i.a) && !(isReg(i.b) && good.has(i.b));
    return false;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const r of good) {
      if (!defs.get(r)!.every(ok)) {
        good.delete(r);
        changed = true;
      }
    }
  }
  return good;
}
