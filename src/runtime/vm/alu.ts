// 64-bit arithmetic on (lo, hi) pairs of int32 for the translated engine. Functions return the low
// half and leave the high half in `ALU.hi`, so no pair object is allocated per operation. The
// cheap operations (add, sub, logic, compares, constant shifts) are inlined by the translator; these
// are the ones too long to inline. Quotients outside the exact range of doubles go through BigInt.
import { Atomic } from "../../bpf/opcodes.js";

const TWO32 = 4294967296;
const SAFE = 2097152; // 2^21: a high half below this keeps the value under 2^53

const fromBig = (v: bigint): number => {
  ALU.hi = Number(BigInt.asIntN(32, v >> 32n));
  return Number(BigInt.asIntN(32, v));
};
const big = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo >>> 0);

function mul64(al: number, ah: number, bl: number, bh: number): number {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  ALU.hi = (carry + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  return (mid << 16) | (p00 & 0xffff);
}

function udiv64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) return (ALU.hi = 0);
  if (ah >>> 0 < SAFE && bh >>> 0 < SAFE) {
    const q = Math.floor(((ah >>> 0) * TWO32 + (al >>> 0)) / ((bh >>> 0) * TWO32 + (bl >>> 0)));
    ALU.hi = (q / TWO32) | 0;
    return q | 0;
  }
  return fromBig(BigInt.asUintN(64, big(al, ah)) / BigInt.asUintN(64, big(bl, bh)));
}

function umod64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) {
    ALU.hi = ah;
    return al;
  }
  if (ah >>> 0 < SAFE && bh >>> 0 < SAFE) {
    const r = ((ah >>> 0) * TWO32 + (al >>> 0)) % ((bh >>> 0) * TWO32 + (bl >>> 0));
    ALU.hi = (r / TWO32) | 0;
    return r | 0;
  }
  return fromBig(BigInt.asUintN(64, big(al, ah)) % BigInt.asUintN(64, big(bl, bh)));
}

/** Whether (lo, hi) is a signed value of magnitude below 2^53 (so a double holds it exactly). */
const smallSigned = (hi: number): boolean => hi >= -SAFE && hi < SAFE;

function sdiv64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) return (ALU.hi = 0);
  if (smallSigned(ah) && smallSigned(bh)) {
    const q = Math.trunc((ah * TWO32 + (al >>> 0)) / (bh * TWO32 + (bl >>> 0)));
    ALU.hi = Math.floor(q / TWO32) | 0;
    return q | 0;
  }
  return fromBig(BigInt.asIntN(64, big(al, ah)) / BigInt.asIntN(64, big(bl, bh)));
}

function smod64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) {
    ALU.hi = ah;
    return al;
  }
  if (smallSigned(ah) && smallSigned(bh)) {
    const r = (ah * TWO32 + (al >>> 0)) % (bh * TWO32 + (bl >>> 0));
    ALU.hi = Math.floor(r / TWO32) | 0;
    return r | 0;
  }
  return fromBig(BigInt.asIntN(64, big(al, ah)) % BigInt.asIntN(64, big(bl, bh)));
}

function lsh64(l: number, h: number, n: number): number {
  n &= 63;
  if (n === 0) {
    ALU.hi = h;
    return l;
  }
  if (n < 32) {
    ALU.hi = (h << n) | (l >>> (32 - n));
    return l << n;
  }
  ALU.hi = l << (n - 32);
  return 0;
}

function rsh64(l: number, h: number, n: number): number {
  n &= 63;
  if (n === 0) {
    ALU.hi = h;
    return l;
  }
  if (n < 32) {
    ALU.hi = (h >>> n) | 0;
    return (l >>> n) | (h << (32 - n));
  }
  ALU.hi = 0;
  return (h >>> (n - 32)) | 0;
}

function arsh64(l: number, h: number, n: number): number {
  n &= 63;
  if (n === 0) {
    ALU.hi = h;
    return l;
  }
  if (n < 32) {
    ALU.hi = h >> n;
    return (l >>> n) | (h << (32 - n));
  }
  ALU.hi = h >> 31;
  return h >> (n - 32);
}

function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

function combine(op: number, old: number, src: number): number {
  switch (op & ~Atomic.FETCH) {
    case Atomic.ADD:
      return (old + src) | 0;
    case Atomic.OR:
      return old | src;
    case Atomic.AND:
      return old & src;
    case Atomic.XOR:
      return old ^ src;
  }
  return src; // xchg
}

/** A 32-bit atomic at byte `a` of `dv`; returns the old value. cmpxchg compares with `expect`. */
function atomic32(dv: DataView, a: number, op: number, src: number, expect: number): number {
  const old = dv.getInt32(a, true);
  if (op === Atomic.CMPXCHG) {
    if (old === expect) dv.setInt32(a, src, true);
  } else {
    dv.setInt32(a, combine(op, old, src), true);
  }
  return old;
}

/** The 64-bit atomic; returns the old value's low half, its high half in ALU.hi. */
function atomic64(
  dv: DataView,
  a: number,
  op: number,
  sl: number,
  sh: number,
  el: number,
  eh: number,
): number {
  const ol = dv.getInt32(a, true);
  const oh = dv.getInt32(a + 4, true);
  let nl = sl;
  let nh = sh;
  if (op === Atomic.CMPXCHG) {
    if (ol !== el || oh !== eh) {
      nl = ol;
      nh = oh;
    }
  } else if ((op & ~Atomic.FETCH) === Atomic.ADD) {
    const t = (ol >>> 0) + (sl >>> 0);
    nl = t | 0;
    nh = (oh + sh + (t > 4294967295 ? 1 : 0)) | 0;
  } else if (op !== Atomic.XCHG) {
    nl = combine(op, ol, sl);
    nh = combine(op, oh, sh);
  }
  dv.setInt32(a, nl, true);
  dv.setInt32(a + 4, nh, true);
  ALU.hi = oh;
  return ol;
}

export const ALU = {
  hi: 0,
  mul64,
  udiv64,
  umod64,
  sdiv64,
  smod64,
  lsh64,
  rsh64,
  arsh64,
  bswap32,
  atomic32,
  atomic64,
};
