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
// What this file does NOT do: rewrite iochain_ctx accesses into bpf_xrp ones. writeElf with
// target "xrp" emits the artifact's instructions unchanged with this context in its BTF; mapping
// the iochain ABI onto bpf_xrp (block → ctx->data, scratch → ctx->scratch, next_offset →
// next_addr[0], next_size → size[0], DONE → done = 1) is the compiler's xrp target's job, using the
// offsets exported here.
import type { BtfBuilder } from "../btf.js";
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
