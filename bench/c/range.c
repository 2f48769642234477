/* Range scan over the bptree example's leaves (examples/range/README.md), hand-written in C to the
 * sim/linux ABI: the same rows, aggregates and suspensions as examples/range/scan.ioc. Descend to
 * the leaf holding `lo`, then walk the leaf links; rows with lo <= key <= hi and key % 3 != 0 go to
 * the output buffer in scratch. When it is full the program suspends and, re-run on the same block
 * (ctx->resume), goes on at the key that did not fit. */
#include "iochain.h"

#define BLOCK 512
#define FANOUT 31
#define LEAF_KEYS 30
#define NEXT_LEAF 30
#define INTERNAL 0
#define LEAF 1
#define VALUE_BIT (1ULL << 63)
#define CAPACITY 32

enum { CORRUPT_NODE = FIRST_USER_ERROR };

struct node {
	__u64 num;
	__u64 type;
	__u64 key[FANOUT];
	__u64 ptr[FANOUT];
};

struct node block BLOCK_MAP;

struct row {
	__u64 key;
	__u64 ptr; /* the value's byte offset */
};

struct {
	__u32 scan_at; /* the key a suspended scan goes on at */
	__u32 pad;
	__u64 count, sum, sum_hi, min, max; /* sum: 128 bits, exact (docs/abi.md) */
	struct row out[CAPACITY];
} scratch SCRATCH_MAP;

/* The first i < n with key[i] > k (n <= 31: at most 5 halvings). */
static __always_inline __u32 upper_bound(__u64 k, __u32 n)
{
	__u32 lo = 0, hi = n;
	for (int step = 0; step < 5 && lo < hi; step++) {
		__u32 mid = (lo + hi) / 2; /* lo, hi <= 31: no overflow */
		if (block.key[mid] <= k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

SEC("syscall")
int scan(struct iochain_ctx *ctx)
{
	__u64 lo = ctx->args[0], hi = ctx->args[1];
	__u64 num = block.num;

	if (block.type == INTERNAL) {
		if (num == 0 || num > FANOUT)
			return fail(ctx, CORRUPT_NODE);
		__u32 i = upper_bound(lo, num);
		return resubmit(ctx, block.ptr[i ? i - 1 : 0], BLOCK);
	}
	if (block.type != LEAF || num > LEAF_KEYS)
		return fail(ctx, CORRUPT_NODE);

	/* The row count lives in ctx->rows (kept across steps by the driver), not in a register: paths
	 * that did and did not emit then look alike to the verifier, which can prune them. */
	__u32 i = ctx->resume ? scratch.scan_at : 0;
	for (int step = 0; step < LEAF_KEYS; step++, i++) {
		barrier_var(i); /* no pointer induction variable: index the checked i */
		if (i >= num)
			break;
		__u64 key = block.key[i];
		if (key > hi)
			return done(ctx, 0);
		if (key < lo || key % 3 == 0)
			continue;
		__u32 rows = ctx->rows;
		if (rows >= CAPACITY) {
			scratch.scan_at = i;
			ctx->status = SUSPENDED;
			return 0;
		}
		scratch.out[rows].key = key;
		scratch.out[rows].ptr = block.ptr[i] & ~VALUE_BIT;
		ctx->rows = rows + 1;
		if (scratch.count == 0 || key < scratch.min)
			scratch.min = key;
		if (scratch.count == 0 || key > scratch.max)
			scratch.max = key;
		scratch.count++;
		scratch.sum += key;
		if (scratch.sum < key) /* the carry into the high word */
			scratch.sum_hi++;
	}

	__u64 next = block.ptr[NEXT_LEAF];
	if (next == 0)
		return done(ctx, 0);
	return resubmit(ctx, next, BLOCK);
}

char LICENSE[] SEC("license") = "GPL";
