/* Lookup in a B-tree of SQLite-style slotted pages (examples/slotted/README.md), hand-written in C
 * to the sim/linux ABI: the same steps and answers as examples/slotted/lookup.ioc. Big-endian
 * headers, a cell-pointer array, cells at offsets the page gives, SQLite varints; every read at a
 * computed offset is checked against the page. */
#include "iochain.h"

#define PAGE 4096
#define INTERIOR 0x05
#define LEAF 0x0d
#define INTERIOR_HEADER 12
#define LEAF_HEADER 8
#define SEARCH_STEPS 12 /* binary search over < 4096 cells */
#define PAYLOAD_BYTES 64

enum { CORRUPT_PAGE = FIRST_USER_ERROR, NOT_FOUND, LOOP_LIMIT };

__u8 block[PAGE] BLOCK_MAP;

/* The binary search's bounds live in scratch (map memory, which the verifier does not track), not
 * in registers: the paths through a search step then look alike to it and are pruned, where
 * 2^12 distinct (lo, hi) register states would exceed its budget of a million instructions. */
struct {
	__u8 payload[PAYLOAD_BYTES];
	__u32 lo, hi;
} scratch SCRATCH_MAP;

/* The big-endian u16 at `off`; false when it lies outside the page. */
static __always_inline int u16be(__u64 off, __u64 *out)
{
	barrier_var(off);
	if (off > PAGE - 2)
		return 0;
	*out = __builtin_bswap16(*(__u16 *)&block[off]);
	return 1;
}

/* SQLite varint at `off`: big-endian 7-bit groups, the 9th byte whole; false outside the page. */
static __always_inline int varint(__u64 off, __u64 *value, __u64 *len)
{
	__u64 v = 0;
	for (__u32 i = 0; i < 8; i++) {
		__u64 at = off + i;
		barrier_var(at);
		if (at >= PAGE)
			return 0;
		__u8 b = block[at];
		v = (v << 7) | (b & 0x7f);
		if (b < 0x80) {
			*value = v;
			*len = i + 1;
			return 1;
		}
	}
	__u64 at = off + 8;
	barrier_var(at);
	if (at >= PAGE)
		return 0;
	*value = (v << 8) | block[at];
	*len = 9;
	return 1;
}

static __always_inline __u64 page_offset(__u32 page)
{
	return ((__u64)page - 1) * PAGE;
}

static __always_inline int interior(struct iochain_ctx *ctx, __u64 rowid, __u32 n)
{
	__u64 cell, used, cell_rowid;
	WRITE_ONCE(scratch.lo, 0);
	WRITE_ONCE(scratch.hi, n);
	for (int step = 0; step < SEARCH_STEPS; step++) {
		__u32 lo = READ_ONCE(scratch.lo), hi = READ_ONCE(scratch.hi);
		if (lo >= hi)
			break;
		__u32 mid = lo + (hi - lo) / 2;
		if (!u16be(INTERIOR_HEADER + 2 * mid, &cell) || !varint(cell + 4, &cell_rowid, &used))
			return fail(ctx, OUT_OF_BLOCK);
		if (cell_rowid < rowid)
			WRITE_ONCE(scratch.lo, mid + 1);
		else
			WRITE_ONCE(scratch.hi, mid);
	}
	__u32 lo = READ_ONCE(scratch.lo), hi = READ_ONCE(scratch.hi);
	if (lo < hi)
		return fail(ctx, LOOP_LIMIT);
	if (lo == n)
		return resubmit(ctx, page_offset(__builtin_bswap32(*(__u32 *)&block[8])), PAGE);
	if (!u16be(INTERIOR_HEADER + 2 * lo, &cell) || cell > PAGE - 4)
		return fail(ctx, OUT_OF_BLOCK);
	return resubmit(ctx, page_offset(__builtin_bswap32(*(__u32 *)&block[cell])), PAGE);
}

static __always_inline int leaf(struct iochain_ctx *ctx, __u64 rowid, __u32 n)
{
	__u64 cell, a, b, payload_len, cell_rowid;
	WRITE_ONCE(scratch.lo, 0);
	WRITE_ONCE(scratch.hi, n);
	for (int step = 0; step < SEARCH_STEPS; step++) {
		__u32 lo = READ_ONCE(scratch.lo), hi = READ_ONCE(scratch.hi);
		if (lo >= hi)
			break;
		__u32 mid = lo + (hi - lo) / 2;
		if (!u16be(LEAF_HEADER + 2 * mid, &cell) || !varint(cell, &payload_len, &a) ||
		    !varint(cell + a, &cell_rowid, &b))
			return fail(ctx, OUT_OF_BLOCK);
		if (cell_rowid < rowid)
			WRITE_ONCE(scratch.lo, mid + 1);
		else
			WRITE_ONCE(scratch.hi, mid);
	}
	__u32 lo = READ_ONCE(scratch.lo), hi = READ_ONCE(scratch.hi);
	if (lo < hi)
		return fail(ctx, LOOP_LIMIT);
	if (lo == n)
		return fail(ctx, NOT_FOUND);
	if (!u16be(LEAF_HEADER + 2 * lo, &cell) || !varint(cell, &payload_len, &a) ||
	    !varint(cell + a, &cell_rowid, &b))
		return fail(ctx, OUT_OF_BLOCK);
	if (cell_rowid != rowid)
		return fail(ctx, NOT_FOUND);

	__u64 at = cell + a + b;
	if (payload_len > PAYLOAD_BYTES || at + payload_len > PAGE)
		return fail(ctx, OUT_OF_BLOCK);
	for (__u32 j = 0; j < PAYLOAD_BYTES && j < payload_len; j++)
		scratch.payload[j] = block[(at + j) & (PAGE - 1)]; /* the mask never bites */
	return done(ctx, payload_len);
}

SEC("syscall")
int lookup(struct iochain_ctx *ctx)
{
	__u64 rowid = ctx->args[0];
	__u8 kind = block[0];
	__u32 n = __builtin_bswap16(*(__u16 *)&block[3]);
	if (kind == INTERIOR)
		return interior(ctx, rowid, n);
	if (kind != LEAF)
		return fail(ctx, CORRUPT_PAGE);
	return leaf(ctx, rowid, n);
}

char LICENSE[] SEC("license") = "GPL";
