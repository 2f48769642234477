// The BTF an object carries for a compiled program: the context struct its entry function takes,
// a FUNC per function (the entry global, callees static, as clang marks `static __noinline`), and
// a DATASEC + VAR per map section, which libbpf needs to make those maps BPF_F_MMAPABLE and the
// kernel uses to print map contents (`bpftool map dump`).
import { CTX_FIELDS, CTX_SIZE, Ctx } from "../abi/artifact.js";
import { CHAIN_CTX_SIZE } from "../abi/chain.js";
import {
  EXTENT_ENTRY_BYTES,
  EXTENT_HEADER_BYTES,
  ExtentField,
  ExtentTableField,
} from "../abi/extents.js";
import { BtfBuilder, FuncLinkage, VarLinkage } from "../bpf/btf.js";
import { CHAIN_CTX_FIELDS, type CScalar } from "./chain-header.js";

/** What differs between targets at the ELF level. */
export interface TargetAbi {
  /** ELF section of the entry function. */
  section: string;
  /** Adds the context struct; returns its type id. */
  describeCtx(b: BtfBuilder): number;
  /** Adds the entry function's return type; returns its id. */
  returnType(b: BtfBuilder): number;
}

export const u32Type = (b: BtfBuilder): number => b.typedef("__u32", b.int("unsigned int", 4));
export const u64Type = (b: BtfBuilder): number =>
  b.typedef("__u64", b.int("unsigned long long", 8));

export const LINUX_ABI: TargetAbi = {
  section: "syscall",
  describeCtx(b) {
    const members = CTX_FIELDS.map((f) => {
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
 * program's header (field names from chain-header.ts, offsets from abi/chain.ts).
 */
export function describeChainCtx(b: BtfBuilder, stepCtx: number): number {
  return b.struct("iochain_chain_ctx", CHAIN_CTX_SIZE, [
    { name: "step", offset: 0, type: stepCtx },
    ...CHAIN_CTX_FIELDS.map((f) => ({
      name: f.name,
      offset: f.offset,
      type: scalarType(b, f.type),
    })),
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

function valueType(b: BtfBuilder, v: MapVariable): number {
  const u64 = u64Type(b);
  if (
    v.layout === "extents" &&
    v.size >= EXTENT_HEADER_BYTES &&
    (v.size - EXTENT_HEADER_BYTES) % EXTENT_ENTRY_BYTES === 0
  ) {
    const extent = b.struct("iochain_extent", EXTENT_ENTRY_BYTES, [
      { name: "file_offset", offset: ExtentField.fileOffset, type: u64 },
      { name: "length", offset: ExtentField.length, type: u64 },
      { name: "dev_addr", offset: ExtentField.devAddr, type: u64 },
    ]);
    return b.struct("iochain_extents", v.size, [
      { name: "generation", offset: ExtentTableField.generation, type: u64 },
      { name: "count", offset: ExtentTableField.count, type: u64 },
      {
        name: "entries",
        offset: ExtentTableField.entries,
        type: b.array(extent, (v.size - EXTENT_HEADER_BYTES) / EXTENT_ENTRY_BYTES),
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
