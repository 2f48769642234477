// The C view of the kernel-chain ABI (src/abi/chain.ts, docs/abi.md "Kernel chains"):
// field names and C types of the chain program's ctx header and of a record, for the object's BTF
// (bpf/elf/artifact-btf.ts) and for `iochain_chain.h`, the header C drivers include
// (examples/c-driver/). Offsets are never written here: they come from ChainCtx / ChainRecord /
// Ctx, and the header asserts each one with _Static_assert, so a C compiler checks the structs
// against the TypeScript ABI.
import { BPF_MAX_LOOPS } from "../abi/helpers.js";
import {
  BuiltinError,
  CTX_FIELDS,
  CTX_SIZE,
  Ctx,
  MapIndex,
  RuntimeError,
  Status,
  FIRST_USER_ERROR,
  type ProgramArtifact,
} from "../abi/artifact.js";
import {
  CHAIN_CTX_SIZE,
  chainCtxSize,
  ChainCtx,
  ChainEnd,
  ChainRecord,
  ChainStop,
  DEFAULT_BATCH,
  MAX_BATCH,
  chainRecordSize,
} from "../abi/chain.js";

export type CScalar = "__u32" | "__s32" | "__u64";

export interface CField {
  /** The C member name. */
  name: string;
  offset: number;
  type: CScalar;
  /** Elements, for an array member. */
  count?: number;
  /** One line for the header. */
  doc?: string;
}

const sizeOf = (t: CScalar): number => (t === "__u64" ? 8 : 4);

/** `struct iochain_ctx` (the step's ctx, docs/abi.md), from abi/artifact.ts's CTX_FIELDS. */
export const STEP_CTX_FIELDS: readonly CField[] = CTX_FIELDS.map((f) => ({
  name: f.name,
  offset: f.offset,
  type: f.size === 8 ? "__u64" : "__u32",
  ...(f.count ? { count: f.count } : {}),
}));

/** The header after `struct iochain_ctx` in `struct iochain_chain_ctx` (ChainCtx). */
export const CHAIN_CTX_FIELDS: readonly CField[] = [
  {
    name: "base",
    offset: ChainCtx.base,
    type: "__u64",
    doc: "in: address of the data file's read-only mapping",
  },
  {
    name: "file_size",
    offset: ChainCtx.fileSize,
    type: "__u64",
    doc: "in: the file's size; no read reaches past it",
  },
  {
    name: "next",
    offset: ChainCtx.next,
    type: "__u32",
    doc: "in/out: record of the current (or next) chain; 0 to start a batch",
  },
  {
    name: "end",
    offset: ChainCtx.end,
    type: "__u32",
    doc: "in: one past the batch's last record (<= capacity)",
  },
  {
    name: "budget",
    offset: ChainCtx.budget,
    type: "__u32",
    doc: "in: at most this many hops in this run",
  },
  {
    name: "stop",
    offset: ChainCtx.stop,
    type: "__u32",
    doc: "out: why the run returned (enum iochain_chain_stop); set BUDGET before a run",
  },
  {
    name: "active",
    offset: ChainCtx.active,
    type: "__u32",
    doc: "in/out: 1 while the chain at next is under way",
  },
  {
    name: "resume",
    offset: ChainCtx.resume,
    type: "__u32",
    doc: "in/out: 1 when the next step re-runs on the block (after a suspension)",
  },
  {
    name: "offset",
    offset: ChainCtx.offset,
    type: "__u64",
    doc: "state: file offset of the chain's next read",
  },
  { name: "size", offset: ChainCtx.size, type: "__u32", doc: "state: size of that read" },
  {
    name: "hop",
    offset: ChainCtx.hop,
    type: "__u32",
    doc: "state: index of the current block in the chain",
  },
  { name: "hops", offset: ChainCtx.hops, type: "__u32", doc: "state: blocks read so far" },
  { name: "steps", offset: ChainCtx.steps, type: "__u32", doc: "state: program runs so far" },
  {
    name: "got",
    offset: ChainCtx.got,
    type: "__u32",
    doc: "state: bytes of the current block that are real",
  },
  {
    name: "loop_error",
    offset: ChainCtx.loopError,
    type: "__s32",
    doc: "out: bpf_loop's negative errno when it failed, else 0",
  },
  {
    name: "read_error",
    offset: ChainCtx.readError,
    type: "__s32",
    doc: "state: bpf_copy_from_user's return for the current chain",
  },
  {
    name: "file",
    offset: ChainCtx.file,
    type: "__u32",
    doc: "state, several files: the file of the next read (files 1.. follow the struct)",
  },
];

/** A record after its `struct iochain_ctx` (ChainRecord); the scratch copy follows. */
export const CHAIN_RECORD_FIELDS: readonly CField[] = [
  { name: "hops", offset: ChainRecord.hops, type: "__u32", doc: "blocks read" },
  { name: "steps", offset: ChainRecord.steps, type: "__u32", doc: "program runs" },
  {
    name: "end",
    offset: ChainRecord.end,
    type: "__u32",
    doc: "how the chain ended (enum iochain_chain_end)",
  },
  {
    name: "error",
    offset: ChainRecord.error,
    type: "__u32",
    doc: "the driver's error code when end = DRIVER",
  },
  {
    name: "read_error",
    offset: ChainRecord.readError,
    type: "__s32",
    doc: "bpf_copy_from_user's return when the read faulted, else 0",
  },
];

const upper = (name: string): string => name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();

/** A C struct with explicit padding where the ABI leaves gaps, up to `size` bytes. */
function cStruct(
  name: string,
  size: number,
  members: { name: string; offset: number; decl: string; size: number; doc?: string }[],
): string {
  const lines = [`struct ${name} {`];
  let at = 0;
  let pad = 0;
  for (const m of members) {
    if (m.offset < at)
      throw new Error(`chain ABI: ${name}.${m.name} at ${m.offset} overlaps the member before it`);
    if (m.offset > at) lines.push(`\t__u8 _pad${pad++}[${m.offset - at}];`);
    lines.push(`\t${m.decl};${m.doc ? ` /* ${m.doc} */` : ""}`);
    at = m.offset + m.size;
  }
  if (size < 0) return [...lines, "};"].join("\n");
  if (at > size) throw new Error(`chain ABI: struct ${name} is larger than ${size} bytes`);
  if (at < size) lines.push(`\t__u8 _pad${pad++}[${size - at}];`);
  return [...lines, "};"].join("\n");
}

const scalarMember = (f: CField, base = 0) => ({
  name: f.name,
  offset: f.offset - base,
  decl: `${f.type} ${f.name}${f.count ? `[${f.count}]` : ""}`,
  size: sizeOf(f.type) * (f.count ?? 1),
  doc: f.doc,
});

const asserts = (struct: string, members: { name: string; offset: number }[]): string[] =>
  members.map(
    (m) =>
      `_Static_assert(offsetof(struct ${struct}, ${m.name}) == ${m.offset}, "${struct}.${m.name}");`,
  );

const enumOf = (
  name: string,
  prefix: string,
  values: Record<string, number>,
  doc: string,
): string =>
  [
    `/* ${doc} */`,
    `enum ${name} {`,
    ...Object.entries(values).map(([k, v]) => `\t${prefix}${upper(k)} = ${v},`),
    "};",
  ].join("\n");

/** `iochain_chain.h`: the kernel-chain ABI for C drivers, generated from abi/chain.ts. */
export function chainAbiHeader(): string {
  const stepMembers = STEP_CTX_FIELDS.map((f) => scalarMember(f));
  const chainMembers = [
    {
      name: "step",
      offset: 0,
      decl: "struct iochain_ctx step",
      size: CTX_SIZE,
      doc: "the step's ctx",
    },
    ...CHAIN_CTX_FIELDS.map((f) => scalarMember(f)),
  ];
  const recordMembers = [
    {
      name: "ctx",
      offset: ChainRecord.ctx,
      decl: "struct iochain_ctx ctx",
      size: CTX_SIZE,
      doc: "the step's ctx as the chain left it; args in",
    },
    ...CHAIN_RECORD_FIELDS.map((f) => scalarMember(f)),
    {
      name: "scratch",
      offset: ChainRecord.scratch,
      decl: "__u8 scratch[]",
      size: 0,
      doc: "a copy of scratch as the chain left it",
    },
  ];
  const errors = { ...BuiltinError, ...RuntimeError };
  return `/* iochain_chain.h: the kernel-chain ABI (docs/abi.md, "Kernel chains") for C drivers.
 * Generated from src/abi/chain.ts by \`iochain compile --emit chain-header\`
 * (src/object/chain-header.ts); do not edit. */
#ifndef IOCHAIN_CHAIN_H
#define IOCHAIN_CHAIN_H

#include <stddef.h>
#include <linux/types.h>

#define IOCHAIN_CTX_SIZE ${CTX_SIZE}
#define IOCHAIN_CHAIN_CTX_SIZE ${CHAIN_CTX_SIZE}
#define IOCHAIN_MAX_ARGS ${Ctx.maxArgs}
/* Records a chain program holds unless compiled with --batch K; the largest K. */
#define IOCHAIN_CHAIN_DEFAULT_BATCH ${DEFAULT_BATCH}
#define IOCHAIN_CHAIN_MAX_BATCH ${MAX_BATCH}
/* bpf_loop's bound: the largest budget. */
#define IOCHAIN_MAX_LOOP_ITERATIONS ${BPF_MAX_LOOPS}

/* The object's maps (global-data sections; libbpf names the maps after them). */
#define IOCHAIN_BLOCK_MAP ".data.block"
#define IOCHAIN_SCRATCH_MAP ".data.scratch"
#define IOCHAIN_EXTENTS_MAP ".rodata.extents"
#define IOCHAIN_CHAINS_MAP ".data.chains"
#define IOCHAIN_ZEROS_MAP ".rodata.zeros"
/* The chain program of storage function NAME is NAME "_chain". */
#define IOCHAIN_CHAIN_SUFFIX "_chain"
/* Map order in the program (artifact maps, then the chain program's). */
#define IOCHAIN_MAP_BLOCK ${MapIndex.block}
#define IOCHAIN_MAP_SCRATCH ${MapIndex.scratch}

/* The step's ctx (docs/abi.md). */
${cStruct("iochain_ctx", CTX_SIZE, stepMembers)}

/* The chain program's ctx: BPF_PROG_TEST_RUN's ctx_in (ctx_size_in = IOCHAIN_CHAIN_CTX_SIZE),
 * copied back by the kernel after each run. */
${cStruct("iochain_chain_ctx", CHAIN_CTX_SIZE, chainMembers)}

/* Record i of a batch, at i * IOCHAIN_CHAIN_RECORD_SIZE(scratch size) in the chains map's value. */
${cStruct("iochain_chain_record", -1, recordMembers)}
#define IOCHAIN_CHAIN_RECORD_SIZE(scratch_size) \\
	((size_t)${ChainRecord.scratch} + (((size_t)(scratch_size) + 7) & ~(size_t)7))

${enumOf("iochain_chain_stop", "IOCHAIN_STOP_", ChainStop, "ctx.stop: why a run of the chain program returned.")}

${enumOf("iochain_chain_end", "IOCHAIN_END_", ChainEnd, "record.end: how a chain ended.")}

${enumOf("iochain_status", "IOCHAIN_STATUS_", Status, "ctx.status: what a step asked for.")}

${enumOf("iochain_error", "IOCHAIN_ERR_", { ...errors, firstUserError: FIRST_USER_ERROR }, "Builtin error codes (ctx.error, record.error); a program's own start at FIRST_USER_ERROR.")}

${[
  ...asserts("iochain_ctx", stepMembers),
  `_Static_assert(sizeof(struct iochain_ctx) == ${CTX_SIZE}, "iochain_ctx size");`,
  ...asserts("iochain_chain_ctx", chainMembers),
  `_Static_assert(sizeof(struct iochain_chain_ctx) == ${CHAIN_CTX_SIZE}, "iochain_chain_ctx size");`,
  ...asserts("iochain_chain_record", recordMembers),
].join("\n")}

#endif /* IOCHAIN_CHAIN_H */
`;
}

/**
 * One program's facts for a C driver, appended to the header by `iochain compile --emit
 * chain-header`: names, sizes, where its result is, and the driver's command-line flags for it.
 */
export function chainProgramDefines(artifact: ProgramArtifact, capacity: number): string {
  const scratch = artifact.maps[MapIndex.scratch]?.valueSize ?? 0;
  const r = artifact.result;
  const resultFlag =
    r.kind === "bytes" ? `bytes:${r.offset}:${r.length}` : r.kind === "scalar" ? "scalar" : "none";
  const kind = { none: 0, scalar: 1, bytes: 2 }[r.kind];
  return `
/* ${artifact.name} (${artifact.file}), chain program ${artifact.name}_chain, batch ${capacity}.
 * examples/c-driver: driver OBJ DATA KEYS --batch ${capacity} --result ${resultFlag} --max-chain ${artifact.maxChain}
 * params: ${artifact.params.map((p) => `${p.name}: ${p.type}`).join(", ") || "none"}
 * errors: ${artifact.errors.map((e) => `${e.code} ${e.name}`).join(", ") || "none of its own"} */
#define IOCHAIN_PROGRAM "${artifact.name}_chain"
#define IOCHAIN_PROGRAM_BATCH ${capacity}
#define IOCHAIN_PROGRAM_BLOCK_SIZE ${artifact.blockSize}
#define IOCHAIN_PROGRAM_SCRATCH_SIZE ${scratch}
#define IOCHAIN_PROGRAM_RECORD_SIZE ${chainRecordSize(scratch)}
#define IOCHAIN_PROGRAM_MAX_CHAIN ${artifact.maxChain}
#define IOCHAIN_PROGRAM_ARGS ${artifact.params.length}
/* files the program reads: file 0 is base/file_size; files 1.. are {__u64 base, file_size} pairs
 * right after struct iochain_chain_ctx, and ctx_size_in is IOCHAIN_PROGRAM_CTX_SIZE */
#define IOCHAIN_PROGRAM_FILES ${Math.max(1, artifact.files.length)}
#define IOCHAIN_PROGRAM_CTX_SIZE ${chainCtxSize(artifact.files.length)}
/* result: 0 none, 1 scalar (ctx.value), 2 bytes (scratch + offset, ctx.value_len bytes) */
#define IOCHAIN_PROGRAM_RESULT_KIND ${kind}
#define IOCHAIN_PROGRAM_RESULT_OFFSET ${r.kind === "bytes" ? r.offset : 0}
#define IOCHAIN_PROGRAM_RESULT_LENGTH ${r.kind === "bytes" ? r.length : r.kind === "scalar" ? 8 : 0}
`;
}
