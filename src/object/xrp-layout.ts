// The XRP target's ABI, all in this one file because none of it can be tested here: there is no
// XRP-patched kernel on our machines, and the field order below is taken from the XRP paper
// (OSDI 2022, Listing 1; see shared/notes/anchors.md), not from a running kernel.
//
//   struct bpf_xrp {
//     char *data;              // the block just read (4 KiB)
//     int done;                // set to 1 to end the chain
//     uint64_t next_addr[16];  // next read: next_addr[0] (fan-out is unsupported in the released code)
//     uint64_t size[16];       //            size[0]
//     char *scratch;           // per-chain buffer kept across hops (4 KiB); results travel here
//   };                          // program: uint32_t f(struct bpf_xrp *ctx)
//
// Later XRP kernels add `int fd_arr[16]` and `int cur_fd`; their position is unverified, so they
// are left out. XRP programs are loaded by libbpf with the program type forced, so their section
// name is free; we use `xrp_prog`. libbpf 1.x does not know that name: an XRP loader must set the
// type (bpf_program__set_type with BPF_PROG_TYPE_XRP) before loading.
//
// The compiler's xrp target (src/compiler/targets/xrp.ts) maps iochain's ABI onto this context
// with the layout below: block map → ctx->data, scratch map → ctx->scratch after a header that
// takes the place of iochain's ctx (XrpScratch), next_offset/next_size → next_addr[0]/size[0],
// the end of a chain → done = 1. docs/xrp.md describes it; none of it has met a real XRP kernel.
import { CTX_SIZE, Ctx } from "../abi/artifact.js";
import type { BtfBuilder } from "../bpf/btf.js";
import { u64Type, type TargetAbi } from "./artifact-btf.js";

export const XRP_SECTION = "xrp_prog";
export const XRP_FANOUT = 16;
/** Size of the data and scratch buffers the paper gives. */
export const XRP_BUFFER_SIZE = 4096;

/** Byte offsets of `struct bpf_xrp` fields (x86-64/BPF alignment: pointers and u64 at 8). */
export const XrpCtx = {
  data: 0,
  done: 8,
  nextAddr: 16,
  size: 16 + 8 * XRP_FANOUT,
  scratch: 16 + 16 * XRP_FANOUT,
} as const;
export const XRP_CTX_SIZE = XrpCtx.scratch + 8;
/** Width of `done` (a C int) and of next_addr[i] / size[i] (uint64_t). */
export const XRP_DONE_WIDTH = 4;
export const XRP_ADDR_WIDTH = 8;

/**
 * The start of ctx->scratch: a header laid out exactly as iochain's own ctx (docs/abi.md,
 * `struct iochain_ctx`, 128 bytes, the same field offsets), followed by iochain's scratch map
 * (state, result bytes, aggregates, output rows) at `base`. User space writes `args`, `offset`,
 * `size` (and `resume` after a suspension) before read_xrp(); the program reads the in fields from
 * here, writes status/error/value/value_len/rows here, and keeps offset/size/hop up to date itself
 * at every resubmission (there is no user space between the hops of an XRP chain). next_dev is
 * unused: the XRP kernel translates file offsets itself.
 */
export const XrpScratch = {
  header: 0,
  headerSize: CTX_SIZE,
  /** Offset of iochain's scratch map inside ctx->scratch. */
  base: CTX_SIZE,
  /** Header fields: the offsets of `struct iochain_ctx`. */
  field: Ctx,
} as const;
/** The most scratch-map bytes a program may use on XRP: the 4 KiB buffer minus the header. */
export const XRP_SCRATCH_CAPACITY = XRP_BUFFER_SIZE - XrpScratch.base;

function describeXrpCtx(b: BtfBuilder): number {
  const charPtr = b.ptr(b.int("char", 1, true));
  const u64 = u64Type(b);
  return b.struct("bpf_xrp", XRP_CTX_SIZE, [
    { name: "data", offset: XrpCtx.data, type: charPtr },
    { name: "done", offset: XrpCtx.done, type: b.int("int", 4, true) },
    { name: "next_addr", offset: XrpCtx.nextAddr, type: b.array(u64, XRP_FANOUT) },
    { name: "size", offset: XrpCtx.size, type: b.array(u64, XRP_FANOUT) },
    { name: "scratch", offset: XrpCtx.scratch, type: charPtr },
  ]);
}

export const XRP_ABI: TargetAbi = {
  section: XRP_SECTION,
  describeCtx: describeXrpCtx,
  returnType: (b) => b.typedef("__u32", b.int("unsigned int", 4)),
};
