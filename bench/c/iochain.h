/* The sim/linux ABI (docs/abi.md) for hand-written C storage functions: the ctx struct, the status
 * and error codes, and the two maps. The block and scratch maps are global variables in their own
 * `.data.<name>` sections: libbpf makes each such section a one-element BPF_F_MMAPABLE array map and
 * reaches it with `ld_imm64 map_value`, no helper call — the same shape iochain compiles to.
 * Self-contained (no kernel or libbpf headers), so any clang with the BPF target builds it. */
#ifndef IOCHAIN_H
#define IOCHAIN_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))
#define __always_inline inline __attribute__((always_inline))
/* As libbpf's bpf_helpers.h: clang forgets what it knows about `v`, so it cannot rewrite a
 * checked offset into a form the verifier cannot follow. */
#define barrier_var(v) asm volatile("" : "+r"(v))
/* A real load and store: what a loop keeps in map memory stays there (see slotted.c). */
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* Non-static globals: clang may not assume a map's contents (user space writes them). */
#define BLOCK_MAP SEC(".data.block")
#define SCRATCH_MAP SEC(".data.scratch")

/* bpf_loop (helper 181, kernel >= 5.17): runs `callback(i, data)` for i < nr_loops until it
 * returns 1. The verifier checks the callback once, not once per iteration: the way to write a
 * loop of hundreds of iterations with branches inside, which a bounded loop cannot pass. */
static long (*const bpf_loop)(__u32 nr_loops, void *callback, void *data, __u64 flags) = (void *)181;

struct iochain_ctx {
	__u64 offset;      /* in: file offset of the block */
	__u32 size;        /* in: real bytes in the block */
	__u32 hop;         /* in: index of this step in the chain */
	__u32 resume;      /* in: 1 when re-run after a suspension */
	__u32 status;      /* out: RESUBMIT, DONE, FAILED, SUSPENDED */
	__u64 next_offset; /* out: file offset of the next read */
	__u32 next_size;   /* out: its size */
	__u32 error;       /* out: error code when FAILED */
	__u64 value;       /* out: scalar result */
	__u32 value_len;   /* out: bytes of a byte-array result */
	__u32 rows;        /* out: rows in the output buffer */
	__u64 next_dev;    /* out: device address of the next read */
	__u64 args[8];     /* in: parameters */
};

enum { RESUBMIT = 0, DONE = 1, FAILED = 2, SUSPENDED = 3 };

/* Built-in errors; a program numbers its own from FIRST_USER_ERROR. */
enum { OUT_OF_BLOCK = 6, FIRST_USER_ERROR = 16 };

static __always_inline int resubmit(struct iochain_ctx *ctx, __u64 offset, __u32 size)
{
	ctx->next_offset = offset;
	ctx->next_size = size;
	ctx->status = RESUBMIT;
	return 0;
}

static __always_inline int fail(struct iochain_ctx *ctx, __u32 error)
{
	ctx->error = error;
	ctx->status = FAILED;
	return 0;
}

static __always_inline int done(struct iochain_ctx *ctx, __u32 value_len)
{
	ctx->value_len = value_len;
	ctx->status = DONE;
	return 0;
}

#endif
