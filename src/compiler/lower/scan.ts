// Scans: a bounded loop over a block's records with `let` bindings, `until` (the chain is done),
// `filter`s and `emit` (one output row + the aggregates). When the output buffer is full the scan
// suspends *before* writing the row: it saves which scan and which record in hidden state, and on
// resume (same block, stage re-run from its top) the scan starts again at that record. The clauses
// have no side effects, so every row is written exactly once.
import { internalError } from "../../diagnostics.js";
import { Ctx, MapIndex, Status } from "../../abi/artifact.js";
import * as A from "../front/ast.js";
import { at } from "../ir/builder.js";
import { isImm, type Value, type VReg } from "../ir/ir.js";
import { arith, loadScratch, lowerCond, lowerExpr, lowerScalar, storeScratch } from "./expr.js";
import { scalar, type Frame, type LowerContext, type LValue } from "./context.js";
import { foldBinary } from "../check/consts.js";
import { LOOP_LIMIT_ERROR } from "./stmt.js";

export function lowerScan(cx: LowerContext, fr: Frame, s: A.ScanStmt): void {
  const f = cx.f;
  const ty = s.varTy;
  const out = cx.scratch.output;
  if (!ty || !out || s.scanIndex === undefined)
    throw internalError("lowering: unchecked scan", s.span);
  const start = lowerScalar(cx, fr, s.start, ty);
  const endV = lowerScalar(cx, fr, s.end, ty);
  f.at(s.span);
  const end = isImm(endV) ? endV : f.mov(endV);
  const i = f.mov(start);
  const tag = BigInt(s.scanIndex + 1);

  // Resuming this scan after a suspension: continue at the saved record.
  const which = loadScratch(cx, cx.scratch.scanWhich!, A.U32);
  const resume = f.block("resume");
  const counterInit = f.block("scanstart");
  f.br("eq", which, tag, resume, counterInit);
  f.setBlock(resume);
  f.load(8, at.map(MapIndex.scratch, cx.scratch.scanRecord!), false, i);
  storeScratch(cx, cx.scratch.scanWhich!, A.U32, 0n);
  f.jump(counterInit);
  f.setBlock(counterInit);

  // The bound: a fresh counter per run (the resumed record may be anywhere in the range).
  const limit = s.limit ?? limitFromMax(cx, fr, s);
  const counter = f.mov(0n);
  const head = f.block("scan");
  const limitBlock = f.block("scanlimit");
  const body = f.block("record");
  const latch = f.block("nextrecord");
  const exit = f.block("endscan");
  f.jump(head);
  f.setBlock(head);
  f.br(ty.signed ? "sge" : "uge", i, end, exit, limitBlock);
  f.setBlock(limitBlock);
  const bound =
    isImm(start) && isImm(end) ? foldBinary("-", end, start, A.intType("i64")) : undefined;
  const maxRuns = limit ?? (bound && "value" in bound ? bound.value : 1n);
  f.br("uge", counter, maxRuns, cx.failBlock(cx.errorCode(LOOP_LIMIT_ERROR)), body);

  f.setBlock(body);
  if (s.local) fr.locals.set(s.local.id, scalar(i, ty));
  (s.letLocals ?? []).forEach((b, k) => {
    const v = lowerExpr(cx, fr, s.lets[k].value);
    fr.locals.set(b.id, v.kind === "scalar" ? scalar(f.mov(v.v), v.ty) : v);
  });
  if (s.until) {
    const done = f.block("until");
    const go = f.block("filter");
    lowerCond(cx, fr, s.until, done, go);
    f.setBlock(done).at(s.until.span);
    cx.finish(Status.DONE);
    f.setBlock(go);
  }
  for (const flt of s.filters) {
    const pass = f.block("pass");
    lowerCond(cx, fr, flt, pass, latch);
    f.setBlock(pass);
  }
  emitRow(cx, fr, s, i);
  f.jump(latch);

  f.setBlock(latch).at(s.span);
  f.mov(arith(cx, "+", i, 1n, ty), i);
  f.alu("add", counter, 1n, 64, counter);
  f.jump(head);
  f.setBlock(exit);
}

function limitFromMax(cx: LowerContext, fr: Frame, s: A.ScanStmt): bigint | undefined {
  if (!s.max) return undefined;
  const v = lowerExpr(cx, fr, s.max);
  return v.kind === "scalar" && isImm(v.v) ? v.v : undefined;
}

function emitRow(cx: LowerContext, fr: Frame, s: A.ScanStmt, record: VReg): void {
  const f = cx.f;
  const out = cx.scratch.output!;
  f.at(s.emitSpan);
  // The values first (pure), then the room check, then the writes.
  const values = new Map<string, Value>();
  for (const e of s.emit) {
    const field = out.fields.find((x) => x.name === e.name.name)!;
    values.set(field.name, lowerScalar(cx, fr, e.value, field.type));
  }
  f.at(s.emitSpan);
  const rows = f.load(4, at.reg(cx.ctx, Ctx.rows));
  const room = f.block("room");
  const full = f.block("full");
  f.check(rows, BigInt(out.capacity - 1), room, full);

  f.setBlock(full);
  storeScratch(cx, cx.scratch.scanWhich!, A.U32, BigInt(s.scanIndex! + 1));
  f.store(8, at.map(MapIndex.scratch, cx.scratch.scanRecord!), record);
  cx.finish(Status.SUSPENDED);

  f.setBlock(room);
  const rowOff = f.alu("mul", rows, BigInt(out.rowSize));
  const base = f.addr(at.map(MapIndex.scratch, out.offset));
  const row = f.alu("add", base, rowOff);
  for (const field of out.fields) {
    f.store(
      (field.type.bits / 8) as 1 | 2 | 4 | 8,
      at.reg(row, field.offset),
      values.get(field.name)!,
    );
  }
  f.store(4, at.reg(cx.ctx, Ctx.rows), f.alu("add", rows, 1n));
  updateAggregates(cx, fr, s, values);
}

function updateAggregates(
  cx: LowerContext,
  fr: Frame,
  s: A.ScanStmt,
  values: Map<string, Value>,
): void {
  const f = cx.f;
  const total = cx.scratch.rowsTotal;
  const seen = total === undefined ? undefined : loadScratch(cx, total, A.U64);
  for (const a of cx.scratch.aggregates) {
    const info = a.info;
    if (info.kind === "count") {
      storeScratch(cx, a.offset, A.U64, f.alu("add", loadScratch(cx, a.offset, A.U64), 1n));
      continue;
    }
    const v = info.expr ? rowExpr(cx, fr, s, values, info) : values.get(info.field!)!;
    if (info.kind === "sum" || info.kind === "avg") {
      addWide(cx, a.offset, info.type.signed, v);
      continue;
    }
    // min / max: take v when nothing was seen yet or when it is smaller / larger.
    const t = info.type;
    const cur = loadScratch(cx, a.offset, t);
    const take = f.block(`${info.kind}take`);
    const compare = f.block(`${info.kind}cmp`);
    const join = f.block(`${info.kind}done`);
    f.br("eq", seen!, 0n, take, compare);
    f.setBlock(compare);
    const cond = info.kind === "min" ? (t.signed ? "slt" : "ult") : t.signed ? "sgt" : "ugt";
    f.br(cond, isImm(v) ? f.mov(v) : v, cur, take, join);
    f.setBlock(take);
    storeScratch(cx, a.offset, t, v);
    f.jump(join);
    f.setBlock(join);
  }
  if (total !== undefined) storeScratch(cx, total, A.U64, f.alu("add", seen!, 1n));
}

/**
 * An aggregate's expression over the row, its fields bound to the values just emitted; one that
 * also names the scan's bindings is this scan's own checked copy (their locals are in `fr`).
 */
function rowExpr(
  cx: LowerContext,
  fr: Frame,
  s: A.ScanStmt,
  values: Map<string, Value>,
  info: LowerContext["info"]["aggregates"][number],
): Value {
  const out = cx.info.output!;
  const locals = new Map(fr.locals);
  for (const [name, id] of info.rowLocals!) {
    const field = out.fields.find((x) => x.name === name)!;
    locals.set(id, scalar(values.get(name)!, field.type));
  }
  const e = info.perScan ? info.perScan.scanExprs.get(s.scanIndex!) : info.expr;
  if (!e)
    throw internalError(`lowering: aggregate \`${info.name}\` unchecked in this scan`, s.span);
  return lowerScalar(cx, { ...fr, locals }, e, info.type);
}

/**
 * sum and avg are 128-bit (docs/abi.md, "scratch layout"): low word at `offset`, high word at
 * `offset + 8`. Adding v: the low word wraps, and a carry out of it (the new low word is below v,
 * unsigned) goes into the high word; a signed v also adds its sign extension (-1 or 0) to the high
 * word. Fewer than 2^64 rows cannot overflow 128 bits, so the sum is exact.
 */
function addWide(cx: LowerContext, offset: number, signed: boolean, v: Value): void {
  const f = cx.f;
  const value = isImm(v) ? f.mov(v) : v;
  const lo = f.alu("add", loadScratch(cx, offset, A.U64), value);
  storeScratch(cx, offset, A.U64, lo);
  if (signed) {
    const hi = loadScratch(cx, offset + 8, A.U64);
    storeScratch(cx, offset + 8, A.U64, f.alu("add", hi, f.alu("ashr", value, 63n)));
  }
  const carry = f.block("sumcarry");
  const join = f.block("sumdone");
  f.br("ult", lo, value, carry, join);
  f.setBlock(carry);
  storeScratch(cx, offset + 8, A.U64, f.alu("add", loadScratch(cx, offset + 8, A.U64), 1n));
  f.jump(join);
  f.setBlock(join);
}

export type { LValue };
