// Reads of the block (`T at off`, layout fields, array elements) and the bounds checks the compiler
// inserts for them. A run-time offset is checked with the IR's `check` (an unsigned compare-and-
// branch against `block size - access size` that fails with `out_of_block`) and then added, as
// that very vreg, to the block map's base: the Linux verifier follows the range it learned from
// the branch into the pointer, and accepts every load through it.
import { internalError } from "../../diagnostics.js";
import { BuiltinError, Ctx, MapIndex } from "../../abi/artifact.js";
import { HelperId } from "../../abi/helpers.js";
import * as A from "../front/ast.js";
import { at } from "../ir/builder.js";
import { isImm, type Value, type VReg } from "../ir/ir.js";
import { constOf, lowerExpr, lowerScalar, scalarTy } from "./expr.js";
import { scalar, type BlockRef, type Frame, type LowerContext, type LValue } from "./context.js";

/** A pointer into the block map at run-time offset `off`, valid for `size` bytes (or fails). */
export function checkedPtr(cx: LowerContext, off: VReg, size: number): VReg {
  const f = cx.f;
  if (cx.boundsChecks) {
    const ok = f.block("inblock");
    f.check(off, BigInt(cx.blockSize - size), ok, cx.failBlock(BuiltinError.out_of_block));
    f.setBlock(ok);
  } else {
    cx.uncheckedReads.push(f.position);
  }
  const base = f.addr(at.map(MapIndex.block, 0));
  return f.alu("add", base, off);
}

/** A place `size` bytes long at block offset `off` (constant or run-time). */
export function placeAt(cx: LowerContext, off: Value, size: number): BlockRef {
  if (isImm(off)) {
    if (off < 0n || off + BigInt(size) > BigInt(cx.blockSize)) {
      // Only reachable through constants the checker could not see (generic lengths): fail.
      cx.f.jump(cx.failBlock(BuiltinError.out_of_block));
      cx.f.setBlock(cx.f.block("dead"));
      return { off: 0 };
    }
    return { off: Number(off) };
  }
  return { ptr: checkedPtr(cx, off, size), off: 0 };
}

/** Loads one on-disk integer and brings it into canonical form. */
export function loadScalar(
  cx: LowerContext,
  s: Extract<A.StorageType, { kind: "scalar" }>,
  ref: BlockRef,
): VReg {
  const f = cx.f;
  const size = s.size as 1 | 2 | 4 | 8;
  const t = s.type;
  if (s.endian !== "big" || size === 1) return f.load(size, cx.addr(ref), t.signed && size < 8);
  const raw = f.load(size, cx.addr(ref));
  const swapped = f.unary(`be${size * 8}` as "be16", raw);
  return t.signed && size < 8 ? f.unary(`sext${size * 8}` as "sext16", swapped) : swapped;
}

/** The value of a place of storage type `s`. */
export function valueAt(cx: LowerContext, s: A.StorageType, ref: BlockRef): LValue {
  switch (s.kind) {
    case "scalar":
      return scalar(loadScalar(cx, s, ref), s.type);
    case "array":
      return { kind: "array", elem: s.elem, length: s.length, at: ref };
    case "layout":
      return { kind: "view", layout: s.layout, at: ref };
  }
}

export function lowerRead(cx: LowerContext, fr: Frame, e: Extract<A.Expr, { kind: "at" }>): LValue {
  const off = lowerScalar(cx, fr, e.offset, A.U64);
  cx.f.at(e.span);
  if (e.runtimeLength) {
    const len = lowerScalar(cx, fr, e.runtimeLength, A.U64);
    return { kind: "bytes", off, len };
  }
  const s = e.storage;
  if (!s) throw internalError("lowering: read without a storage type", e.span);
  return valueAt(cx, s, placeAt(cx, off, s.size));
}

export function lowerIndex(
  cx: LowerContext,
  fr: Frame,
  e: Extract<A.Expr, { kind: "index" }>,
): LValue {
  const arr = lowerExpr(cx, fr, e.object);
  if (arr.kind !== "array") throw internalError(`lowering: index of ${arr.kind}`, e.span);
  const f = cx.f;
  const elemSize = arr.stride ?? arr.elem.size;
  const i = constOf(e.index) ?? lowerScalar(cx, fr, e.index, scalarTy(e.index));
  f.at(e.span);
  if (isImm(i)) {
    if (i < 0n || i >= BigInt(arr.length)) {
      f.jump(cx.failBlock(BuiltinError.out_of_block));
      f.setBlock(f.block("dead"));
      return valueAt(cx, arr.elem, arr.at);
    }
    return valueAt(cx, arr.elem, { ptr: arr.at.ptr, off: arr.at.off + Number(i) * elemSize });
  }
  // i <= length - 1, checked on the register that is then scaled and added to the place's pointer.
  if (cx.boundsChecks) {
    const ok = f.block("inarray");
    f.check(i, BigInt(arr.length - 1), ok, cx.failBlock(BuiltinError.out_of_block));
    f.setBlock(ok);
  } else {
    cx.uncheckedReads.push(f.position);
  }
  const scaled = elemSize === 1 ? i : f.alu("mul", i, BigInt(elemSize));
  const base = arr.at.ptr ?? f.addr(at.map(MapIndex.block, 0));
  const ptr = f.alu("add", base, scaled);
  return valueAt(cx, arr.elem, { ptr, off: arr.at.off });
}

/** block.offset, block.len, block.size, chain.hop. */
export function lowerBlockBuiltin(
  cx: LowerContext,
  which: "block" | "chain",
  field: string,
  span: A.Span,
): LValue {
  const f = cx.f.at(span);
  if (which === "chain") return scalar(f.load(4, at.reg(cx.ctx, Ctx.hop)), A.U32);
  switch (field) {
    case "offset":
      return scalar(f.load(8, at.reg(cx.ctx, Ctx.offset)), A.U64);
    case "len":
      return scalar(f.load(4, at.reg(cx.ctx, Ctx.size)), A.U32);
    case "size":
      return scalar(BigInt(cx.blockSize), A.U32);
  }
  throw internalError(`lowering: block.${field}`, span);
}

/**
 * Copies `length` bytes of the block at `from` into scratch at `to` (8 bytes at a time, then the
 * tail): the result of `return [u8; N] at off;` or of a byte-array field.
 */
export function copyToScratch(cx: LowerContext, from: BlockRef, to: number, length: number): void {
  const f = cx.f;
  let done = 0;
  for (const w of [8, 4, 2, 1] as const) {
    while (length - done >= w) {
      const v = f.load(w, cx.addr(from, done));
      f.store(w, at.map(MapIndex.scratch, to + done), v);
      done += w;
    }
  }
}

/**
 * Results of at most this many bytes are copied in words under resultCopy "auto": up to 16 word
 * loads are faster than a helper call (slotted's 64-byte payload, ns per step in the kernel:
 * ~143 in words, ~150 through bpf_probe_read_kernel, its C ~142) and cost the verifier little.
 */
export const WORD_COPY_MAX = 128;

/**
 * The copy of `len` (≤ the result's maximum, checked) bytes of the block at `off` into scratch at
 * `to` with one bpf_probe_read_kernel: the verifier checks the destination against len's bound
 * and takes the source as any address, so it walks no loop, and the run time follows the bytes
 * copied. The source's bounds are this check's: off ≤ block size and off + len ≤ block size.
 */
function copyWithHelper(cx: LowerContext, off: VReg, len: VReg, to: number): void {
  const f = cx.f;
  const oob = cx.failBlock(BuiltinError.out_of_block);
  const startOk = f.block("srcok");
  f.check(off, BigInt(cx.blockSize), startOk, oob);
  f.setBlock(startOk);
  const endOk = f.block("srcendok");
  f.check(f.alu("add", off, len), BigInt(cx.blockSize), endOk, oob);
  f.setBlock(endOk);
  const src = f.alu("add", f.addr(at.map(MapIndex.block, 0)), off);
  // A map value is always readable: the call cannot fail.
  f.call(HelperId.PROBE_READ_KERNEL, [f.addr(at.map(MapIndex.scratch, to)), len, src], false);
}

/**
 * `[u8; len] at off` with a run-time length: len ≤ max (else out_of_block), then the copy in
 * 8-byte words (len / 8 of them, at most max / 8 iterations) and a tail of at most 7 bytes, each
 * load bounds-checked. The verifier walks every iteration a path can take, so the cost follows
 * max / 8 + 7 instead of max (a 4,061-byte result: ~510 iterations, not 4,061). Returns the length.
 */
export function copyBytesRuntime(
  cx: LowerContext,
  off: Value,
  len: Value,
  to: number,
  max: number,
): Value {
  const f = cx.f;
  const oob = cx.failBlock(BuiltinError.out_of_block);
  if (isImm(len)) {
    if (len > BigInt(max)) {
      f.jump(oob);
      f.setBlock(f.block("dead"));
      return 0n;
    }
    if (isImm(off)) {
      copyToScratch(cx, placeAt(cx, off, Number(len) || 1), to, Number(len));
      return len;
    }
  }
  const lenReg = isImm(len) ? f.mov(len) : len;
  const fits = f.block("lenok");
  f.check(lenReg, BigInt(max), fits, oob);
  f.setBlock(fits);
  const base = isImm(off) ? f.mov(off) : off;
  if (cx.resultCopy === "helper" || (cx.resultCopy === "auto" && max > WORD_COPY_MAX)) {
    copyWithHelper(cx, base, lenReg, to);
    return lenReg;
  }
  // Copies `width` bytes at index i of the result (i + width ≤ len ≤ max, checked for the verifier).
  const copyAt = (i: Value, width: 1 | 8): void => {
    const p = checkedPtr(cx, f.alu("add", base, i), width);
    const v = f.load(width, at.reg(p, 0));
    const inDst = f.block("dstok");
    f.check(isImm(i) ? f.mov(i) : i, BigInt(max - width), inDst, oob);
    f.setBlock(inDst);
    const dst = f.alu("add", f.addr(at.map(MapIndex.scratch, to)), i);
    f.store(width, at.reg(dst, 0), v);
  };
  let tailStart: Value = 0n;
  if (max >= 8) {
    const words = f.alu("lshr", lenReg, 3n);
    const w = f.mov(0n);
    const head = f.block("copy");
    const body = f.block("copyword");
    const done = f.block("words");
    f.jump(head);
    f.setBlock(head);
    f.br("uge", w, words, done, body);
    f.setBlock(body);
    copyAt(f.alu("shl", w, 3n), 8);
    f.alu("add", w, 1n, 64, w);
    f.jump(head);
    f.setBlock(done);
    tailStart = f.alu("and", lenReg, -8n);
  }
  // The tail: bytes tailStart .. len, at most 7, counted by a constant bound.
  const k = f.mov(0n);
  const head = f.block("tail");
  const next = f.block("tailbyte");
  const body = f.block("copybyte");
  const done = f.block("copied");
  f.jump(head);
  f.setBlock(head);
  f.br("uge", k, 7n, done, next);
  f.setBlock(next);
  const j = f.alu("add", isImm(tailStart) ? f.mov(tailStart) : tailStart, k);
  f.br("uge", j, lenReg, done, body);
  f.setBlock(body);
  copyAt(j, 1);
  f.alu("add", k, 1n, 64, k);
  f.jump(head);
  f.setBlock(done);
  return lenReg;
}
