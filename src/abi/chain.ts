// The kernel-chain ABI (docs/abi.md, "Kernel chains"): what the chain program shares with the
// runtime that drives it and with C drivers. The chain program runs whole chains inside one
// BPF_PROG_TEST_RUN; its ctx is `struct iochain_ctx` (the step's ctx, 128 bytes) followed by the
// header below, and each chain of a batch has a record in the `chains` map.
import type { Insn } from "../bpf/insn.js";
import { CTX_SIZE } from "./artifact.js";

/** Byte offsets of `struct iochain_chain_ctx`, after the step's 128-byte ctx. */
export const ChainCtx = {
  /** in: the user-space address of the data file's read-only mapping. */
  base: CTX_SIZE + 0,
  /** in: the file's size in bytes; no read reaches past it. */
  fileSize: CTX_SIZE + 8,
  /** in/out: the record of the current (or next) chain. */
  next: CTX_SIZE + 16,
  /** in: one past the last record of the batch. */
  end: CTX_SIZE + 20,
  /** in: at most this many loop iterations (one hop each) in this run; the caller runs again. */
  budget: CTX_SIZE + 24,
  /** out: why the run returned (ChainStop). */
  stop: CTX_SIZE + 28,
  /** in/out: 1 while the chain at `next` is under way (the fields below are its state). */
  active: CTX_SIZE + 32,
  /** in/out: 1 when the next step re-runs on the block in the block map (after a suspension). */
  resume: CTX_SIZE + 36,
  /** state: file offset and size of the chain's next read (or of its current block). */
  offset: CTX_SIZE + 40,
  size: CTX_SIZE + 48,
  /** state: 0-based index of the current step's block in the chain. */
  hop: CTX_SIZE + 52,
  /** state: blocks read so far, program runs so far, bytes of the current block that are real. */
  hops: CTX_SIZE + 56,
  steps: CTX_SIZE + 60,
  got: CTX_SIZE + 64,
  /** out: bpf_loop's return when it failed (negative errno), else 0. */
  loopError: CTX_SIZE + 68,
  /** state: bpf_copy_from_user's return when the chain's read faulted, for its record. */
  readError: CTX_SIZE + 72,
  /**
   * state, programs that read several files: the file of the chain's next read (or of its
   * current block), an index in `artifact.files`. Untouched by a one-file program's chain program.
   */
  file: CTX_SIZE + 76,
  /**
   * in, programs that read several files: files 1, 2, ... as `{u64 base; u64 file_size}` each
   * (chainFileEntry), after file 0's `base` and `fileSize` above. The ctx is then
   * `chainCtxSize(files)` bytes.
   */
  moreFiles: CTX_SIZE + 80,
} as const;

/** The chain program's ctx: the step's ctx and the header (for a program that reads one file). */
export const CHAIN_CTX_SIZE = CTX_SIZE + 80;

/** Bytes of one entry of `moreFiles`: `u64 base; u64 file_size;`. */
export const CHAIN_FILE_ENTRY_BYTES = 16;

/** Where file `file`'s (≥ 1) base address and size are in the chain ctx. */
export const chainFileEntry = (file: number): { base: number; fileSize: number } => {
  const at = ChainCtx.moreFiles + (file - 1) * CHAIN_FILE_ENTRY_BYTES;
  return { base: at, fileSize: at + 8 };
};

/** The chain ctx's size for a program that reads `files` files (at least one). */
export const chainCtxSize = (files: number): number =>
  CHAIN_CTX_SIZE + Math.max(0, files - 1) * CHAIN_FILE_ENTRY_BYTES;

/** Files a chain program maps at most (each one more entry in the ctx). */
export const MAX_CHAIN_FILES = 16;

/** Why a run of the chain program returned (`ChainCtx.stop`). */
export const ChainStop = {
  /** Every chain of the batch has its record. */
  DONE: 0,
  /** The chain at `next` suspended: its rows are in scratch, the caller drains them and runs again. */
  SUSPENDED: 1,
  /** The run's iteration budget ran out: run again (the caller sets `stop` to this before a run). */
  BUDGET: 2,
  /** `next` was past the chains map: the caller broke the ABI (cannot happen through the runtime). */
  BAD_RECORD: 3,
} as const;

/**
 * Per chain, a record in the `chains` map's one value (record i at i * recordSize): the step's ctx
 * as the chain left it (args in at 64..128, the out fields of its last step), then how it ended,
 * then a copy of scratch (result bytes, aggregates, the rows of its last stretch).
 */
export const ChainRecord = {
  ctx: 0,
  hops: CTX_SIZE + 0,
  steps: CTX_SIZE + 4,
  /** ChainEnd. */
  end: CTX_SIZE + 8,
  /** The driver's error code when end = DRIVER. */
  error: CTX_SIZE + 12,
  /** bpf_copy_from_user's return when the read faulted (a negative errno), else 0. */
  readError: CTX_SIZE + 16,
  scratch: CTX_SIZE + 24,
} as const;

/** How a chain ended (`ChainRecord.end`). */
export const ChainEnd = {
  /** Not run (yet). */
  NONE: 0,
  /** A step ended it with the status in the record's ctx (done, failed, or an ABI violation). */
  PROGRAM: 1,
  /** The chain program's own checks ended it: failed with the record's `error`. */
  DRIVER: 2,
} as const;

/** Bytes of one record for a scratch area of `scratchSize` bytes. */
export const chainRecordSize = (scratchSize: number): number =>
  ChainRecord.scratch + ((scratchSize + 7) & ~7);

/** Records in one loaded chain program unless the caller asks for another batch size. */
export const DEFAULT_BATCH = 64;
/** The largest batch (records in the chains map). */
export const MAX_BATCH = 4096;

/** The maps a chain program adds after the artifact's (their indices follow `artifact.maps`). */
export interface ChainMapSpec {
  name: "chains" | "zeros";
  valueSize: number;
  mmapable: boolean;
  readOnlyProg: boolean;
}

/** What compiler/targets/kernel-chain.ts builds: the program, its maps and sizes. */
export interface ChainProgram {
  /** The chain program's instructions: its own code, then the step's, called as a subprogram. */
  insns: Insn[];
  /** Maps after the artifact's (their indices follow `artifact.maps`): the records, and zeros. */
  maps: ChainMapSpec[];
  /** Records in the chains map (the largest batch one run takes). */
  capacity: number;
  recordSize: number;
  ctxSize: number;
}
