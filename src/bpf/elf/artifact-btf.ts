// The BTF an object carries for a compiled program: the context struct its entry function takes,
// a FUNC per function (the entry global, callees static, as clang marks `static __noinline`), and
// a DATASEC + VAR per map section, which libbpf needs to make those maps BPF_F_MMAPABLE and the
// kernel uses to print map contents (`bpftool map dump`).
import { CTX_SIZE, Ctx } from "../../compiler/artifact.js";
import { CHAIN_CTX_SIZE } from "../../compiler/chain-abi.js";
import { CHAIN_CTX_FIELDS, type CScalar } from "../../compiler/targets/chain-abi-header.js";
import { BtfBuilder, FuncLinkage, VarLinkage } from "../btf.js";

/** What differs between targets at the ELF level. */
export interface TargetAbi {
  /** ELF section of the entry function. */
  section: string;
  /** Adds the context struct; returns its type id. */
  describeCtx(b: BtfBuilder): number;
  /** Adds the entry function's return type; returns its id. */
  returnType(b: BtfBuilder): number;
}

/** `struct iochain_ctx` (docs/abi.md), field by field; `Ctx` in artifact.ts holds the offsets. */
export const IOCHAIN_CTX_FIELDS: readonly {
  name: string;
  offset: number;
  size: 4 | 8;
  count?: number;
}[] = [
  { name: "offset", offset: Ctx.offset, size: 8 },
  { name: "size", offset: Ctx.size, size: 4 },
  { name: "hop", offset: Ctx.hop, size: 4 },
  { name: "resume", offset: Ctx.resume, size: 4 },
  { name: "status", offset: Ctx.status, size: 4 },
  { name: "next_offset", offset: Ctx.nextOffset, size: 8 },
  { name: "next_size", offset: Ctx.nextSize, size: 4 },
  { name: "error", offset: Ctx.error, size: 4 },
  { name: "value", offset: Ctx.value, size: 8 },
  { name: "value_len", offset: Ctx.valueLen, size: 4 },
  { name: "rows", offset: Ctx.rows, size: 4 },
  { name: "next_dev", offset: Ctx.nextDev, size: 8 },
  { name: "args", offset: Ctx.args, size: 8, count: Ctx.maxArgs },
];

export const u32Type = (b: BtfBuilder): number => b.typedef("__u32", b.int("unsigned int", 4));
export const u64Type = (b: BtfBuilder): number =>
  b.typedef("__u64", b.int("unsigned long long", 8));

export const LINUX_ABI: TargetAbi = {
  section: "syscall",
  describeCtx(b) {
    const members = IOCHAIN_CTX_FIELDS.map((f) => {
      const scalar = f.size === 8 ? u64Type(b) : u32Type(b);
      return { name: f.name, offset: f.offset, type: f.count ? b.array(scalar, f.count) : scalar };
    });
    return b.struct("iochain_ctx", CTX_SIZE, members);
  },
  returnType: (b) => b.int("int", 4, true),
};

export const s32Type = (b: BtfBuilder): number => b.typedef("__s32", b.int("int", 4, true));

const scalarType = (b: BtfBuilder, t: CScalar): number =>
  t === "__u64" ? u64Type(b) : t === "__u32" ? u32Type(b) : s32Type(b);

/**
 * `struct iochain_chain_ctx` (docs/abi.md, "Kernel chains"): the step's ctx, then the chain
 * program's header (field names from chain-abi-header.ts, offsets from chain-abi.ts).
 */
export function describeChainCtx(b: BtfBuilder, stepCtx: number): number {
  return b.struct("iochain_chain_ctx", CHAIN_CTX_SIZE, [
    { name: "step", offset: 0, type: stepCtx },
    ...CHAIN_CTX_FIELDS.map((f) => ({ name: f.name, offset: f.offset, type: scalarType(b, f.type) })),
  ]);
}

export interface MapVariable {
  /** ELF section (`.data.block`), which is also the DATASEC's name. */
  section: string;
  /** The variable (symbol and BTF VAR name). */
  name: string;
  size: number;
  /** Layout of the value, for BTF: raw bytes, or the extent table. */
  layout: "bytes" | "extents";
  /**
   * Only programs touch it: a static VAR, so that libbpf does not make the map BPF_F_MMAPABLE
   * and the kernel kmallocs a small value instead of vmalloc'ing it (bpf_copy_from_user into it
   * then skips hardened usercopy's vmalloc lookup).
   */
  private?: boolean;
}

/** The extent table: `u64 generation; u64 count; {u64 file_offset, length, dev_addr}[n]`. */
const EXTENT_HEADER = 16;
const EXTENT_SIZE = 24;

function valueType(b: BtfBuilder, v: MapVariable): number {
  const u64 = u64Type(b);
  if (
    v.layout === "extents" &&
    v.size >= EXTENT_HEADER &&
    (v.size - EXTENT_HEADER) % EXTENT_SIZE === 0
  ) {
    const extent = b.struct("iochain_extent", EXTENT_SIZE, [
      { name: "file_offset", offset: 0, type: u64 },
      { name: "length", offset: 8, type: u64 },
      { name: "dev_addr", offset: 16, type: u64 },
    ]);
    return b.struct("iochain_extents", v.size, [
      { name: "generation", offset: 0, type: u64 },
      { name: "count", offset: 8, type: u64 },
      {
        name: "entries",
        offset: 16,
        type: b.array(extent, (v.size - EXTENT_HEADER) / EXTENT_SIZE),
      },
    ]);
  }
  return b.array(b.int("unsigned char", 1), v.size);
}

export interface DescribedProgram {
  btf: BtfBuilder;
  /** BTF FUNC id of each function, in layout order (entry first). */
  funcIds: number[];
}

export function describeProgram(
  abi: TargetAbi,
  functions: readonly { name: string; main: boolean; chain?: boolean }[],
  maps: readonly MapVariable[],
): DescribedProgram {
  const b = new BtfBuilder();
  const ctx = abi.describeCtx(b);
  const ctxPtr = b.ptr(ctx);
  const entryProto = b.funcProto(abi.returnType(b), [{ name: "ctx", type: ctxPtr }]);
  // A chain program's entry (writer.ts, WriteElfOptions.chain) takes the chain ctx.
  let chainProto: number | undefined;
  // Callees: the verifier checks static functions in their caller's context and ignores their
  // BTF arguments, so one prototype (no declared parameters, u64 result) serves all of them.
  let calleeProto: number | undefined;
  const funcIds = functions.map((f) => {
    if (f.main && f.chain) {
      chainProto ??= b.funcProto(abi.returnType(b), [
        { name: "ctx", type: b.ptr(describeChainCtx(b, ctx)) },
      ]);
      return b.func(f.name, chainProto, FuncLinkage.GLOBAL);
    }
    if (f.main) return b.func(f.name, entryProto, FuncLinkage.GLOBAL);
    calleeProto ??= b.funcProto(u64Type(b), []);
    return b.func(f.name, calleeProto, FuncLinkage.STATIC);
  });
  for (const m of maps) {
    const linkage = m.private ? VarLinkage.STATIC : VarLinkage.GLOBAL;
    const variable = b.variable(m.name, valueType(b, m), linkage);
    b.datasec(m.section, m.size, [{ type: variable, offset: 0, size: m.size }]);
  }
  return { btf: b, funcIds };
}
