// The xrp target: one IR rewrite, after lowering and before the optimiser, that moves a storage
// function from iochain's sim/linux ABI (docs/abi.md: `struct iochain_ctx` in r1 plus the block,
// scratch and extents maps) onto XRP's (docs/xrp.md: `struct bpf_xrp` in r1, no maps at all).
// Every offset and size it uses comes from src/object/xrp-layout.ts; none of it has been run on a
// real XRP kernel.
//
//   block map value + off    → ctx->data + off      (block size ≤ 4 KiB; the lowering's bounds
//                                                    checks already keep offsets inside the block)
//   scratch map value + off  → ctx->scratch + 128 + off
//   ctx field (iochain)      → the same offset in the scratch header (XrpScratch)
//   status = RESUBMIT        → hop + 1 < max_chain and 0 < next_size ≤ block size checked here
//                              (no user space runs between XRP hops), header offset/size/hop
//                              advanced, next_addr[0] = next_offset, size[0] = next_size, done = 0
//   status = DONE / FAILED / SUSPENDED → status (and error) in the header, done = 1
//   extents map              → an empty table: the XRP kernel translates file offsets itself, so
//                              the compiled binary search folds away and next_dev is not written
//
// noinline callees have no ctx: one that reaches the scratch map (a laundered loop variable) gets
// the scratch pointer as an extra last parameter, passed by its callers.
import { HelperId } from "../../abi/helpers.js";
import type { SourcePos } from "../../diagnostics.js";
import {
  XRP_ADDR_WIDTH,
  XRP_BUFFER_SIZE,
  XRP_DONE_WIDTH,
  XRP_SCRATCH_CAPACITY,
  XrpCtx,
  XrpScratch,
} from "../../object/xrp-layout.js";
import { internalError, IochainError } from "../../diagnostics.js";
import {
  BuiltinError,
  CTX_SIZE,
  Ctx,
  MapIndex,
  RESUME_START,
  Status,
  type ProgramArtifact,
} from "../../abi/artifact.js";
import {
  calleesOf,
  defOf,
  isImm,
  newReg,
  termUses,
  usesOf,
  type Addr,
  type Block,
  type Func,
  type Inst,
  type Module,
  type Term,
  type VReg,
} from "../ir/ir.js";

type Metadata = Omit<ProgramArtifact, "insns">;

/** The most parameters a BPF-to-BPF call passes (r1..r5). */
const MAX_CALL_ARGS = 5;

/** Pointer parameters a function needs, in the order they are appended to a callee's parameters. */
const POINTER_MAPS = [MapIndex.scratch, MapIndex.block] as const;
type PointerMap = (typeof POINTER_MAPS)[number];

function limit(message: string, pos: SourcePos, hint: string): IochainError {
  return new IochainError("E0640", message, pos, hint);
}

/**
 * Rewrites `ir` (as lowering left it) for BPF_PROG_TYPE_XRP and returns the artifact's metadata
 * for it: the same scratch layout (offsets inside iochain's scratch region, which starts at
 * XrpScratch.base in ctx->scratch) and no maps.
 */
export function retargetXrp(ir: Module, meta: Metadata): Metadata {
  const entry = ir.funcs[0];
  if (!entry) throw internalError("xrp target: the module has no storage function");
  if (meta.blockSize > XRP_BUFFER_SIZE)
    throw limit(
      `the xrp target reads blocks into a ${XRP_BUFFER_SIZE}-byte buffer (ctx->data); this program's blocks are ${meta.blockSize} bytes`,
      entry.pos,
      `declare \`block ${XRP_BUFFER_SIZE}\` or less`,
    );
  if (meta.files.length > 1)
    throw limit(
      `an XRP chain reads one file (the one its NVMe read was issued on); this program reads ${meta.files.length}: ${meta.files.map((f) => `"${f}"`).join(", ")}`,
      entry.pos,
      "run it on the sim or linux target (--target linux)",
    );
  const scratch = meta.maps.find((m) => m.name === "scratch");
  if (scratch && scratch.valueSize > XRP_SCRATCH_CAPACITY)
    throw limit(
      `the program keeps ${scratch.valueSize} bytes of state, results and rows; XRP's scratch buffer holds ${XRP_SCRATCH_CAPACITY} after iochain's ${XrpScratch.headerSize}-byte header`,
      entry.pos,
      "declare fewer output rows or a smaller result",
    );

  const needs = pointerNeeds(ir);
  refuseBpfLoop(ir);
  const pointers = new Map<Func, Map<PointerMap, VReg>>();
  for (const f of ir.funcs.slice(1)) {
    const want = POINTER_MAPS.filter((m) => needs.get(f)!.has(m));
    if (want.length === 0) continue;
    if (f.params.length + want.length > MAX_CALL_ARGS)
      throw limit(
        `the \`noinline\` function \`${f.name}\` takes ${f.params.length} parameters; on the xrp target it also needs a pointer to the scratch buffer, one more than a BPF-to-BPF call passes`,
        f.pos,
        "drop `noinline`, or pass fewer values",
      );
    const regs = new Map<PointerMap, VReg>();
    for (const m of want) {
      const r = newReg(f);
      f.params.push(r);
      regs.set(m, r);
    }
    pointers.set(f, regs);
  }
  const ctx = entry.params[0];
  checkCtxUse(entry, ctx);
  const prologue = entryPointers(entry, ctx, needs.get(entry)!);
  pointers.set(entry, prologue.regs);

  const calleeExtra = (name: string): PointerMap[] => {
    const callee = ir.funcs.find((g) => g.name === name);
    return callee ? [...(pointers.get(callee)?.keys() ?? [])] : [];
  };
  for (const f of ir.funcs) {
    const rw = new Rewriter(f, pointers.get(f) ?? new Map(), f === entry ? ctx : undefined, meta);
    rw.run(calleeExtra);
  }
  entry.blocks[0].insns.unshift(...prologue.loads); // after the rewrite: these are XRP's own
  return { ...meta, maps: [] };
}

/** Which map pointers each function needs: its own map accesses, and those of what it calls. */
function pointerNeeds(ir: Module): Map<Func, Set<PointerMap>> {
  const needs = new Map<Func, Set<PointerMap>>();
  const calls = new Map<Func, string[]>();
  for (const f of ir.funcs) {
    const own = new Set<PointerMap>();
    const called: string[] = [];
    for (const b of f.blocks)
      for (const i of b.insns) {
        called.push(...calleesOf(i));
        if (
          (i.op === "load" || i.op === "store" || i.op === "addr") &&
          i.addr.base.kind === "map"
        ) {
          const m = i.addr.base.map;
          if (m === MapIndex.block || m === MapIndex.scratch) own.add(m);
        }
      }
    needs.set(f, own);
    calls.set(f, called);
  }
  const byName = new Map(ir.funcs.map((f) => [f.name, f]));
  for (let changed = true; changed;) {
    changed = false;
    for (const f of ir.funcs)
      for (const name of calls.get(f)!) {
        const callee = byName.get(name);
        if (!callee) continue;
        for (const m of needs.get(callee)!)
          if (!needs.get(f)!.has(m)) {
            needs.get(f)!.add(m);
            changed = true;
          }
      }
  }
  return needs;
}

/**
 * XRP's kernel is Linux 5.12 (`uname -r`: 5.12.0-xrp+, xrp-project/XRP issue #9); bpf_loop came in
 * 5.17. A loop the lowering runs through bpf_loop therefore cannot run there (and its callback,
 * called by the kernel with (index, r3), could not be given the buffers' pointers either).
 */
function refuseBpfLoop(ir: Module): void {
  for (const f of ir.funcs)
    for (const b of f.blocks)
      for (const i of b.insns)
        if (i.op === "call" && i.helper === HelperId.LOOP)
          throw limit(
            "this loop is compiled to a bpf_loop callback, and XRP's kernel (Linux 5.12) predates bpf_loop (5.17)",
            i.pos,
            "lower the loop's `max` so that it stays a plain loop, or compile for sim or linux",
          );
}

/** The lowering uses ctx (r1) only as the base of loads and stores, and never assigns it. */
function checkCtxUse(f: Func, ctx: VReg): void {
  for (const b of f.blocks) {
    for (const i of b.insns) {
      if (defOf(i) === ctx) throw internalError("xrp target: ctx is assigned", i.pos);
      const asBase =
        (i.op === "load" || i.op === "store") &&
        i.addr.base.kind === "reg" &&
        i.addr.base.reg === ctx;
      const uses = usesOf(i).filter((v) => v === ctx).length;
      const allowed = asBase && !(i.op === "store" && i.value === ctx) ? 1 : 0;
      if (uses > allowed) throw internalError(`xrp target: ctx used as a value (${i.op})`, i.pos);
    }
    if (termUses(b.term).includes(ctx))
      throw internalError("xrp target: ctx used in a branch or return", b.term.pos);
  }
}

/** The storage function loads ctx->scratch (and ctx->data) once, at its entry. */
function entryPointers(
  f: Func,
  ctx: VReg,
  need: Set<PointerMap>,
): { regs: Map<PointerMap, VReg>; loads: Inst[] } {
  const regs = new Map<PointerMap, VReg>();
  const loads: Inst[] = [];
  const field = { [MapIndex.scratch]: XrpCtx.scratch, [MapIndex.block]: XrpCtx.data };
  // scratch always: the header holds the arguments and the outcome of every step.
  for (const m of POINTER_MAPS) {
    if (m !== MapIndex.scratch && !need.has(m)) continue;
    const r = newReg(f);
    regs.set(m, r);
    loads.push({
      op: "load",
      width: XRP_ADDR_WIDTH,
      signed: false,
      dst: r,
      addr: { base: { kind: "reg", reg: ctx }, off: field[m] },
      pos: f.pos,
    });
  }
  return { regs, loads };
}

/** Rewrites one function's instructions; in the storage function also its ctx accesses and exits. */
class Rewriter {
  private readonly failBlocks = new Map<number, Block>();
  private current!: Block;

  constructor(
    private readonly f: Func,
    private readonly ptr: Map<PointerMap, VReg>,
    private readonly ctx: VReg | undefined,
    private readonly meta: Metadata,
  ) {}

  run(calleeExtra: (name: string) => PointerMap[]): void {
    for (const b of [...this.f.blocks]) {
      const original = b.insns;
      const term = b.term;
      this.current = b;
      b.insns = [];
      for (const i of original) this.rewrite(i, calleeExtra);
      this.current.term = term;
    }
  }

  private emit(i: Inst): void {
    this.current.insns.push(i);
  }

  private pointer(m: PointerMap, pos: SourcePos): VReg {
    const r = this.ptr.get(m);
    if (r === undefined)
      throw internalError(
        `xrp target: no ${m === MapIndex.block ? "data" : "scratch"} pointer in ${this.f.name}`,
        pos,
      );
    return r;
  }

  private header(off: number, pos: SourcePos): Addr {
    return {
      base: { kind: "reg", reg: this.pointer(MapIndex.scratch, pos) },
      off: XrpScratch.header + off,
    };
  }

  private xrpCtx(off: number): Addr {
    return { base: { kind: "reg", reg: this.ctx! }, off };
  }

  /** A map address on XRP's buffers; undefined for the extents map (there is none). */
  private mapAddr(a: Addr, pos: SourcePos): Addr | undefined {
    if (a.base.kind !== "map") return a;
    switch (a.base.map) {
      case MapIndex.block:
        return { base: { kind: "reg", reg: this.pointer(MapIndex.block, pos) }, off: a.off };
      case MapIndex.scratch:
        return {
          base: { kind: "reg", reg: this.pointer(MapIndex.scratch, pos) },
          off: XrpScratch.base + a.off,
        };
      case MapIndex.extents:
        return undefined;
      default:
        throw internalError(`xrp target: map #${a.base.map}`, pos);
    }
  }

  private isCtx(a: Addr): boolean {
    return this.ctx !== undefined && a.base.kind === "reg" && a.base.reg === this.ctx;
  }

  private rewrite(i: Inst, calleeExtra: (name: string) => PointerMap[]): void {
    switch (i.op) {
      case "load":
      case "store":
      case "addr": {
        if (this.isCtx(i.addr)) return this.ctxAccess(i);
        const addr = this.mapAddr(i.addr, i.pos);
        if (addr) return this.emit({ ...i, addr } as Inst);
        // The extents map: an empty table (count 0, every field 0), as the identity translation.
        if (i.op === "store")
          throw internalError("xrp target: a store into the extents map", i.pos);
        return this.emit({ op: "mov", dst: i.dst, src: 0n, pos: i.pos });
      }
      case "callLocal": {
        const extra = calleeExtra(i.func).map((m) => this.pointer(m, i.pos));
        return this.emit(extra.length > 0 ? { ...i, args: [...i.args, ...extra] } : i);
      }
      default:
        return this.emit(i);
    }
  }

  /** A load or store of an iochain ctx field: into the scratch header, or one of XRP's exits. */
  private ctxAccess(i: Inst & { op: "load" | "store" | "addr" }): void {
    if (i.op === "addr") throw internalError("xrp target: the address of a ctx field", i.pos);
    const off = i.addr.off;
    const width = i.width;
    if (off < 0 || off + width > CTX_SIZE)
      throw internalError(`xrp target: ctx access at ${off} (+${width})`, i.pos);
    const overlaps = (field: number, w: number) => off < field + w && field < off + width;
    if (overlaps(Ctx.nextDev, 8)) {
      // The device address of the next read: XRP's kernel translates, the program does not.
      if (i.op === "store") return;
      throw internalError("xrp target: a load of ctx.next_dev", i.pos);
    }
    if (i.op === "store" && overlaps(Ctx.status, 4)) {
      if (off !== Ctx.status || width !== 4 || !isImm(i.value))
        throw internalError(
          "xrp target: ctx.status written other than as a 4-byte constant",
          i.pos,
        );
      return this.exit(Number(i.value), i.pos);
    }
    this.emit({ ...i, addr: this.header(off, i.pos) });
  }

  /** The end of a step: `status` into the header, and what tells the XRP kernel to go on or stop. */
  private exit(status: number, pos: SourcePos): void {
    if (status !== Status.RESUBMIT) {
      this.store(4, this.header(Ctx.status, pos), BigInt(status), pos);
      this.store(XRP_DONE_WIDTH, this.xrpCtx(XrpCtx.done), 1n, pos);
      return;
    }
    // The checks the sim/linux driver makes between steps, in its order: chain length, read size.
    const hop = this.reg();
    this.emit({
      op: "load",
      width: 4,
      signed: false,
      dst: hop,
      addr: this.header(Ctx.hop, pos),
      pos,
    });
    const next = this.reg();
    this.emit({ op: "alu", alu: "add", w: 64, dst: next, a: hop, b: 1n, pos });
    if (this.meta.start === "computed") {
      // The start step is no hop: next -= resume >> 1 (1 for RESUME_START, 0 for 0 and 1).
      if (RESUME_START >> 1 !== 1) throw internalError("xrp target: RESUME_START is not 2 or 3");
      const resume = this.reg();
      this.emit({
        op: "load",
        width: 4,
        signed: false,
        dst: resume,
        addr: this.header(Ctx.resume, pos),
        pos,
      });
      this.emit({ op: "alu", alu: "lshr", w: 64, dst: resume, a: resume, b: 1n, pos });
      this.emit({ op: "alu", alu: "sub", w: 64, dst: next, a: next, b: resume, pos });
    }
    this.branch(
      "uge",
      next,
      BigInt(this.meta.maxChain),
      this.failBlock(BuiltinError.chain_too_long, pos),
      pos,
    );
    const size = this.reg();
    this.emit({
      op: "load",
      width: 4,
      signed: false,
      dst: size,
      addr: this.header(Ctx.nextSize, pos),
      pos,
    });
    const badSize = this.failBlock(BuiltinError.bad_size, pos);
    this.branch("eq", size, 0n, badSize, pos);
    this.branch("ugt", size, BigInt(this.meta.blockSize), badSize, pos);
    // The next step's in fields: no user space runs between the hops of an XRP chain.
    const offset = this.reg();
    this.emit({
      op: "load",
      width: 8,
      signed: false,
      dst: offset,
      addr: this.header(Ctx.nextOffset, pos),
      pos,
    });
    this.store(4, this.header(Ctx.hop, pos), next, pos);
    this.store(4, this.header(Ctx.resume, pos), 0n, pos);
    this.store(8, this.header(Ctx.offset, pos), offset, pos);
    this.store(4, this.header(Ctx.size, pos), size, pos);
    this.store(4, this.header(Ctx.status, pos), BigInt(Status.RESUBMIT), pos);
    this.store(XRP_ADDR_WIDTH, this.xrpCtx(XrpCtx.nextAddr), offset, pos);
    this.store(XRP_ADDR_WIDTH, this.xrpCtx(XrpCtx.size), size, pos); // zero-extended by its load
    this.store(XRP_DONE_WIDTH, this.xrpCtx(XrpCtx.done), 0n, pos);
  }

  /** Ends the chain with `code` (FAILED): one shared block per code. */
  private failBlock(code: number, pos: SourcePos): Block {
    let b = this.failBlocks.get(code);
    if (b) return b;
    b = this.block(`xrp_fail${code}`);
    const saved = this.current;
    this.current = b;
    this.store(4, this.header(Ctx.error, pos), BigInt(code), pos);
    this.store(4, this.header(Ctx.status, pos), BigInt(Status.FAILED), pos);
    this.store(XRP_DONE_WIDTH, this.xrpCtx(XrpCtx.done), 1n, pos);
    b.term = { op: "ret", value: 0n, pos };
    this.current = saved;
    this.failBlocks.set(code, b);
    return b;
  }

  /** `if (a COND b) goto taken`; the rest of the current block continues in a new block. */
  private branch(
    cond: "uge" | "ugt" | "eq",
    a: VReg,
    b: bigint,
    taken: Block,
    pos: SourcePos,
  ): void {
    const rest = this.block("xrp_next");
    this.current.term = {
      op: "br",
      cond,
      w: 64,
      a,
      b,
      then: taken,
      else: rest,
      pos,
    } satisfies Term;
    this.current = rest;
  }

  private block(name: string): Block {
    const b: Block = {
      id: this.f.nextBlock++,
      name,
      insns: [],
      term: { op: "ret", pos: this.f.pos },
    };
    this.f.blocks.push(b);
    return b;
  }

  private reg(): VReg {
    return newReg(this.f);
  }

  private store(width: 4 | 8, addr: Addr, value: VReg | bigint, pos: SourcePos): void {
    this.emit({ op: "store", width, addr, value, pos });
  }
}
