// Loops whose bound × body is large run through bpf_loop (helper 181) instead of as a branch
// back to their head. The verifier walks a bounded loop iteration by iteration, since the
// counter differs in every iteration, so a loop of 1364 records with a LEB128 decode in its body
// costs it ~500k instructions of its 1M limit. A bpf_loop callback is checked as a function
// called an unknown number of times: until its caller's state stops changing, a few passes.
//
// The body becomes a BPF-to-BPF function `long cb(u64 index, struct *st)`; `st` is a stack
// struct of the storage function, 8 bytes a field:
//
//   [0]  exit code (Exit below), 0 until an action inside the loop ends the step
//   [8]  ctx, then every register value the body uses from outside (locals, parameters, the
//        loop's start and end), then the payload of the exits (bytes result, inline return)
//
// The callback loads what it uses; `var`s the body assigns are stored back, laundered, before
// each iteration ends (continue, break) — laundered so that iterations meet in one verifier
// state. It returns 0 to go on and 1 to stop. `fail`, `return` and `resubmit` inside write ctx
// as usual, then set the exit code and stop; the storage function, after the call, reloads the
// assigned vars and dispatches on the code: go on after the loop, end the step, run the
// resubmit's tail or the bytes copy, or leave the inlined function the loop is in.
//
// Semantics stay the loop's: `for i in a .. b max M` runs M + 1 iterations through bpf_loop;
// iteration n computes i = a + n, stops when i >= b, and fails with loop_limit when n reaches M,
// as the plain loop does at its head. One callback call runs a few iterations in a row (a plain
// inner loop, CallbackPlan.unroll; n = index * unroll + k): a call costs more than an iteration.
//
// Not converted: loops in noinline functions (no ctx to end the step with), loops inside a
// callback, loops whose body has a `scan`, and those needing too many struct fields.
import { BPF_MAX_LOOPS, HelperId } from "../../abi/helpers.js";
import * as A from "../front/ast.js";
import { at } from "../ir/builder.js";
import { isReg, successors, type Addr, type Block, type Value, type VReg } from "../ir/ir.js";
import { jumpToBytesTail, translateTail } from "./actions.js";
import type { Frame, LoopExits, LowerContext, LValue } from "./context.js";
import { arith, lowerCond } from "./expr.js";
import { LOOP_LIMIT_ERROR, lowerStmts } from "./stmt.js";

/**
 * Loops whose estimated verifier work (iterations × weight of the body, roughly its IR size)
 * reaches this go through bpf_loop; smaller ones stay plain loops, which cost nothing at run
 * time. Measured: sstable's index loop (254 × 24) stays, its data loop (1364 × 190) moves.
 */
export const CALLBACK_LOOP_WORK = 20_000;
/**
 * Each callback call runs up to MAX_UNROLL iterations, as many as keep one call's body within
 * UNROLLED_WORK: a call costs more than a plain iteration (sstable in the kernel, ns per step:
 * plain loop ~290, one iteration per call ~550, two ~440, four ~355), while the verifier walks the
 * iterations of one call in a row and keeps their paths apart longer (verified instructions,
 * sstable: 11k with one, 13k with two, 20k with four, 37k with eight; a loop nested in the body
 * grows faster: 2.6k, 11k, 29k with one, two, four). Those figures were with the struct's fields
 * left exact; laundered (exits and callLoop), sstable verifies in 7.2k, 8.1k, 10.1k, 15.5k with
 * one, two, four, eight per call (its C in bench/c, a call per entry: 10.8k and ~530 ns).
 */
const UNROLLED_WORK = 1600;
const MAX_UNROLL = 4;
/** Fields of the stack struct at most (512 bytes of stack are shared with everything else). */
const MAX_FIELDS = 24;

/** The exit code in field 0. */
const Exit = { none: 0n, finished: 1n, resubmit: 2n, bytes: 3n, inlineReturn: 4n } as const;

type ForStmt = Extract<A.Stmt, { kind: "for" }>;
type WhileStmt = Extract<A.Stmt, { kind: "while" }>;

/** What the callback does before the body: `for` computes the variable and tests the end. */
export type LoopHead =
  | { kind: "for"; s: ForStmt; start: Value; end: Value; ty: A.IntType; checked: boolean }
  | { kind: "while"; s: WhileStmt };

// ---------------------------------------------------------------------------------------------
// The decision

const SKIP = new Set(["span", "ty", "binding", "local", "locals", "letLocals", "varTy", "storage"]);

/** Iterations of a nested loop for the estimate: its limit, else its constant range, else 16. */
function iterationsOf(s: ForStmt | WhileStmt): number {
  const c = (e?: A.Expr): bigint | undefined => e?.constValue;
  const n =
    s.limit ??
    c(s.max) ??
    (s.kind === "for" && c(s.start) !== undefined && c(s.end) !== undefined
      ? c(s.end)! - c(s.start)!
      : 16n);
  return Number(n < 1n ? 1n : n);
}

/** Rough verifier work of one pass over `node`: its AST nodes, inner loops and inlined calls.
 * (Plain loops and for-in, no Object.entries: this walks whole inlined bodies, often.) */
function weigh(node: unknown, depth: number): number {
  if (Array.isArray(node)) {
    let sum = 0;
    for (let k = 0; k < node.length; k++) sum += weigh(node[k], depth);
    return sum;
  }
  if (typeof node !== "object" || node === null) return 0;
  const o = node as Record<string, unknown>;
  if (o.kind === "for" || o.kind === "while") {
    const s = o as unknown as ForStmt | WhileStmt;
    const head = s.kind === "for" ? weigh([s.start, s.end], depth) : weigh(s.cond, depth);
    return 2 + head + iterationsOf(s) * (2 + head + weigh(s.body, depth));
  }
  let n = typeof o.kind === "string" ? 1 : 0;
  for (const k in o) if (!SKIP.has(k)) n += weigh(o[k], depth);
  if (o.kind === "call") {
    const b = (o as unknown as Extract<A.Expr, { kind: "call" }>).callee.binding;
    if (b?.kind === "fn" && !b.item.noinline && depth < 8) n += weigh(b.item.body, depth + 1);
  }
  return n;
}

const containsScan = (node: unknown): boolean => {
  if (Array.isArray(node)) {
    for (let k = 0; k < node.length; k++) if (containsScan(node[k])) return true;
    return false;
  }
  if (typeof node !== "object" || node === null) return false;
  const o = node as Record<string, unknown>;
  if (o.kind === "scan") return true;
  for (const k in o) if (!SKIP.has(k) && containsScan(o[k])) return true;
  return false;
};

/** How a loop runs through bpf_loop: iterations per callback call. */
export interface CallbackPlan {
  unroll: number;
}

/** Whether this loop should be a bpf_loop callback (and can be), and how. */
export function callbackPlan(
  cx: LowerContext,
  fr: Frame,
  body: A.Block,
  iterations: bigint | undefined,
): CallbackPlan | undefined {
  if (cx.loopCallbacks === "never") return undefined;
  if (iterations === undefined || iterations < 1n || iterations + 1n > BigInt(BPF_MAX_LOOPS))
    return undefined;
  // Not nested in another callback, not in a noinline function (no ctx there), no scans inside.
  if (cx.fn.loopExits || cx.fn.ctx === undefined || fr.kind === "noinline") return undefined;
  if (containsScan(body)) return undefined;
  const weight = 2 + weigh(body, 0);
  if (cx.loopCallbacks === "auto" && Number(iterations) * weight < CALLBACK_LOOP_WORK)
    return undefined;
  const unroll = Math.max(1, Math.min(MAX_UNROLL, Math.floor(UNROLLED_WORK / weight)));
  return { unroll: Math.min(unroll, Number(iterations)) };
}

// ---------------------------------------------------------------------------------------------
// What the body uses from outside

interface Uses {
  locals: Set<number>;
  params: Set<number>;
  assigned: Set<number>;
}

function usesOf(node: unknown, u: Uses): Uses {
  if (Array.isArray(node)) {
    for (const x of node) usesOf(x, u);
    return u;
  }
  if (typeof node !== "object" || node === null) return u;
  const o = node as Record<string, unknown>;
  if (o.kind === "name") {
    const b = (o as unknown as A.NameExpr).binding;
    if (b?.kind === "local") u.locals.add(b.id);
    if (b?.kind === "param") u.params.add(b.index);
  }
  if (o.kind === "assign") {
    const b = (o as unknown as Extract<A.Stmt, { kind: "assign" }>).target.binding;
    if (b?.kind === "local") u.assigned.add(b.id);
  }
  for (const [k, v] of Object.entries(o)) if (!SKIP.has(k)) usesOf(v, u);
  return u;
}

/** The vregs a value is made of (in order, each once). */
function regsOfValue(v: LValue, out: VReg[]): void {
  const add = (x: Value | undefined): void => {
    if (x !== undefined && isReg(x) && !out.includes(x)) out.push(x);
  };
  switch (v.kind) {
    case "scalar":
      return add(v.v);
    case "view":
    case "array":
      return add(v.at.ptr);
    case "bytes":
      add(v.off);
      return add(v.len);
    case "tuple":
      for (const e of v.elems) regsOfValue(e, out);
      return;
    case "void":
      return;
  }
}

function remapValue(v: LValue, m: Map<VReg, VReg>): LValue {
  const r = <T extends Value | undefined>(x: T): T =>
    (x !== undefined && isReg(x) ? (m.get(x) ?? x) : x) as T;
  switch (v.kind) {
    case "scalar":
      return { ...v, v: r(v.v) };
    case "view":
    case "array":
      return { ...v, at: { ...v.at, ptr: r(v.at.ptr) } };
    case "bytes":
      return { ...v, off: r(v.off), len: r(v.len) };
    case "tuple":
      return { ...v, elems: v.elems.map((e) => remapValue(e, m)) };
    case "void":
      return v;
  }
}

// ---------------------------------------------------------------------------------------------
// Lowering

/** Values the loop body uses from outside, and the registers that carry them into the callback. */
interface Captures {
  uses: Uses;
  captured: { key: "local" | "param"; id: number; value: LValue }[];
  /** ctx first, then every register of the captured values and of the loop's bounds. */
  regs: VReg[];
}

/** The stack struct the storage function hands to bpf_loop (8-byte fields; field 0: Exit). */
interface LoopStruct {
  slot: number;
  fieldOf: Map<VReg, number>;
  /** Fields allocated so far; the payload's are added while the callback is built. */
  fields: number;
}

const newField = (st: LoopStruct): number => 8 * st.fields++;

/** What building the callback found out, for the storage function's side of the call. */
interface Callback {
  name: string;
  /** The exit codes the callback can stop with. */
  used: Set<bigint>;
  /** Assigned vars carried across iterations: their outer register and struct field. */
  carried: { outer: VReg; inner: VReg; off: number }[];
  bytesFields?: [number, number];
  retFields?: number[];
}

/** Calls to bpf_loop's callback: 0 for a constant empty range. */
function callCount(head: LoopHead, limit: bigint | undefined, per: bigint): bigint {
  // Iterations handed to bpf_loop: M + 1 when the callback checks the limit itself.
  let iterations: bigint;
  if (head.kind === "while" || head.checked) iterations = (limit ?? 1n) + 1n;
  else iterations = (head.end as bigint) - (head.start as bigint);
  if (iterations <= 0n) return 0n;
  return (iterations + per - 1n) / per;
}

function capturesOf(cx: LowerContext, fr: Frame, head: LoopHead): Captures {
  const s = head.s;
  const uses = usesOf(s.body.stmts, { locals: new Set(), params: new Set(), assigned: new Set() });
  if (head.kind === "while") usesOf(head.s.cond, uses);
  const captured: Captures["captured"] = [];
  for (const id of uses.locals) {
    const v = fr.locals.get(id);
    if (v) captured.push({ key: "local", id, value: v });
  }
  for (const index of uses.params) {
    const v = fr.params[index];
    if (v) captured.push({ key: "param", id: index, value: v });
  }
  const regs: VReg[] = [cx.ctx];
  for (const c of captured) regsOfValue(c.value, regs);
  if (head.kind === "for") {
    for (const x of [head.start, head.end]) if (isReg(x) && !regs.includes(x)) regs.push(x);
  }
  return { uses, captured, regs };
}

/** Lowers the loop as a bpf_loop call; false (nothing emitted) when it cannot be one. */
export function lowerLoopAsCallback(
  cx: LowerContext,
  fr: Frame,
  head: LoopHead,
  limit: bigint | undefined,
  plan: CallbackPlan,
): boolean {
  const per = BigInt(plan.unroll);
  const nr = callCount(head, limit, per);
  if (nr === 0n) return true; // a constant empty range: nothing runs
  if (nr > BigInt(BPF_MAX_LOOPS)) return false;

  const cap = capturesOf(cx, fr, head);
  const ret = fr.kind === "inline" ? fr.ret : undefined;
  const payloadFields = 2 + (ret?.regs.length ?? 0);
  if (1 + cap.regs.length + payloadFields > MAX_FIELDS) return false;

  // Field offsets: 0 the exit code, then the registers, then the payload (filled in below).
  const st: LoopStruct = {
    fieldOf: new Map<VReg, number>(cap.regs.map((r, k) => [r, 8 * (k + 1)])),
    fields: 1 + cap.regs.length,
    slot: cx.f.slot(8, 8, "loop"),
  };
  const cb = buildCallback(cx, fr, head, limit, per, cap, st);
  callLoop(cx, fr, head.s.span, nr, cap.regs, st, cb);
  return true;
}

/** The callback `long cb(u64 index, struct *st)`: loads what the body uses, runs `per` iterations. */
function buildCallback(
  cx: LowerContext,
  fr: Frame,
  head: LoopHead,
  limit: bigint | undefined,
  per: bigint,
  { uses, captured, regs }: Captures,
  st: LoopStruct,
): Callback {
  const s = head.s;
  const pos = s.span;
  const ret = fr.kind === "inline" ? fr.ret : undefined;
  const n = ++cx.loopCallbackCount;
  const name = `${cx.info.item.name.name}.__loop${n}`;
  const cbf = cx.mb.func(name, 2, pos);
  const [index, stp] = cbf.params;
  const field = (off: number) => at.reg(stp, off);

  // The callback: load what the body uses.
  const remap = new Map<VReg, VReg>();
  for (const r of regs) remap.set(r, cbf.load(8, field(st.fieldOf.get(r)!)));
  const cfrLocals = new Map<number, LValue>();
  const cfrParams: LValue[] = [...fr.params];
  for (const c of captured) {
    const v = remapValue(c.value, remap);
    if (c.key === "local") cfrLocals.set(c.id, v);
    else cfrParams[c.id] = v;
  }
  // Assigned vars carried across iterations: stored back, laundered, when an iteration ends.
  const carried: Callback["carried"] = [];
  for (const c of captured) {
    if (c.key !== "local" || !uses.assigned.has(c.id) || c.value.kind !== "scalar") continue;
    const outer = c.value.v;
    if (!isReg(outer)) continue;
    carried.push({ outer, inner: remap.get(outer)!, off: st.fieldOf.get(outer)! });
  }

  const cb: Callback = { name, used: new Set<bigint>(), carried };
  // What an exit leaves in the struct is laundered: every exit then leaves the caller's stack in
  // one verifier state, and the callback is checked once more, not once per exit (the code and
  // payload as constants or exact ranges would each make a new state at the bpf_loop call).
  const storeLaundered = (off: number, v: Value): void => {
    const r = cbf.mov(v);
    cx.launder(r);
    cbf.store(8, field(off), r);
  };
  const stop = (code: bigint): void => {
    cb.used.add(code);
    storeLaundered(0, code);
    cbf.ret(1n);
  };
  const exits: LoopExits = {
    finished: () => stop(Exit.finished),
    resubmit: () => stop(Exit.resubmit),
    returnBytes: (off, len) => {
      cb.bytesFields ??= [newField(st), newField(st)];
      storeLaundered(cb.bytesFields[0], off);
      storeLaundered(cb.bytesFields[1], len);
      stop(Exit.bytes);
    },
  };
  const saved = cx.fn;
  cx.fn = { f: cbf, ctx: remap.get(saved.ctx!)!, failBlocks: new Map(), loopExits: exits };
  const cont = cbf.block("loopnext");
  const brk = cbf.block("loopbreak");
  const done = cbf.block("loopdone");
  let cfrRet: Frame["ret"];
  let retBlock: Block | undefined;
  if (ret) {
    cb.retFields = ret.regs.map(() => newField(st));
    retBlock = cbf.block("loopreturn");
    cfrRet = { block: retBlock, regs: ret.regs.map(() => cbf.reg()), ty: ret.ty };
  }
  const cfr: Frame = {
    ...fr,
    locals: cfrLocals,
    params: cfrParams,
    loops: [{ brk, cont }],
    ret: cfrRet,
    launderResults: false, // the storage function launders them after the loop
  };
  try {
    const body = cbf.block("loopbody");
    const { k, inner } = iterationHead(cx, cfr, head, limit, per, index, remap, body, done);
    cbf.setBlock(body);
    lowerStmts(cx, cfr, s.body.stmts);
    if (cbf.isOpen) cbf.jump(cont);
    iterationEnds(cx, per, k, inner, carried, field, { cont, brk, done }, pos);
    if (retBlock && cfrRet) {
      cbf.setBlock(retBlock);
      cfrRet.regs.forEach((r, n) => cbf.store(8, field(cb.retFields![n]), r));
      stop(Exit.inlineReturn);
      if (!cbf.func.blocks.some((b) => successors(b.term).includes(retBlock!)))
        cb.used.delete(Exit.inlineReturn);
    }
  } finally {
    cx.fn = saved;
  }
  return cb;
}

/**
 * The head of one iteration in the callback: its number (index * per + k, `per` iterations a call),
 * the loop's own exit test (to `done`) and the `max` check, then on to `body`.
 */
function iterationHead(
  cx: LowerContext,
  cfr: Frame,
  head: LoopHead,
  limit: bigint | undefined,
  per: bigint,
  index: VReg,
  remap: Map<VReg, VReg>,
  body: Block,
  done: Block,
): { k: VReg; inner: Block } {
  const cbf = cx.f;
  const pos = head.s.span;
  // Each call runs `per` iterations (plan.unroll): the iteration number is index * per + k.
  const k = cbf.mov(0n);
  const first = per === 1n ? index : cbf.alu("mul", index, per);
  const inner = cbf.block("loophead");
  cbf.jump(inner);
  cbf.setBlock(inner);
  const iter = per === 1n ? first : cbf.alu("add", first, k);
  if (head.kind === "for") {
    const { start, end, ty } = head;
    const from = isReg(start) ? remap.get(start)! : start;
    const to = isReg(end) ? remap.get(end)! : end;
    const i = from === 0n ? cbf.mov(iter) : cbf.mov(arith(cx, "+", from, iter, ty));
    const limitCheck = head.checked ? cbf.block("looplimit") : body;
    cbf.br(ty.signed ? "sge" : "uge", i, to, done, limitCheck);
    if (head.checked) {
      cbf.setBlock(limitCheck);
      cbf.br("uge", iter, limit!, cx.failBlock(cx.errorCode(LOOP_LIMIT_ERROR)), body);
    }
    if (head.s.local) cfr.locals.set(head.s.local.id, { kind: "scalar", v: i, ty });
  } else {
    const check = cbf.block("looplimit");
    lowerCond(cx, cfr, head.s.cond, check, done);
    cbf.setBlock(check).at(pos);
    cbf.br("uge", iter, limit ?? 1n, cx.failBlock(cx.errorCode(LOOP_LIMIT_ERROR)), body);
  }
  return { k, inner };
}

/**
 * How an iteration ends in the callback: on to the next (`cont`: the carried vars stored back,
 * laundered; with `per` > 1 the next iteration of the same call first), `break` (stop), or the
 * loop's own end (`done`, stop).
 */
function iterationEnds(
  cx: LowerContext,
  per: bigint,
  k: VReg,
  inner: Block,
  carried: Callback["carried"],
  field: (off: number) => Addr,
  { cont, brk, done }: { cont: Block; brk: Block; done: Block },
  pos: A.Span,
): void {
  const cbf = cx.f;
  const storeCarried = (laundered = false): void => {
    for (const c of carried) {
      if (!laundered) cx.launder(c.inner);
      cbf.store(8, field(c.off), c.inner);
    }
  };
  cbf.setBlock(cont).at(pos);
  if (per === 1n) {
    storeCarried();
    cbf.ret(0n);
  } else {
    const more = cbf.block("loopmore");
    const last = cbf.block("looplast");
    for (const c of carried) cx.launder(c.inner);
    cbf.alu("add", k, 1n, 64, k);
    cbf.br("ult", k, per, more, last);
    cbf.setBlock(more);
    cbf.jump(inner);
    cbf.setBlock(last);
    storeCarried(true);
    cbf.ret(0n);
  }
  cbf.setBlock(brk);
  storeCarried();
  cbf.ret(1n);
  cbf.setBlock(done);
  if (per !== 1n) storeCarried();
  cbf.ret(1n);
}

/** The storage function's side: fill the struct, run the loop, dispatch on how it ended. */
function callLoop(
  cx: LowerContext,
  fr: Frame,
  pos: A.Span,
  nr: bigint,
  regs: readonly VReg[],
  st: LoopStruct,
  cb: Callback,
): void {
  const main = cx.f;
  const { slot, fieldOf } = st;
  const ret = fr.kind === "inline" ? fr.ret : undefined;
  main.at(pos);
  main.func.slots[slot].size = 8 * st.fields;
  // What the callback writes (the exit code, the vars it carries, the exits' payload) starts
  // laundered: the callback leaves these fields as unknown values, so the state at the call is
  // then the same before the first call as after any, and the verifier checks the callback in one
  // or two passes instead of one per combination of exact values (sstable: 8 passes before).
  const fieldLaundered = (off: number, v: Value): void => {
    const r = main.mov(v);
    cx.launder(r);
    main.store(8, at.stack(slot, off), r);
  };
  fieldLaundered(0, 0n);
  const carriedFields = new Set(cb.carried.map((c) => c.off));
  for (const r of regs) {
    const off = fieldOf.get(r)!;
    if (carriedFields.has(off)) fieldLaundered(off, r);
    else main.store(8, at.stack(slot, off), r);
  }
  // The payload too: the verifier may not know which exit a path took, and reads it.
  for (let off = 8 * (1 + regs.length); off < 8 * st.fields; off += 8) fieldLaundered(off, 0n);
  const structPtr = main.addr(at.stack(slot, 0));
  main.callWithCallback(HelperId.LOOP, [nr, 0n, structPtr, 0n], cb.name);
  const code = main.load(8, at.stack(slot, 0));
  for (const c of cb.carried) main.load(8, at.stack(slot, c.off), false, c.outer);
  const after = main.block("endloop");
  const targets: [bigint, () => void][] = [];
  const { used, bytesFields, retFields } = cb;
  if (used.has(Exit.finished)) targets.push([Exit.finished, () => main.ret(0n)]);
  if (used.has(Exit.resubmit))
    targets.push([Exit.resubmit, () => main.jump(translateTail(cx, pos))]);
  if (used.has(Exit.bytes) && bytesFields) {
    const [offField, lenField] = bytesFields;
    targets.push([
      Exit.bytes,
      () =>
        jumpToBytesTail(
          cx,
          main.load(8, at.stack(slot, offField)),
          main.load(8, at.stack(slot, lenField)),
          pos,
        ),
    ]);
  }
  if (used.has(Exit.inlineReturn) && ret && retFields) {
    targets.push([
      Exit.inlineReturn,
      () => {
        ret.regs.forEach((r, k) => main.load(8, at.stack(slot, retFields[k]), false, r));
        if (fr.launderResults) for (const r of ret.regs) cx.launder(r);
        main.jump(ret.block);
      },
    ]);
  }
  for (const [value, emit] of targets) {
    const yes = main.block("loopexit");
    const no = main.block("loopexits");
    main.br("eq", code, value, yes, no);
    main.setBlock(yes);
    emit();
    main.setBlock(no);
  }
  main.jump(after);
  main.setBlock(after);
}
