/* Point lookup in BPF-KV's on-disk B+tree (examples/bptree/README.md), hand-written in C to the
 * sim/linux ABI: the same steps and answers as examples/bptree/lookup.ioc. Descend from the root
 * at offset 0 by binary search (the last key <= k), find k in the leaf, then read the 64-byte
 * value from the block the leaf points at. */
#include "iochain.h"

#define BLOCK 512
#define FANOUT 31
#define INTERNAL 0
#define LEAF 1
#define VALUE_BIT (1ULL << 63)
#define VALUE_BYTES 64

enum { CORRUPT_NODE = FIRST_USER_ERROR, NOT_FOUND };
enum { STAGE_NODE, STAGE_VALUE };

struct node {
	__u64 num;  /* entries in use */
	__u64 type; /* 0 internal, 1 leaf */
	__u64 key[FANOUT];
	__u64 ptr[FANOUT];
};

union {
	struct node node;
	__u8 bytes[BLOCK];
} block BLOCK_MAP;

struct {
	__u32 stage;
	__u32 value_at; /* where the value sits inside its block */
	__u64 value[VALUE_BYTES / 8];
} scratch SCRATCH_MAP;

/* The first i < n with key[i] > k (n <= 31: at most 5 halvings). */
static __always_inline __u32 upper_bound(__u64 k, __u32 n)
{
	__u32 lo = 0, hi = n;
	for (int step = 0; step < 5 && lo < hi; step++) {
		__u32 mid = (lo + hi) / 2; /* lo, hi <= 31: no overflow */
		if (block.node.key[mid] <= k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first i < n with key[i] >= k. */
static __always_inline __u32 lower_bound(__u64 k, __u32 n)
{
	__u32 lo = 0, hi = n;
	for (int step = 0; step < 5 && lo < hi; step++) {
		__u32 mid = (lo + hi) / 2; /* lo, hi <= 31: no overflow */
		if (block.node.key[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static __always_inline int value_stage(struct iochain_ctx *ctx)
{
	__u32 at = scratch.value_at;
	if (at > BLOCK - VALUE_BYTES)
		return fail(ctx, OUT_OF_BLOCK);
	const __u64 *src = (const __u64 *)&block.bytes[at];
	for (int i = 0; i < VALUE_BYTES / 8; i++)
		scratch.value[i] = src[i];
	return done(ctx, VALUE_BYTES);
}

SEC("syscall")
int lookup(struct iochain_ctx *ctx)
{
	__u64 key = ctx->args[0];
	if (scratch.stage == STAGE_VALUE)
		return value_stage(ctx);

	__u64 num = block.node.num;
	if (num == 0 || num > FANOUT)
		return fail(ctx, CORRUPT_NODE);
	if (block.node.type == INTERNAL) {
		__u32 i = upper_bound(key, num);
		return resubmit(ctx, block.node.ptr[i ? i - 1 : 0], BLOCK);
	}
	if (block.node.type != LEAF)
		return fail(ctx, CORRUPT_NODE);

	__u32 i = lower_bound(key, num);
	if (i >= num || block.node.key[i] != key) /* >=, not ==: tells the verifier i <= 30 */
		return fail(ctx, NOT_FOUND);
	__u64 offset = block.node.ptr[i] & ~VALUE_BIT;
	scratch.value_at = offset % BLOCK;
	scratch.stage = STAGE_VALUE;
	return resubmit(ctx, offset - offset % BLOCK, BLOCK);
}

char LICENSE[] SEC("license") = "GPL";
