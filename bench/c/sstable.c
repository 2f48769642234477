/* LSM sorted-table lookup (examples/sstable/README.md), hand-written in C to the sim/linux ABI:
 * the same stages and answers as examples/sstable/lookup.ioc. The index block picks the data
 * block, the bloom filter may rule the key out, the data block's LEB128-framed entries hold the
 * value. */
#include "iochain.h"

#define BLOCK 4096
#define MAGIC 0x53534f49 /* "IOSS" */
#define MAX_BLOCKS 254
#define BLOOM_BITS 32768
#define GOLDEN 0x9E3779B97F4A7C15ULL
#define MAX_ENTRIES 1024
#define VALUE_BYTES 32

enum { BAD_MAGIC = FIRST_USER_ERROR, CORRUPT_INDEX, NOT_FOUND, BAD_VARINT, LOOP_LIMIT };
enum { STAGE_INDEX, STAGE_BLOOM, STAGE_DATA };

struct index_entry {
	__u64 last_key; /* the largest key of the data block */
	__u64 offset;   /* the data block's file offset */
};

struct index_block {
	__u32 magic;
	__u32 count;
	__u64 bloom_offset;
	__u32 bloom_k;
	__u32 reserved;
	struct index_entry entry[MAX_BLOCKS];
};

union {
	struct index_block index;
	__u16 count; /* a data block's entry count */
	__u8 bytes[BLOCK];
} block BLOCK_MAP;

/* The data block's scan, kept in scratch (map memory, which the verifier does not track) rather
 * than on the stack: each bpf_loop iteration then looks the same to it, and one check suffices. */
struct data_scan {
	__u64 key;
	__u64 p;         /* offset of the next entry */
	__u64 value_len; /* when found: the value is value_len bytes at p */
	__u32 count;
	__u32 error; /* the error that ended the scan, else 0 */
	__u32 found;
	__u32 pad;
};

struct {
	__u32 stage;
	__u32 bloom_k;
	__u64 data_offset;
	__u8 value[VALUE_BYTES];
	struct data_scan scan;
} scratch SCRATCH_MAP;

static __always_inline int index_stage(struct iochain_ctx *ctx, __u64 key)
{
	if (block.index.magic != MAGIC)
		return fail(ctx, BAD_MAGIC);
	__u32 count = block.index.count, k = block.index.bloom_k;
	if (count == 0 || count > MAX_BLOCKS || k > 16)
		return fail(ctx, CORRUPT_INDEX);
	for (__u32 i = 0; i < MAX_BLOCKS && i < count; i++) {
		if (block.index.entry[i].last_key >= key) {
			scratch.data_offset = block.index.entry[i].offset;
			scratch.bloom_k = k;
			scratch.stage = STAGE_BLOOM;
			return resubmit(ctx, block.index.bloom_offset, BLOCK);
		}
	}
	return fail(ctx, NOT_FOUND); /* larger than every key of the table */
}

static __always_inline int bloom_stage(struct iochain_ctx *ctx, __u64 key)
{
	__u64 h = key * GOLDEN;
	__u64 h1 = h >> 32, h2 = (h & 0xffffffff) | 1;
	__u32 k = scratch.bloom_k;
	for (__u32 i = 0; i < 16 && i < k; i++) {
		__u64 bit = (h1 + i * h2) % BLOOM_BITS;
		if (((block.bytes[bit >> 3] >> (bit & 7)) & 1) == 0)
			return fail(ctx, NOT_FOUND);
	}
	scratch.stage = STAGE_DATA;
	return resubmit(ctx, scratch.data_offset, BLOCK);
}

/* Unsigned LEB128 at `off`: 0, or the error that ends the chain. */
static __always_inline __u32 leb128(__u64 off, __u64 *value, __u64 *len)
{
	__u64 v = 0;
	for (__u32 i = 0; i < 10; i++) {
		__u64 at = off + i;
		barrier_var(at);
		if (at >= BLOCK)
			return OUT_OF_BLOCK;
		__u8 b = block.bytes[at];
		v |= (__u64)(b & 0x7f) << (7 * i);
		if (b < 0x80) {
			*value = v;
			*len = i + 1;
			return 0;
		}
	}
	return BAD_VARINT;
}

static __always_inline int return_value(struct iochain_ctx *ctx, __u64 p, __u64 len)
{
	if (len > VALUE_BYTES || p + len > BLOCK)
		return fail(ctx, OUT_OF_BLOCK);
	for (__u32 j = 0; j < VALUE_BYTES && j < len; j++)
		scratch.value[j] = block.bytes[(p + j) & (BLOCK - 1)]; /* the mask never bites */
	return done(ctx, len);
}

/* One entry of the data block per call. As a bounded loop of MAX_ENTRIES iterations with two
 * varints inside, the verifier refuses this scan ("The sequence of 8193 jumps is too complex"):
 * bpf_loop instead, at the price of a call per entry. */
static long data_entry(__u32 n, void *unused)
{
	struct data_scan *s = &scratch.scan;
	if (n >= s->count) {
		s->error = NOT_FOUND;
		return 1;
	}
	__u64 entry_key, value_len, key_len, len_len;
	__u32 err;
	if ((err = leb128(s->p, &entry_key, &key_len)) ||
	    (err = leb128(s->p + key_len, &value_len, &len_len))) {
		s->error = err;
		return 1;
	}
	__u64 p = s->p + key_len + len_len;
	if (entry_key == s->key) {
		s->found = 1;
		s->p = p;
		s->value_len = value_len;
		return 1;
	}
	if (entry_key > s->key) {
		s->error = NOT_FOUND; /* entries are sorted */
		return 1;
	}
	s->p = (__u32)(p + value_len); /* a u32 in the .ioc: wraps alike */
	return 0;
}

static __always_inline int data_stage(struct iochain_ctx *ctx, __u64 key)
{
	struct data_scan *s = &scratch.scan;
	*s = (struct data_scan){ .key = key, .p = 2, .count = block.count };
	bpf_loop(MAX_ENTRIES, data_entry, 0, 0);
	if (s->error)
		return fail(ctx, s->error);
	if (s->found)
		return return_value(ctx, s->p, s->value_len);
	return fail(ctx, LOOP_LIMIT); /* count > MAX_ENTRIES: the loop ran out */
}

SEC("syscall")
int lookup(struct iochain_ctx *ctx)
{
	__u64 key = ctx->args[0];
	switch (scratch.stage) {
	case STAGE_INDEX:
		return index_stage(ctx, key);
	case STAGE_BLOOM:
		return bloom_stage(ctx, key);
	default:
		return data_stage(ctx, key);
	}
}

char LICENSE[] SEC("license") = "GPL";
