// The storage actions and the ctx ABI (docs/abi.md): `return` (DONE with ctx.value or result
// bytes in scratch), `fail` (FAILED with ctx.error), and `resubmit` (RESUBMIT with the next read),
// whose file offset goes through one shared tail per program: alignment, extent lookup in the
// extents map (binary search), the access checks, and the translated device address.
import { internalError } from "../../diagnostics.js";
import { BuiltinError, Ctx, extentsMapIndex, readAlignment, Status } from "../../abi/artifact.js";
import { EXTENT_ENTRY_BYTES, ExtentField, ExtentTableField } from "../../abi/extents.js";
import * as A from "../front/ast.js";
import { at } from "../ir/builder.js";
import { isImm, type Block, type Value, type VReg } from "../ir/ir.js";
import { copyBytesRuntime, copyToScratch } from "./block-reads.js";
import { lowerExpr, lowerScalar, storeScratch } from "./expr.js";
import { type Frame, type LowerContext } from "./context.js";

export function lowerFail(cx: LowerContext, fr: Frame, s: Extract<A.Stmt, { kind: "fail" }>): void {
  const name = s.errorName;
  if (!name) throw internalError("lowering: fail without an error name", s.span);
  if (fr.kind === "noinline") {
    cx.f.ret(0n); // excluded by the checker (E0620)
    return;
  }
  const code =
    name in BuiltinError ? BuiltinError[name as keyof typeof BuiltinError] : cx.errorCode(name);
  cx.f.jump(cx.failBlock(code));
}

export function lowerStorageReturn(
  cx: LowerContext,
  fr: Frame,
  s: Extract<A.Stmt, { kind: "return" }>,
): void {
  const f = cx.f;
  const r = cx.info.result;
  if (!s.value || r.kind === "none") {
    f.at(s.span);
    cx.finish(Status.DONE);
    return;
  }
  if (r.kind === "scalar") {
    const v = lowerScalar(cx, fr, s.value, r.type);
    f.at(s.span);
    f.store(8, at.reg(cx.ctx, Ctx.value), v);
    cx.finish(Status.DONE);
    return;
  }
  const v = lowerExpr(cx, fr, s.value);
  f.at(s.span);
  const to = cx.scratch.resultOffset!;
  if (v.kind === "array") {
    copyToScratch(cx, v.at, to, v.length * v.elem.size);
    f.store(4, at.reg(cx.ctx, Ctx.valueLen), BigInt(v.length));
  } else if (v.kind === "bytes") {
    // Inside a bpf_loop callback the copy runs in the storage function, after the loop.
    if (cx.fn.loopExits) cx.fn.loopExits.returnBytes(v.off, v.len);
    else jumpToBytesTail(cx, v.off, v.len, s.span);
    return;
  } else {
    throw internalError(`lowering: returning ${v.kind} as bytes`, s.span);
  }
  cx.finish(Status.DONE);
}

/**
 * Returns `len` bytes of the block at `off` as the result. All such returns share one copy loop,
 * entered with laundered operands: the verifier checks it once instead of once per path (e.g.
 * per iteration of a search).
 */
export function jumpToBytesTail(cx: LowerContext, off: Value, len: Value, pos: A.Span): void {
  const f = cx.f;
  const tail = bytesTail(cx, pos);
  f.mov(off, tail.off);
  f.mov(len, tail.len);
  cx.launder(tail.off);
  cx.launder(tail.len);
  f.jump(tail.block);
}

function bytesTail(cx: LowerContext, pos: A.Span): { block: Block; off: VReg; len: VReg } {
  if (cx.returnBytesTail) return cx.returnBytesTail;
  const f = cx.f;
  const saved = f.current;
  const tail = { block: f.block("return_bytes"), off: f.reg(), len: f.reg() };
  cx.returnBytesTail = tail;
  const r = cx.info.result as { kind: "bytes"; length: number };
  f.setBlock(tail.block).at(pos);
  const len = copyBytesRuntime(cx, tail.off, tail.len, cx.scratch.resultOffset!, r.length);
  f.store(4, at.reg(cx.ctx, Ctx.valueLen), len);
  cx.finish(Status.DONE);
  f.setBlock(saved);
  return tail;
}

export function lowerResubmit(
  cx: LowerContext,
  fr: Frame,
  s: Extract<A.Stmt, { kind: "resubmit" }>,
): void {
  const f = cx.f;
  const off = lowerScalar(cx, fr, s.offset, A.U64);
  const size = s.size ? lowerScalar(cx, fr, s.size, A.U32) : BigInt(cx.blockSize);
  f.at(s.span);
  if (s.stage) {
    const index = cx.info.stages.findIndex((st) => st.name.name === s.stage!.name);
    storeScratch(cx, cx.scratch.stage!, A.U32, BigInt(index));
  }
  f.store(8, at.reg(cx.ctx, Ctx.nextOffset), isImm(off) ? f.mov(off) : off);
  f.store(4, at.reg(cx.ctx, Ctx.nextSize), isImm(size) ? f.mov(size) : size);
  // The checker resolved the file (`in "NAME"`, required with several files).
  const file = s.fileIndex ?? 0;
  if (cx.info.files.length > 1) f.store(4, at.reg(cx.ctx, Ctx.nextFile), f.mov(BigInt(file)));
  // Inside a bpf_loop callback the tail runs in the storage function, after the loop.
  if (cx.fn.loopExits) cx.fn.loopExits.resubmit();
  else f.jump(translateTail(cx, s.span, file));
}

/**
 * Where a resubmit goes once ctx.next_offset, next_size (and next_file) are written: the file's
 * own tail when the read's file is known here, else (`file` undefined: after a bpf_loop, whose
 * callback wrote ctx.next_file) a dispatch on ctx.next_file to the files' tails.
 */
export function translateTail(cx: LowerContext, pos: A.Span, file?: number): Block {
  const files = Math.max(1, cx.info.files.length);
  if (file !== undefined || files === 1) return fileTail(cx, pos, file ?? 0);
  if (cx.resubmitDispatch) return cx.resubmitDispatch;
  const f = cx.f;
  const saved = f.current;
  const dispatch = f.block("resubmit_file");
  cx.resubmitDispatch = dispatch;
  f.setBlock(dispatch).at(pos);
  const which = f.load(4, at.reg(cx.ctx, Ctx.nextFile));
  for (let i = 0; i < files - 1; i++) {
    const next = f.block("resubmit_file");
    f.br("eq", which, BigInt(i), fileTail(cx, pos, i), next);
    f.setBlock(next);
  }
  f.jump(fileTail(cx, pos, files - 1));
  f.setBlock(saved);
  return dispatch;
}

/** The shared tail of every resubmit into `file`: checks and translates ctx.next_offset through
 * the file's extents map, then RESUBMIT. */
function fileTail(cx: LowerContext, pos: A.Span, file: number): Block {
  const existing = cx.resubmitTails.get(file);
  if (existing) return existing;
  const f = cx.f;
  const saved = f.current;
  const tail = f.block("resubmit");
  cx.resubmitTails.set(file, tail);
  f.setBlock(tail).at(pos);
  cx.usesExtents = true;
  const extents = extentsMapIndex(file);
  const ctx = cx.ctx;
  const cap = cx.extentCapacity;
  const off = f.load(8, at.reg(ctx, Ctx.nextOffset));
  const size = f.load(4, at.reg(ctx, Ctx.nextSize));

  const aligned = f.block("aligned");
  // Sector alignment (what O_DIRECT needs); programs with smaller blocks align to their block.
  const align = readAlignment(cx.blockSize);
  f.br("set", off, BigInt(align - 1), cx.failBlock(BuiltinError.misaligned), aligned);
  f.setBlock(aligned);

  // count = min(extents.count, capacity): the table is never read past the map value.
  const count = f.load(8, at.map(extents, ExtentTableField.count));
  const clamp = f.block("clamp");
  const counted = f.block("counted");
  f.br("ugt", count, BigInt(cap), clamp, counted);
  f.setBlock(clamp);
  f.mov(BigInt(cap), count);
  f.jump(counted);
  f.setBlock(counted);

  // Binary search for the last extent whose file_offset <= off: lo = the number of such extents.
  const lo = f.mov(0n);
  const hi = f.mov(count);
  const steps = f.mov(0n);
  const head = f.block("extsearch");
  const body = f.block("extprobe");
  const found = f.block("extfound");
  const left = f.block("extleft");
  const right = f.block("extright");
  const latch = f.block("extnext");
  f.jump(head);
  f.setBlock(head);
  const more = f.block("extmore");
  f.br("uge", lo, hi, found, more);
  f.setBlock(more);
  f.br("uge", steps, BigInt(Math.ceil(Math.log2(cap + 1)) + 1), found, body);
  f.setBlock(body);
  const mid = f.alu("lshr", f.alu("add", lo, hi), 1n);
  const entry = extentEntry(cx, extents, mid);
  const start = f.load(8, at.reg(entry, ExtentField.fileOffset));
  f.br("ult", off, start, left, right);
  f.setBlock(left);
  f.mov(mid, hi);
  f.jump(latch);
  f.setBlock(right);
  f.alu("add", mid, 1n, 64, lo);
  f.jump(latch);
  f.setBlock(latch);
  f.alu("add", steps, 1n, 64, steps);
  f.jump(head);

  // lo == 0: before every extent (or no extents at all).
  f.setBlock(found);
  const some = f.block("extsome");
  const none = f.block("extnone");
  f.br("eq", lo, 0n, none, some);
  f.setBlock(none);
  // An empty table: the file has no known layout, device address = file offset (docs/abi.md).
  const identity = f.block("extidentity");
  f.br("eq", count, 0n, identity, cx.failBlock(BuiltinError.unmapped));
  f.setBlock(identity);
  f.store(8, at.reg(ctx, Ctx.nextDev), off);
  cx.finish(Status.RESUBMIT);

  f.setBlock(some);
  const idx = f.alu("sub", lo, 1n);
  const e = extentEntry(cx, extents, idx);
  const eStart = f.load(8, at.reg(e, ExtentField.fileOffset));
  const eLen = f.load(8, at.reg(e, ExtentField.length));
  const eDev = f.load(8, at.reg(e, ExtentField.devAddr));
  const eEnd = f.alu("add", eStart, eLen);
  const last = f.alu("sub", count, 1n);
  // Past the extent's end: past the last extent is past the file, else a hole.
  const inside = f.block("extinside");
  const past = f.block("extpast");
  f.br("uge", off, eEnd, past, inside);
  f.setBlock(past);
  f.br(
    "eq",
    idx,
    last,
    cx.failBlock(BuiltinError.out_of_file),
    cx.failBlock(BuiltinError.unmapped),
  );
  // The read must end inside the extent, except in the last one (a short read at the end of the file).
  f.setBlock(inside);
  const readEnd = f.alu("add", off, size);
  const crosses = f.block("extcross");
  const fitsIn = f.block("extfits");
  f.br("ugt", readEnd, eEnd, crosses, fitsIn);
  f.setBlock(crosses);
  f.br("eq", idx, last, fitsIn, cx.failBlock(BuiltinError.crosses_extent));
  f.setBlock(fitsIn);
  const dev = f.alu("add", eDev, f.alu("sub", off, eStart));
  f.store(8, at.reg(ctx, Ctx.nextDev), dev);
  cx.finish(Status.RESUBMIT);
  f.setBlock(saved);
  return tail;
}

/** A pointer to extents[i] in map `extents` (i checked against the capacity for the verifier). */
function extentEntry(cx: LowerContext, extents: number, i: VReg): VReg {
  const f = cx.f;
  const ok = f.block("extidx");
  f.check(i, BigInt(cx.extentCapacity - 1), ok, cx.failBlock(BuiltinError.unmapped));
  f.setBlock(ok);
  const base = f.addr(at.map(extents, ExtentTableField.entries));
  return f.alu("add", base, f.alu("mul", i, BigInt(EXTENT_ENTRY_BYTES)));
}
