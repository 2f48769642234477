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
	__u64 args[7];     /* in: parameters */
	__u32 file;        /* in: which of the program's files the block is from */
	__u32 next_file;   /* out: which file the next read is from */
};

enum { RESUBMIT = 0, DONE = 1, FAILED = 2, SUSPENDED = 3 };

/* Built-in errors (docs/abi.md); a program numbers its own from FIRST_USER_ERROR. */
enum {
	OUT_OF_FILE = 1,
	UNMAPPED = 2,
	MISALIGNED = 3,
	CROSSES_EXTENT = 4,
	OUT_OF_BLOCK = 6,
	FIRST_USER_ERROR = 16,
};

static __always_inline int fail(struct iochain_ctx *ctx, __u32 error)
{
	ctx->error = error;
	ctx->status = FAILED;
	return 0;
}

#ifdef IOCHAIN_NO_EXTENTS
/* The plain build (-DIOCHAIN_NO_EXTENTS): no extents map, no checks; the driver reads at file
 * offsets. Kept to show what the translation costs. */
static __always_inline int resubmit(struct iochain_ctx *ctx, __u64 offset, __u32 size)
{
	ctx->next_offset = offset;
	ctx->next_size = size;
	ctx->status = RESUBMIT;
	return 0;
}
#else
/* The extents map (docs/abi.md "extents layout"), as iochain's objects have it: a read-only global
 * in `.rodata.extents`, which libbpf makes a BPF_F_RDONLY_PROG array and freezes after filling it
 * with the section's bytes; user space writes the file's table into the object before loading
 * (libbpf: bpf_map__set_initial_value). `volatile`: clang must read the table, not fold the zeros
 * it is compiled with. Frozen, the table is constant to the verifier, as iochain's is. */
#define SECTOR 512
#define EXTENT_CAPACITY 256 /* what iochain's programs hold when not bound to a table */
#define EXTENT_PROBES 9     /* ceil(log2(EXTENT_CAPACITY + 1)) */

struct iochain_extent {
	__u64 file_offset;
	__u64 length;
	__u64 dev_addr;
};

struct iochain_extents {
	__u64 generation;
	__u64 count; /* sorted by file_offset, non-overlapping */
	struct iochain_extent entry[EXTENT_CAPACITY];
};

const volatile struct iochain_extents extents SEC(".rodata.extents");

/* File offset -> device address, with the access checks iochain compiles into every resubmit:
 * aligned to the sector, inside a mapped extent (else unmapped, or out_of_file past the last one),
 * the read not crossing the extent's end (except in the last extent: a short read at the end of
 * the file). An empty table means no known layout: the identity. Returns 0 or the error. */
static __always_inline __u32 translate(__u64 off, __u32 size, __u64 *dev)
{
	if (off & (SECTOR - 1))
		return MISALIGNED;
	__u64 count = extents.count;
	if (count > EXTENT_CAPACITY)
		count = EXTENT_CAPACITY; /* never read past the map value */
	if (count == 0) {
		*dev = off;
		return 0;
	}
	/* lo = the number of extents with file_offset <= off. The verifier bounds mid by itself
	 * (lo < hi <= EXTENT_CAPACITY). barrier_var keeps one branch per probe: as selects, clang
	 * tests the comparison twice, and a verifier that does not know the table (a map not frozen)
	 * walks four paths per probe instead of two: 380k instructions instead of 34k. */
	__u64 lo = 0, hi = count;
	for (__u64 probe = 0; probe < EXTENT_PROBES && lo < hi; probe++) {
		__u64 mid = (lo + hi) / 2;
		if (off < extents.entry[mid].file_offset) {
			hi = mid;
			barrier_var(hi);
		} else {
			lo = mid + 1;
			barrier_var(lo);
		}
	}
	if (lo == 0)
		return UNMAPPED; /* before the first extent */
	const volatile struct iochain_extent *e = &extents.entry[lo - 1];
	__u64 start = e->file_offset, end = start + e->length;
	int last = lo == count;
	if (off >= end)
		return last ? OUT_OF_FILE : UNMAPPED; /* past the file, or a hole */
	if (off + size > end && !last)
		return CROSSES_EXTENT;
	*dev = e->dev_addr + (off - start);
	return 0;
}

static __always_inline int resubmit(struct iochain_ctx *ctx, __u64 offset, __u32 size)
{
	__u64 dev;
	__u32 err = translate(offset, size, &dev);
	if (err)
		return fail(ctx, err);
	ctx->next_offset = offset;
	ctx->next_size = size;
	ctx->next_dev = dev;
	ctx->status = RESUBMIT;
	return 0;
}
#endif

static __always_inline int done(struct iochain_ctx *ctx, __u32 value_len)
{
	ctx->value_len = value_len;
	ctx->status = DONE;
	return 0;
}

#endif
