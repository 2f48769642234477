// The middle IR: what the front end lowers a checked program into and what the passes, the
// register allocator and the emitter work on. Close to eBPF so that emission stays a table lookup.
//
// - A Module holds functions; funcs[0] is the storage function (the program's entry), the others
//   are BPF-to-BPF callees (≤ 5 parameters, no recursion).
// - A function is a list of basic blocks; blocks[0] is the entry. Each block is a list of
//   instructions and exactly one terminator (jump, br, check, ret). Blocks refer to each other by
//   object reference, so passes can delete and reorder blocks freely; `id` is only for printing.
// - Values live in virtual registers (VReg), 64 bits each, unlimited in number and NOT in SSA
//   form: a vreg may be assigned more than once (a source variable can simply be one vreg).
//   Passes use dataflow over the CFG, never "one definition" assumptions unless they check them.
// - An operand is a `Value`: a VReg (a branded number) or a 64-bit constant (a bigint). Constants
//   are kept canonical as signed 64-bit (`BigInt.asIntN(64, v)`, see `imm`).
// - Widths are explicit where they change the result: ALU ops and branches have `w` (64, or 32 for
//   eBPF's ALU32/JMP32: operands truncated, result zero-extended); loads/stores have a byte width
//   (loads may sign-extend).
// - Memory is addressed as base + constant offset. The base is a vreg holding a pointer, a map
//   value (emitted as `ld_imm64 MAP_VALUE` with map index and offset, docs/abi.md) or a stack slot
//   of the function (placed below r10 by the frame layout). The ctx pointer is an ordinary vreg:
//   `func.params[0]` of the storage function (r1 at entry).
// - Every instruction and terminator carries the SourcePos of the .ioc code it came from; the
//   emitter copies it onto every Insn it produces.
//
// Bounds checks (the verifier-facing construct). The front end guards a computed offset with
//
//     check %off <= MAX  ok @next  fail @out_of_block
//
// which emits `if rOFF > MAX goto fail` (64-bit, unsigned) and falls through to `ok`. In `ok` the
// front end must index memory with THAT vreg (e.g. `%p = add %block, %off; load [%p+0]`) and MAX
// must be `valueSize - accessWidth` of the map value indexed. The Linux verifier then knows
// `0 <= rOFF <= MAX` in the register that is added to the map pointer, and accepts the access.
// Passes preserve this: copy propagation only renames consistently (and the verifier propagates
// ranges across register copies with the same id); the redundant-check pass removes a check only
// when a dominating check of the same vreg, not redefined in between, has a max ≤ this max.
// A mask (`and %off, 4095`) is an alternative the front end can use where failing is not wanted.
import type { SourcePos } from "../../diagnostics.js";

export type VReg = number & { readonly __vreg: unique symbol };
export type Value = VReg | bigint;

export const isReg = (v: Value): v is VReg => typeof v === "number";
export const isImm = (v: Value): v is bigint => typeof v === "bigint";
/** A constant operand in canonical (signed 64-bit) form. */
export const imm = (v: bigint | number): bigint => BigInt.asIntN(64, BigInt(v));

export type Width = 1 | 2 | 4 | 8;
export type AluWidth = 32 | 64;

/** Two-operand operations with eBPF semantics: x / 0 = 0, x % 0 = x; shift counts are taken
 * modulo the width (the front end masks or checks them: the verifier rejects larger constants). */
export const ALU_OPS = [
  "add",
  "sub",
  "mul",
  "udiv",
  "sdiv",
  "umod",
  "smod",
  "and",
  "or",
  "xor",
  "shl",
  "lshr",
  "ashr",
] as const;
export type AluOp = (typeof ALU_OPS)[number];

/**
 * One-operand operations. `neg`/`neg32` negate (neg32: on the low 32 bits, result zero-extended).
 * `beN`/`leN` convert the low N bits to big/little-endian byte order and zero the rest (eBPF's END
 * on a little-endian machine: `le` only truncates, `be` also swaps). `sextN`/`zextN` extend the
 * low N bits to 64.
 */
export const UNARY_OPS = [
  "neg",
  "neg32",
  "be16",
  "be32",
  "be64",
  "le16",
  "le32",
  "le64",
  "sext8",
  "sext16",
  "sext32",
  "zext8",
  "zext16",
  "zext32",
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Branch conditions; `set` is eBPF's JSET (`a & b != 0`). */
export const CONDS = [
  "eq",
  "ne",
  "ugt",
  "uge",
  "ult",
  "ule",
  "sgt",
  "sge",
  "slt",
  "sle",
  "set",
] as const;
export type Cond = (typeof CONDS)[number];

export type Base =
  | { kind: "reg"; reg: VReg }
  /** A map value: `ld_imm64 MAP_VALUE` with imm = map index (artifact.maps / MapIndex). */
  | { kind: "map"; map: number }
  /** A stack slot of the current function (Func.slots index). */
  | { kind: "stack"; slot: number };

export interface Addr {
  base: Base;
  off: number;
}

interface At {
  pos: SourcePos;
}

export type Inst =
  /** dst = src (a copy, or a 64-bit constant). */
  | ({ op: "mov"; dst: VReg; src: Value } & At)
  | ({ op: "alu"; alu: AluOp; w: AluWidth; dst: VReg; a: VReg; b: Value } & At)
  | ({ op: "unary"; un: UnaryOp; dst: VReg; a: VReg } & At)
  | ({ op: "load"; width: Width; signed: boolean; dst: VReg; addr: Addr } & At)
  /** `launder`: a store only the load right after it reads (LowerContext.launder). */
  | ({ op: "store"; width: Width; addr: Addr; value: Value; launder?: true } & At)
  /** dst = the address `addr` denotes (map value or stack slot pointer, or reg + off). */
  | ({ op: "addr"; dst: VReg; addr: Addr } & At)
  /**
   * A kernel helper call: args go to r1..r5, the result (if dst) comes from r0. With `callback`
   * (bpf_loop), r2 holds the address of that Module function instead of args[1], which is only a
   * placeholder (0): selection loads the address (`ld_imm64 r2, BPF_PSEUDO_FUNC`) right before
   * the call.
   */
  | ({ op: "call"; helper: number; args: Value[]; dst?: VReg; callback?: string } & At)
  /** A BPF-to-BPF call of Module.funcs[...] by name. */
  | ({ op: "callLocal"; func: string; args: Value[]; dst?: VReg } & At);

export type Term =
  | ({ op: "jump"; target: Block } & At)
  /** if (a COND b) goto then else goto else. */
  | ({ op: "br"; cond: Cond; w: AluWidth; a: VReg; b: Value; then: Block; else: Block } & At)
  /** Bounds check: if (value <=u max) goto ok else goto fail (see the header). */
  | ({ op: "check"; value: VReg; max: bigint; ok: Block; fail: Block } & At)
  /** Return from the function (r0 = value, or 0 when absent) — `exit`. */
  | ({ op: "ret"; value?: Value } & At);

export interface Block {
  /** Unique in its function; for printing and stable ordering only. */
  id: number;
  /** A name hint for listings ("loop", "fail"). */
  name?: string;
  insns: Inst[];
  term: Term;
}

export interface StackSlot {
  size: number;
  align: 1 | 2 | 4 | 8;
  name?: string;
}

export interface Func {
  name: string;
  /** Parameter vregs, in r1..r5 at entry (the storage function: [ctx]). */
  params: VReg[];
  blocks: Block[];
  slots: StackSlot[];
  /** Next unused vreg number. */
  nextReg: number;
  /** Next unused block id. */
  nextBlock: number;
  pos: SourcePos;
}

export interface Module {
  funcs: Func[];
}

export function newReg(f: Func): VReg {
  return f.nextReg++ as VReg;
}

/** Successor blocks of a terminator, in order (then/ok first). */
export function successors(t: Term): Block[] {
  switch (t.op) {
    case "jump":
      return [t.target];
    case "br":
      return t.then === t.else ? [t.then] : [t.then, t.else];
    case "check":
      return t.ok === t.fail ? [t.ok] : [t.ok, t.fail];
    case "ret":
      return [];
  }
}

/** Replaces successor `from` by `to` in a terminator (all occurrences). */
export function replaceSuccessor(t: Term, from: Block, to: Block): void {
  switch (t.op) {
    case "jump":
      if (t.target === from) t.target = to;
      break;
    case "br":
      if (t.then === from) t.then = to;
      if (t.else === from) t.else = to;
      break;
    case "check":
      if (t.ok === from) t.ok = to;
      if (t.fail === from) t.fail = to;
      break;
    case "ret":
      break;
  }
}

/** The vreg an instruction defines, if any. */
export function defOf(i: Inst): VReg | undefined {
  return i.op === "store" ? undefined : i.dst;
}

const regsOf = (vs: Value[]): VReg[] => vs.filter(isReg);

/** The vregs an instruction reads (built directly: every pass asks, for every instruction). */
export function usesOf(i: Inst): VReg[] {
  switch (i.op) {
    case "mov":
      return isReg(i.src) ? [i.src] : [];
    case "alu":
      return isReg(i.b) ? [i.a, i.b] : [i.a];
    case "unary":
      return [i.a];
    case "load":
    case "addr":
      return i.addr.base.kind === "reg" ? [i.addr.base.reg] : [];
    case "store": {
      const out: VReg[] = i.addr.base.kind === "reg" ? [i.addr.base.reg] : [];
      if (isReg(i.value)) out.push(i.value);
      return out;
    }
    case "call":
    case "callLocal":
      return regsOf(i.args);
  }
}

/** The vregs a terminator reads. */
export function termUses(t: Term): VReg[] {
  switch (t.op) {
    case "br":
      return isReg(t.b) ? [t.a, t.b] : [t.a];
    case "check":
      return [t.value];
    case "ret":
      return t.value !== undefined && isReg(t.value) ? [t.value] : [];
    case "jump":
      return [];
  }
}

/** `f(v)` for an operand that must stay a register: keeps `v` when `f` offers a constant. */
function mapReg(v: VReg, f: (v: VReg) => Value): VReg {
  const r = f(v);
  return isReg(r) ? r : v;
}

function mapAddr(a: Addr, f: (v: VReg) => Value): void {
  if (a.base.kind !== "reg") return;
  const r = mapReg(a.base.reg, f);
  if (r !== a.base.reg) a.base = { kind: "reg", reg: r };
}

/** Rewrites every vreg operand (not definitions) of an instruction through `f`. */
export function mapUses(i: Inst, f: (v: VReg) => Value): void {
  // No closures or copies when nothing changes: this runs on every instruction of most passes.
  switch (i.op) {
    case "mov":
      if (isReg(i.src)) i.src = f(i.src);
      break;
    case "alu":
      i.a = mapReg(i.a, f);
      if (isReg(i.b)) i.b = f(i.b);
      break;
    case "unary":
      i.a = mapReg(i.a, f);
      break;
    case "load":
    case "addr":
      mapAddr(i.addr, f);
      break;
    case "store":
      mapAddr(i.addr, f);
      if (isReg(i.value)) i.value = f(i.value);
      break;
    case "call":
    case "callLocal": {
      let args: Value[] | undefined;
      for (let k = 0; k < i.args.length; k++) {
        const v = i.args[k];
        if (!isReg(v)) continue;
        const r = f(v);
        if (r !== v) (args ??= i.args.slice())[k] = r;
      }
      if (args !== undefined) i.args = args;
      break;
    }
  }
}

/** Rewrites every vreg operand of a terminator through `f` (see mapUses). */
export function mapTermUses(t: Term, f: (v: VReg) => Value): void {
  switch (t.op) {
    case "br":
      t.a = mapReg(t.a, f);
      if (isReg(t.b)) t.b = f(t.b);
      break;
    case "check":
      t.value = mapReg(t.value, f);
      break;
    case "ret":
      if (t.value !== undefined && isReg(t.value)) t.value = f(t.value);
      break;
    case "jump":
      break;
  }
}

/** Functions an instruction calls or passes as a callback. */
export const calleesOf = (i: Inst): string[] =>
  i.op === "callLocal" ? [i.func] : i.op === "call" && i.callback !== undefined ? [i.callback] : [];

/** Whether removing the instruction (when its result is unused) changes behaviour. */
export function hasSideEffects(i: Inst): boolean {
  return i.op === "store" || i.op === "call" || i.op === "callLocal";
}
