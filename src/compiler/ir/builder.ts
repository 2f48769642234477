// Building IR: the front end's lowering (and the tests) create functions through these classes
// instead of writing records by hand. A FuncBuilder has an insertion block and a current source
// position (`at`); every instruction it appends carries that position.
//
//   const m = new ModuleBuilder();
//   const f = m.func("lookup", 1, pos);          // f.params[0] is the ctx pointer
//   const size = f.load(4, { base: { kind: "reg", reg: f.params[0] }, off: 8 });
//   const big = f.block("big"), small = f.block("small");
//   f.br("ugt", size, 256n, big, small);
//   f.setBlock(big); f.ret(1n);
//   f.setBlock(small); f.ret(0n);
//   const module = m.finish();
import type { SourcePos } from "../../diagnostics.js";
import { internalError } from "../../diagnostics.js";
import {
  imm,
  isImm,
  newReg,
  type Addr,
  type AluOp,
  type AluWidth,
  type Block,
  type Cond,
  type Func,
  type Inst,
  type Module,
  type Term,
  type UnaryOp,
  type Value,
  type VReg,
  type Width,
} from "./ir.js";

const COMMUTATIVE = new Set<AluOp>(["add", "mul", "and", "or", "xor"]);

/** The condition that holds for (b, a) exactly when `c` holds for (a, b). */
export function swapCond(c: Cond): Cond {
  const swapped: Record<Cond, Cond> = {
    eq: "eq",
    ne: "ne",
    set: "set",
    ugt: "ult",
    uge: "ule",
    ult: "ugt",
    ule: "uge",
    sgt: "slt",
    sge: "sle",
    slt: "sgt",
    sle: "sge",
  };
  return swapped[c];
}

/** Address helpers. */
export const at = {
  reg: (reg: VReg, off = 0): Addr => ({ base: { kind: "reg", reg }, off }),
  map: (map: number, off = 0): Addr => ({ base: { kind: "map", map }, off }),
  stack: (slot: number, off = 0): Addr => ({ base: { kind: "stack", slot }, off }),
};

export class ModuleBuilder {
  private readonly builders: FuncBuilder[] = [];

  /** Starts a function with `params` parameters (≤ 5). The first one started is the entry. */
  func(name: string, params: number, pos: SourcePos): FuncBuilder {
    const fb = new FuncBuilder(name, params, pos);
    this.builders.push(fb);
    return fb;
  }

  finish(): Module {
    return { funcs: this.builders.map((b) => b.finish()) };
  }
}

export class FuncBuilder {
  readonly func: Func;
  private cur: Block;
  private pos: SourcePos;
  private readonly open = new Set<Block>();

  constructor(name: string, params: number, pos: SourcePos) {
    if (params > 5)
      throw internalError(`IR builder: function ${name} has ${params} parameters (at most 5)`, pos);
    this.pos = pos;
    this.func = { name, params: [], blocks: [], slots: [], nextReg: 0, nextBlock: 0, pos };
    for (let i = 0; i < params; i++) this.func.params.push(newReg(this.func));
    this.cur = this.block("entry");
  }

  get params(): VReg[] {
    return this.func.params;
  }

  /** Sets the source position of the instructions appended from now on. */
  at(pos: SourcePos): this {
    this.pos = pos;
    return this;
  }

  get position(): SourcePos {
    return this.pos;
  }

  /** A new, empty block (not yet terminated). Does not change the insertion block. */
  block(name?: string): Block {
    const b: Block = {
      id: this.func.nextBlock++,
      name,
      insns: [],
      term: { op: "ret", pos: this.pos },
    };
    this.func.blocks.push(b);
    this.open.add(b);
    return b;
  }

  setBlock(b: Block): this {
    this.cur = b;
    return this;
  }

  get current(): Block {
    return this.cur;
  }

  /** Whether the insertion block still needs a terminator. */
  get isOpen(): boolean {
    return this.open.has(this.cur);
  }

  reg(): VReg {
    return newReg(this.func);
  }

  /** A stack slot of `size` bytes; returns its index for `at.stack(slot, off)`. */
  slot(size: number, align: 1 | 2 | 4 | 8 = 8, name?: string): number {
    this.func.slots.push({ size, align, name });
    return this.func.slots.length - 1;
  }

  private emit(i: Inst): void {
    if (!this.open.has(this.cur))
      throw internalError(`IR builder: block @${this.cur.id} is already terminated`, i.pos);
    this.cur.insns.push(i);
  }

  private terminate(t: Term): void {
    if (!this.open.has(this.cur))
      throw internalError(`IR builder: block @${this.cur.id} is already terminated`, t.pos);
    this.cur.term = t;
    this.open.delete(this.cur);
  }

  /** A value as a vreg, moving a constant into a fresh one. */
  private inReg(v: Value): VReg {
    return isImm(v) ? this.mov(v) : v;
  }

  /** dst = src (a copy or a constant); `into` assigns an existing vreg (a mutable variable). */
  mov(src: Value, into?: VReg): VReg {
    const dst = into ?? this.reg();
    this.emit({ op: "mov", dst, src: norm(src), pos: this.pos });
    return dst;
  }

  alu(op: AluOp, a: Value, b: Value, w: AluWidth = 64, into?: VReg): VReg {
    if (isImm(a) && !isImm(b) && COMMUTATIVE.has(op)) [a, b] = [b, a];
    const ra = this.inReg(a);
    const dst = into ?? this.reg();
    this.emit({ op: "alu", alu: op, w, dst, a: ra, b: norm(b), pos: this.pos });
    return dst;
  }

  unary(un: UnaryOp, a: Value, into?: VReg): VReg {
    const ra = this.inReg(a);
    const dst = into ?? this.reg();
    this.emit({ op: "unary", un, dst, a: ra, pos: this.pos });
    return dst;
  }

  load(width: Width, addr: Addr, signed = false, into?: VReg): VReg {
    const dst = into ?? this.reg();
    this.emit({ op: "load", width, signed, dst, addr, pos: this.pos });
    return dst;
  }

  store(width: Width, addr: Addr, value: Value, launder = false): void {
    const store = { op: "store", width, addr, value: norm(value), pos: this.pos } as const;
    this.emit(launder ? { ...store, launder: true } : store);
  }

  /** The address `addr` denotes, as a pointer in a vreg. */
  addr(addr: Addr, into?: VReg): VReg {
    const dst = into ?? this.reg();
    this.emit({ op: "addr", dst, addr, pos: this.pos });
    return dst;
  }

  /** A helper call; returns the result vreg unless `result` is false. */
  call(helper: number, args: Value[], result = true): VReg | undefined {
    if (args.length > 5)
      throw internalError(
        `IR builder: helper ${helper} called with ${args.length} arguments`,
        this.pos,
      );
    const dst = result ? this.reg() : undefined;
    this.emit({ op: "call", helper, args: args.map(norm), dst, pos: this.pos });
    return dst;
  }

  /** A helper call whose second argument is the address of function `callback` (bpf_loop). */
  callWithCallback(helper: number, args: [Value, Value, ...Value[]], callback: string): VReg {
    const dst = this.reg();
    const [first, , ...rest] = args.map(norm);
    this.emit({ op: "call", helper, args: [first, 0n, ...rest], dst, callback, pos: this.pos });
    return dst;
  }

  /** A BPF-to-BPF call; returns the result vreg unless `result` is false. */
  callLocal(func: string, args: Value[], result = true): VReg | undefined {
    if (args.length > 5)
      throw internalError(`IR builder: ${func} called with ${args.length} arguments`, this.pos);
    const dst = result ? this.reg() : undefined;
    this.emit({ op: "callLocal", func, args: args.map(norm), dst, pos: this.pos });
    return dst;
  }

  jump(target: Block): void {
    this.terminate({ op: "jump", target, pos: this.pos });
  }

  br(cond: Cond, a: Value, b: Value, then: Block, otherwise: Block, w: AluWidth = 64): void {
    if (isImm(a) && !isImm(b)) [a, b, cond] = [b, a, swapCond(cond)];
    const ra = this.inReg(a);
    this.terminate({ op: "br", cond, w, a: ra, b: norm(b), then, else: otherwise, pos: this.pos });
  }

  /** Bounds check: continue at `ok` when `value <=u max`, else at `fail` (see ir.ts). */
  check(value: Value, max: bigint, ok: Block, fail: Block): void {
    const rv = this.inReg(value);
    this.terminate({ op: "check", value: rv, max: imm(max), ok, fail, pos: this.pos });
  }

  ret(value?: Value): void {
    this.terminate({
      op: "ret",
      value: value === undefined ? undefined : norm(value),
      pos: this.pos,
    });
  }

  /** The finished function; every block must have been terminated. */
  finish(): Func {
    for (const b of this.open) {
      throw internalError(
        `IR builder: block @${b.id}${b.name ? ` (${b.name})` : ""} of ${this.func.name} has no terminator`,
        this.func.pos,
      );
    }
    return this.func;
  }
}

function norm(v: Value): Value {
  return isImm(v) ? imm(v) : v;
}
