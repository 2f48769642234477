/* iochain_chain.h: the kernel-chain ABI (docs/abi.md, "Kernel chains") for C drivers.
 * Generated from src/abi/chain.ts by `iochain compile --emit chain-header`
 * (src/object/chain-header.ts); do not edit. */
#ifndef IOCHAIN_CHAIN_H
#define IOCHAIN_CHAIN_H

#include <stddef.h>
#include <linux/types.h>

#define IOCHAIN_CTX_SIZE 128
#define IOCHAIN_CHAIN_CTX_SIZE 208
#define IOCHAIN_MAX_ARGS 7
/* Records a chain program holds unless compiled with --batch K; the largest K. */
#define IOCHAIN_CHAIN_DEFAULT_BATCH 64
#define IOCHAIN_CHAIN_MAX_BATCH 4096
/* bpf_loop's bound: the largest budget. */
#define IOCHAIN_MAX_LOOP_ITERATIONS 8388608

/* The object's maps (global-data sections; libbpf names the maps after them). */
#define IOCHAIN_BLOCK_MAP ".data.block"
#define IOCHAIN_SCRATCH_MAP ".data.scratch"
#define IOCHAIN_EXTENTS_MAP ".rodata.extents"
#define IOCHAIN_CHAINS_MAP ".data.chains"
#define IOCHAIN_ZEROS_MAP ".rodata.zeros"
/* The chain program of storage function NAME is NAME "_chain". */
#define IOCHAIN_CHAIN_SUFFIX "_chain"
/* Map order in the program (artifact maps, then the chain program's). */
#define IOCHAIN_MAP_BLOCK 0
#define IOCHAIN_MAP_SCRATCH 1

/* The step's ctx (docs/abi.md). */
struct iochain_ctx {
	__u64 offset;
	__u32 size;
	__u32 hop;
	__u32 resume;
	__u32 status;
	__u64 next_offset;
	__u32 next_size;
	__u32 error;
	__u64 value;
	__u32 value_len;
	__u32 rows;
	__u64 next_dev;
	__u64 args[7];
	__u32 file;
	__u32 next_file;
};

/* The chain program's ctx: BPF_PROG_TEST_RUN's ctx_in (ctx_size_in = IOCHAIN_CHAIN_CTX_SIZE),
 * copied back by the kernel after each run. */
struct iochain_chain_ctx {
	struct iochain_ctx step; /* the step's ctx */
	__u64 base; /* in: address of the data file's read-only mapping */
	__u64 file_size; /* in: the file's size; no read reaches past it */
	__u32 next; /* in/out: record of the current (or next) chain; 0 to start a batch */
	__u32 end; /* in: one past the batch's last record (<= capacity) */
	__u32 budget; /* in: at most this many hops in this run */
	__u32 stop; /* out: why the run returned (enum iochain_chain_stop); set BUDGET before a run */
	__u32 active; /* in/out: 1 while the chain at next is under way */
	__u32 resume; /* in/out: 1 when the next step re-runs on the block (after a suspension) */
	__u64 offset; /* state: file offset of the chain's next read */
	__u32 size; /* state: size of that read */
	__u32 hop; /* state: index of the current block in the chain */
	__u32 hops; /* state: blocks read so far */
	__u32 steps; /* state: program runs so far */
	__u32 got; /* state: bytes of the current block that are real */
	__s32 loop_error; /* out: bpf_loop's negative errno when it failed, else 0 */
	__s32 read_error; /* state: bpf_copy_from_user's return for the current chain */
	__u32 file; /* state, several files: the file of the next read (files 1.. follow the struct) */
};

/* Record i of a batch, at i * IOCHAIN_CHAIN_RECORD_SIZE(scratch size) in the chains map's value. */
struct iochain_chain_record {
	struct iochain_ctx ctx; /* the step's ctx as the chain left it; args in */
	__u32 hops; /* blocks read */
	__u32 steps; /* program runs */
	__u32 end; /* how the chain ended (enum iochain_chain_end) */
	__u32 error; /* the driver's error code when end = DRIVER */
	__s32 read_error; /* bpf_copy_from_user's return when the read faulted, else 0 */
	__u8 _pad0[4];
	__u8 scratch[]; /* a copy of scratch as the chain left it */
};
#define IOCHAIN_CHAIN_RECORD_SIZE(scratch_size) \
	((size_t)152 + (((size_t)(scratch_size) + 7) & ~(size_t)7))

/* ctx.stop: why a run of the chain program returned. */
enum iochain_chain_stop {
	IOCHAIN_STOP_DONE = 0,
	IOCHAIN_STOP_SUSPENDED = 1,
	IOCHAIN_STOP_BUDGET = 2,
	IOCHAIN_STOP_BAD_RECORD = 3,
};

/* record.end: how a chain ended. */
enum iochain_chain_end {
	IOCHAIN_END_NONE = 0,
	IOCHAIN_END_PROGRAM = 1,
	IOCHAIN_END_DRIVER = 2,
};

/* ctx.status: what a step asked for. */
enum iochain_status {
	IOCHAIN_STATUS_RESUBMIT = 0,
	IOCHAIN_STATUS_DONE = 1,
	IOCHAIN_STATUS_FAILED = 2,
	IOCHAIN_STATUS_SUSPENDED = 3,
};

/* Builtin error codes (ctx.error, record.error); a program's own start at FIRST_USER_ERROR. */
enum iochain_error {
	IOCHAIN_ERR_OUT_OF_FILE = 1,
	IOCHAIN_ERR_UNMAPPED = 2,
	IOCHAIN_ERR_MISALIGNED = 3,
	IOCHAIN_ERR_CROSSES_EXTENT = 4,
	IOCHAIN_ERR_CHAIN_TOO_LONG = 5,
	IOCHAIN_ERR_OUT_OF_BLOCK = 6,
	IOCHAIN_ERR_BAD_SIZE = 7,
	IOCHAIN_ERR_READ_FAULT = 8,
	IOCHAIN_ERR_FIRST_USER_ERROR = 16,
};

_Static_assert(offsetof(struct iochain_ctx, offset) == 0, "iochain_ctx.offset");
_Static_assert(offsetof(struct iochain_ctx, size) == 8, "iochain_ctx.size");
_Static_assert(offsetof(struct iochain_ctx, hop) == 12, "iochain_ctx.hop");
_Static_assert(offsetof(struct iochain_ctx, resume) == 16, "iochain_ctx.resume");
_Static_assert(offsetof(struct iochain_ctx, status) == 20, "iochain_ctx.status");
_Static_assert(offsetof(struct iochain_ctx, next_offset) == 24, "iochain_ctx.next_offset");
_Static_assert(offsetof(struct iochain_ctx, next_size) == 32, "iochain_ctx.next_size");
_Static_assert(offsetof(struct iochain_ctx, error) == 36, "iochain_ctx.error");
_Static_assert(offsetof(struct iochain_ctx, value) == 40, "iochain_ctx.value");
_Static_assert(offsetof(struct iochain_ctx, value_len) == 48, "iochain_ctx.value_len");
_Static_assert(offsetof(struct iochain_ctx, rows) == 52, "iochain_ctx.rows");
_Static_assert(offsetof(struct iochain_ctx, next_dev) == 56, "iochain_ctx.next_dev");
_Static_assert(offsetof(struct iochain_ctx, args) == 64, "iochain_ctx.args");
_Static_assert(offsetof(struct iochain_ctx, file) == 120, "iochain_ctx.file");
_Static_assert(offsetof(struct iochain_ctx, next_file) == 124, "iochain_ctx.next_file");
_Static_assert(sizeof(struct iochain_ctx) == 128, "iochain_ctx size");
_Static_assert(offsetof(struct iochain_chain_ctx, step) == 0, "iochain_chain_ctx.step");
_Static_assert(offsetof(struct iochain_chain_ctx, base) == 128, "iochain_chain_ctx.base");
_Static_assert(offsetof(struct iochain_chain_ctx, file_size) == 136, "iochain_chain_ctx.file_size");
_Static_assert(offsetof(struct iochain_chain_ctx, next) == 144, "iochain_chain_ctx.next");
_Static_assert(offsetof(struct iochain_chain_ctx, end) == 148, "iochain_chain_ctx.end");
_Static_assert(offsetof(struct iochain_chain_ctx, budget) == 152, "iochain_chain_ctx.budget");
_Static_assert(offsetof(struct iochain_chain_ctx, stop) == 156, "iochain_chain_ctx.stop");
_Static_assert(offsetof(struct iochain_chain_ctx, active) == 160, "iochain_chain_ctx.active");
_Static_assert(offsetof(struct iochain_chain_ctx, resume) == 164, "iochain_chain_ctx.resume");
_Static_assert(offsetof(struct iochain_chain_ctx, offset) == 168, "iochain_chain_ctx.offset");
_Static_assert(offsetof(struct iochain_chain_ctx, size) == 176, "iochain_chain_ctx.size");
_Static_assert(offsetof(struct iochain_chain_ctx, hop) == 180, "iochain_chain_ctx.hop");
_Static_assert(offsetof(struct iochain_chain_ctx, hops) == 184, "iochain_chain_ctx.hops");
_Static_assert(offsetof(struct iochain_chain_ctx, steps) == 188, "iochain_chain_ctx.steps");
_Static_assert(offsetof(struct iochain_chain_ctx, got) == 192, "iochain_chain_ctx.got");
_Static_assert(offsetof(struct iochain_chain_ctx, loop_error) == 196, "iochain_chain_ctx.loop_error");
_Static_assert(offsetof(struct iochain_chain_ctx, read_error) == 200, "iochain_chain_ctx.read_error");
_Static_assert(offsetof(struct iochain_chain_ctx, file) == 204, "iochain_chain_ctx.file");
_Static_assert(sizeof(struct iochain_chain_ctx) == 208, "iochain_chain_ctx size");
_Static_assert(offsetof(struct iochain_chain_record, ctx) == 0, "iochain_chain_record.ctx");
_Static_assert(offsetof(struct iochain_chain_record, hops) == 128, "iochain_chain_record.hops");
_Static_assert(offsetof(struct iochain_chain_record, steps) == 132, "iochain_chain_record.steps");
_Static_assert(offsetof(struct iochain_chain_record, end) == 136, "iochain_chain_record.end");
_Static_assert(offsetof(struct iochain_chain_record, error) == 140, "iochain_chain_record.error");
_Static_assert(offsetof(struct iochain_chain_record, read_error) == 144, "iochain_chain_record.read_error");
_Static_assert(offsetof(struct iochain_chain_record, scratch) == 152, "iochain_chain_record.scratch");

#endif /* IOCHAIN_CHAIN_H */
