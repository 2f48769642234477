// What the lowering passes share: the value shapes an expression lowers to (scalars in vregs,
// views and arrays as checked places in the block map, tuples), the per-function state (the
// builder, shared exit blocks, the frames of inlined calls), and the program-wide tables (scratch
// layout, user error codes).
import type { SourcePos } from "../../diagnostics.js";
import { internalError } from "../../diagnostics.js";
import { Ctx, FIRST_USER_ERROR, MapIndex, Status } from "../../abi/artifact.js";
import type * as A from "../front/ast.js";
import type { CheckedProgram } from "../check/check.js";
import type { ModuleInfo } from "../check/context.js";
import type { FuncBuilder, ModuleBuilder } from "../ir/builder.js";
import { at } from "../ir/builder.js";
import type { Block, Value, VReg } from "../ir/ir.js";
import type { ScratchLayout } from "./scratch.js";
import type { StorageInfo } from "../check/storage.js";

/**
 * A place in the block: `(ptr ?? block map base) + off`. A `ptr` is only ever built right after
 * a bounds check on the register added to the map base, so the verifier knows its range.
 */
export interface BlockRef {
  ptr?: VReg;
  off: number;
}

export type LValue =
  | { kind: "scalar"; v: Value; ty: A.IntType | A.BoolType }
  | { kind: "view"; layout: A.LayoutInfo; at: BlockRef }
  | { kind: "array"; elem: A.StorageType; length: number; at: BlockRef; stride?: number }
  /** `[u8; len] at off`: an unchecked offset and a run-time length (only returned). */
  | { kind: "bytes"; off: Value; len: Value }
  | { kind: "tuple"; elems: LValue[] }
  | { kind: "void" };

/** One function body being lowered: the storage function, an inlined call, or a noinline callee. */
export interface Frame {
  kind: "storage" | "inline" | "noinline";
  module: ModuleInfo;
  /** Values of the local bindings (by binding id) and of the parameters (by index). */
  locals: Map<number, LValue>;
  params: LValue[];
  /** Where `return` goes in an inlined call, and the vregs that carry the result. */
  ret?: { block: Block; regs: VReg[]; ty: A.Type };
  /** Launder the result vregs at each `return` (see LowerContext.launder). */
  launderResults?: boolean;
  loops: { brk: Block; cont: Block }[];
  depth: number;
  /** The call an inlined body was lowered for (errors that depend on its arguments name it). */
  callSite?: A.Span;
}

export interface FuncState {
  f: FuncBuilder;
  /** The ctx pointer (r1 at entry of the storage function); absent in noinline callees. */
  ctx?: VReg;
  failBlocks: Map<number, Block>;
  /** In a bpf_loop callback (loop-callback.ts): how the step's actions leave it. */
  loopExits?: LoopExits;
}

/** How a bpf_loop callback ends the step: it stops the loop, the storage function finishes. */
export interface LoopExits {
  /** ctx holds the outcome already (status, error, value): the step ends. */
  finished(): void;
  /** ctx.next_offset / next_size are written: the resubmit's tail runs after the loop. */
  resubmit(): void;
  /** A run-time-length bytes result: the copy runs after the loop. */
  returnBytes(off: Value, len: Value): void;
}

export class LowerContext {
  readonly errors = new Map<string, number>();
  usesExtents = false;
  fn!: FuncState;
  /** Which bounded loops become bpf_loop callbacks (LowerOptions.loopCallbacks). */
  loopCallbacks: "auto" | "always" | "never" = "auto";
  /** False under LowerOptions.unsafeNoBoundsChecks: block reads go unchecked ... */
  boundsChecks = true;
  /** How run-time-length byte results are copied (LowerOptions.resultCopy). */
  resultCopy: "auto" | "helper" | "words" = "auto";
  /** ... and here is where each one is (for the warning). */
  readonly uncheckedReads: SourcePos[] = [];
  /** The storage function's shared tails, built on first use (actions.ts): every `resubmit`'s
   * translation and checks (one per file read: its own extents map), the dispatch on
   * ctx.next_file for resubmits from bpf_loop callbacks of a program reading several files, and
   * the copy-out of a bytes result. */
  readonly resubmitTails = new Map<number, Block>();
  resubmitDispatch?: Block;
  returnBytesTail?: { block: Block; off: VReg; len: VReg };
  /** `noinline` functions whose IR function exists already (call.ts). */
  readonly builtNoinline = new Set<A.FnItem>();
  /** bpf_loop callbacks made so far; numbers their names (loop-callback.ts). */
  loopCallbackCount = 0;

  constructor(
    readonly program: CheckedProgram,
    readonly info: StorageInfo,
    readonly scratch: ScratchLayout,
    readonly mb: ModuleBuilder,
    readonly extentCapacity: number,
  ) {}

  get f(): FuncBuilder {
    return this.fn.f;
  }

  get blockSize(): number {
    return this.info.blockSize;
  }

  /** The ctx pointer; its absence means the checker let something through it should not have. */
  get ctx(): VReg {
    if (this.fn.ctx === undefined)
      throw internalError("lowering: ctx used outside the storage function", this.f.position);
    return this.fn.ctx;
  }

  /** The code of a user error, numbered from FIRST_USER_ERROR in order of first use. */
  errorCode(name: string): number {
    let code = this.errors.get(name);
    if (code === undefined) {
      code = FIRST_USER_ERROR + this.errors.size;
      this.errors.set(name, code);
    }
    return code;
  }

  /** A shared block that ends the chain with error `code` (one per code and function). */
  failBlock(code: number): Block {
    let b = this.fn.failBlocks.get(code);
    if (b) return b;
    const f = this.f;
    const saved = f.current;
    b = f.block(`fail${code}`);
    f.setBlock(b);
    this.finish(Status.FAILED, { error: code });
    f.setBlock(saved);
    this.fn.failBlocks.set(code, b);
    return b;
  }

  /** Writes the step's outcome into ctx and returns from the program. */
  finish(status: number, extra: { error?: number } = {}): void {
    const f = this.f;
    const ctx = this.ctx;
    if (extra.error !== undefined) f.store(4, at.reg(ctx, Ctx.error), BigInt(extra.error));
    f.store(4, at.reg(ctx, Ctx.status), BigInt(status));
    if (this.fn.loopExits) this.fn.loopExits.finished();
    else f.ret(0n);
  }

  /** Offset of the hidden scratch slot values are laundered through (appended after the rest). */
  launderOffset: number | undefined;

  /**
   * Makes the verifier forget what it knows about `v` (a store to scratch and a load back; the
   * optimizer never forwards stores to loads through map memory). Used where many paths with
   * different exact values meet — the returns of an inlined function, the back edge of a loop —
   * so that their states become equal and the verifier prunes them instead of exploring each
   * path to the end (without it, a loop over varint-framed entries exceeds the 1M-insn limit).
   * Every use of such a value in an access is bounds-checked anyway.
   */
  launder(v: VReg): void {
    if (this.launderOffset === undefined) this.launderOffset = this.scratch.size;
    const slot = at.map(MapIndex.scratch, this.launderOffset);
    this.f.store(8, slot, v, true);
    this.f.load(8, slot, false, v);
  }

  /** Block map address of a place. */
  addr(ref: BlockRef, extra = 0) {
    return ref.ptr === undefined
      ? at.map(MapIndex.block, ref.off + extra)
      : at.reg(ref.ptr, ref.off + extra);
  }
}

export const scalar = (v: Value, ty: A.IntType | A.BoolType): LValue => ({ kind: "scalar", v, ty });
