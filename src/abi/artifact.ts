// What compiling a storage function produces: the contract between the compiler and every runtime
// (VM, simulator, linux). docs/abi.md explains each field's run-time meaning.
import type { Insn } from "../bpf/insn.js";

/** Scalar types of the language as they appear at the ABI boundary. */
export type ScalarType = "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "bool";

export const CTX_SIZE = 128;

/** Byte offsets of `struct iochain_ctx` (docs/abi.md). */
export const Ctx = {
  offset: 0,
  size: 8,
  hop: 12,
  resume: 16,
  status: 20,
  nextOffset: 24,
  nextSize: 32,
  error: 36,
  value: 40,
  valueLen: 48,
  rows: 52,
  nextDev: 56,
  args: 64,
  maxArgs: 7,
  /** in: index in `artifact.files` of the file the block was read from. */
  file: 120,
  /** out: index in `artifact.files` of the file the next read is from (RESUBMIT). */
  nextFile: 124,
} as const;

/** `struct iochain_ctx` (docs/abi.md), field by field: C name, offset, width, array length. */
export const CTX_FIELDS: readonly {
  name: string;
  offset: number;
  size: 4 | 8;
  count?: number;
}[] = [
  { name: "offset", offset: Ctx.offset, size: 8 },
  { name: "size", offset: Ctx.size, size: 4 },
  { name: "hop", offset: Ctx.hop, size: 4 },
  { name: "resume", offset: Ctx.resume, size: 4 },
  { name: "status", offset: Ctx.status, size: 4 },
  { name: "next_offset", offset: Ctx.nextOffset, size: 8 },
  { name: "next_size", offset: Ctx.nextSize, size: 4 },
  { name: "error", offset: Ctx.error, size: 4 },
  { name: "value", offset: Ctx.value, size: 8 },
  { name: "value_len", offset: Ctx.valueLen, size: 4 },
  { name: "rows", offset: Ctx.rows, size: 4 },
  { name: "next_dev", offset: Ctx.nextDev, size: 8 },
  { name: "args", offset: Ctx.args, size: 8, count: Ctx.maxArgs },
  { name: "file", offset: Ctx.file, size: 4 },
  { name: "next_file", offset: Ctx.nextFile, size: 4 },
];

export const Status = { RESUBMIT: 0, DONE: 1, FAILED: 2, SUSPENDED: 3 } as const;

/**
 * ctx.resume of the start step: a program whose first read is computed from its arguments
 * (`start` over the parameters; artifact.start = "computed") is run once before any read with
 * this value, no block, and ends with RESUBMIT (the first read, checked like any resubmit) or
 * FAILED. 1 is a re-run after a suspension, 0 an ordinary step.
 */
export const RESUME_START = 2;

/** Errors every program can end with, whatever its source says (docs/abi.md). */
export const BuiltinError = {
  out_of_file: 1,
  unmapped: 2,
  misaligned: 3,
  crosses_extent: 4,
  chain_too_long: 5,
  out_of_block: 6,
  bad_size: 7,
} as const;
/**
 * Errors only a runtime raises, never a program (so a program cannot `fail` with them):
 * read_fault — a kernel chain's copy of a block from the mapped data file failed (the file was
 * truncated under the mapping; docs/kernel-chains.md).
 */
export const RuntimeError = { read_fault: 8 } as const;
export const FIRST_USER_ERROR = 16;

/**
 * A resubmitted file offset must be a multiple of this, else the chain fails with `misaligned`:
 * 512 (the sector, what O_DIRECT needs), or the block size's largest power-of-two factor when
 * that is smaller. Only the offset is checked, not the size.
 */
export const readAlignment = (blockSize: number): number => Math.min(512, blockSize & -blockSize);

/** Map indices; the extents map of file i (a program that reads several files) is `extents + i`. */
export const MapIndex = { block: 0, scratch: 1, extents: 2 } as const;

/** The extents map of the program's i-th file (`artifact.files[i]`): its index in `maps`. */
export const extentsMapIndex = (file: number): number => MapIndex.extents + file;

/** The extents map's name in objects and in the kernel: `extents`, then `extents_1`, `extents_2`. */
export const extentsMapName = (file: number): string =>
  file === 0 ? "extents" : `extents_${file}`;

/** Which file an extents map holds the table of (0 for a program that reads one file). */
export const extentsMapFile = (spec: MapSpec): number => spec.file ?? 0;

/**
 * Contents for a program's extents maps given at run time (the data files' tables): one table,
 * for a program that reads one file, or one per file in `files` order (undefined: keep the map's).
 */
export type ExtentsInit = Uint8Array | readonly (Uint8Array | undefined)[];

/** A map's initial value: its run-time table when it is an extents map given one, else its own. */
export function initialMapValue(spec: MapSpec, given?: ExtentsInit): Uint8Array | undefined {
  if (spec.name !== "extents" || given === undefined) return spec.init;
  const file = extentsMapFile(spec);
  const mine = given instanceof Uint8Array ? (file === 0 ? given : undefined) : given[file];
  return mine ?? spec.init;
}

export interface MapSpec {
  name: "block" | "scratch" | "extents";
  valueSize: number;
  /** BPF_F_MMAPABLE: user space reads/writes the value directly. */
  mmapable: boolean;
  /** BPF_F_RDONLY_PROG: the program may only read it. */
  readOnlyProg: boolean;
  /** Initial contents (the extent table); zero-filled when absent. */
  init?: Uint8Array;
  /** An extents map: the index in `artifact.files` of the file it translates (absent: 0). */
  file?: number;
}

export interface ParamSpec {
  name: string;
  type: ScalarType;
}

export type ResultSpec =
  | { kind: "none" }
  | { kind: "scalar"; type: ScalarType }
  | { kind: "bytes"; length: number; offset: number };

export interface FieldSpec {
  name: string;
  type: ScalarType;
  offset: number;
}

export interface OutputSpec {
  /** Byte offset of the first row in scratch. */
  offset: number;
  rowSize: number;
  capacity: number;
  fields: FieldSpec[];
}

/** Bytes of scratch a sum or avg aggregate holds its exact (128-bit) sum in. */
export const WIDE_SUM_BYTES = 16;

export interface AggregateSpec {
  name: string;
  kind: "count" | "sum" | "min" | "max" | "avg";
  type: ScalarType;
  /**
   * Where the value lives. sum and avg: a 128-bit two's-complement sum (WIDE_SUM_BYTES), low
   * 64-bit word at `offset`, high word at `offset + 8`, so that it is exact (never wraps);
   * `type` (u64/i64) says whether it is signed.
   */
  offset: number;
  /**
   * min, max and avg: where the number of rows aggregated lives (the hidden `$rows_total`). Over
   * zero rows they have no value (the slot at `offset` is whatever scratch held): decoded as null.
   */
  countOffset?: number;
}

export interface ProgramArtifact {
  /** The storage function's name and the .ioc file it came from. */
  name: string;
  file: string;
  insns: Insn[];
  maps: MapSpec[];
  blockSize: number;
  /**
   * File offset of the chain's first read (of `blockSize` bytes), or "computed": the program's
   * start step (ctx.resume = RESUME_START) computes the first read from the arguments.
   */
  start: bigint | "computed";
  maxChain: number;
  params: ParamSpec[];
  result: ResultSpec;
  /** User errors, code → name (codes from FIRST_USER_ERROR). */
  errors: { code: number; name: string }[];
  state: FieldSpec[];
  output?: OutputSpec;
  aggregates: AggregateSpec[];
  /**
   * Files the program names (`reads` clauses), in order; ctx.file / ctx.next_file index them and
   * file i's extent table is in map `extentsMapIndex(i)`. `iochain run --data NAME=PATH` binds them.
   */
  files: string[];
  /** Index in `files` of the file the first read is from (`start ... in "NAME"`; default 0). */
  startFile?: number;
}

const BUILTIN_NAMES = new Map<number, string>(
  Object.entries({ ...BuiltinError, ...RuntimeError }).map(([name, code]) => [code, name]),
);

/** Name of an error code, builtin or user-defined. */
export function errorName(artifact: ProgramArtifact, code: number): string {
  const builtin = BUILTIN_NAMES.get(code);
  if (builtin !== undefined) return builtin;
  return artifact.errors.find((e) => e.code === code)?.name ?? `error_${code}`;
}
