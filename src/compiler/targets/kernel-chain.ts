// The chain program: whole chains inside the kernel (docs/kernel-chains.md). Beside a linux
// artifact's step program, it is a sleepable syscall program that runs a batch of chains in one
// BPF_PROG_TEST_RUN: per hop it copies the block at the chain's file offset from the data file,
// mapped read-only in the caller, into the block map (bpf_copy_from_user), runs the step (the
// artifact's own instructions, called as a subprogram with the same ctx), and follows its status —
// with every check the user-space driver (runtime/driver.ts) makes, in the same order, so results
// are the same ChainResult.
//
// Shape, chosen for the verifier (measured in shared/notes/kernel-chains.md): the hops of all the
// batch's chains are iterations of one bpf_loop whose callback keeps every counter in the ctx
// header, never on the stack; the verifier then checks the callback (and the step inside it) about
// once, whatever the batch size and chain length. A run stops at a suspension or when its budget
// of iterations is spent, with all state in ctx and maps, so the caller just runs it again.
import { assembleLlvm } from "../../bpf/asm/llvm.js";
import type { Insn } from "../../bpf/insn.js";
import { LD_IMM64, PseudoLd } from "../../bpf/opcodes.js";
import {
  BuiltinError,
  Ctx,
  MapIndex,
  RESUME_START,
  RuntimeError,
  Status,
  type ProgramArtifact,
} from "../../abi/artifact.js";
import {
  chainCtxSize,
  chainFileEntry,
  MAX_CHAIN_FILES,
  ChainCtx,
  ChainEnd,
  ChainRecord,
  ChainStop,
  MAX_BATCH,
  type ChainProgram,
  chainRecordSize,
} from "../../abi/chain.js";
import { HelperId } from "../../abi/helpers.js";
import { IochainError } from "../../diagnostics.js";

/** Scratch areas up to this size are zeroed and saved with plain stores, larger ones by a helper. */
const UNROLLED_SCRATCH = 256;

/** Where the artifact's scratch is, and how big. */
function scratchSize(artifact: ProgramArtifact): number {
  return artifact.maps[MapIndex.scratch].valueSize;
}

/** Kernel chains need the block and scratch maps (a program with neither has no chain program). */
export const hasChainMaps = (a: ProgramArtifact): boolean =>
  a.maps[MapIndex.block]?.name === "block" && a.maps[MapIndex.scratch]?.name === "scratch";

/** The chain program of a linux artifact, with room for `capacity` chains per run. */
export function buildChainProgram(artifact: ProgramArtifact, capacity: number): ChainProgram {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_BATCH) {
    throw new IochainError(
      "E0936",
      `a kernel-chain batch holds 1..${MAX_BATCH} chains, not ${capacity}`,
      undefined,
      `choose --batch between 1 and ${MAX_BATCH}`,
    );
  }
  const files = Math.max(1, artifact.files.length);
  if (files > MAX_CHAIN_FILES)
    throw new IochainError(
      "E0937",
      `${artifact.name} reads ${files} files; a chain program maps at most ${MAX_CHAIN_FILES}`,
      undefined,
      "run it per step (--chain step)",
    );
  const names = artifact.maps.map((m) => m.name);
  if (names[MapIndex.block] !== "block" || names[MapIndex.scratch] !== "scratch") {
    throw new IochainError(
      "E0935",
      `${artifact.name}: kernel chains need the block and scratch maps at indices 0 and 1 (docs/abi.md), the artifact has ${names.join(", ") || "none"}`,
    );
  }
  const block = artifact.blockSize;
  const scratch = scratchSize(artifact);
  const recordSize = chainRecordSize(scratch);
  const chains = artifact.maps.length;
  const zeros = chains + 1;
  const text = chainAssembly({
    block,
    scratch,
    recordSize,
    capacity,
    maps: { block: MapIndex.block, scratch: MapIndex.scratch, chains, zeros },
    start: artifact.start,
    maxChain: artifact.maxChain,
    files,
    startFile: artifact.startFile ?? 0,
  });
  // Two functions, assembled apart (neither jumps into the other): main's length is where the
  // hop callback starts.
  const file = `<${artifact.name} chain program>`;
  const main = assembleLlvm(text.main, file);
  const own = [...main, ...assembleLlvm(text.hop, file, lineCount(text.main) + 1)];
  linkCallback(own, main.length);
  return {
    insns: [...own, ...artifact.insns],
    maps: [
      { name: "chains", valueSize: recordSize * capacity, mmapable: true, readOnlyProg: false },
      {
        name: "zeros",
        valueSize: Math.max(block, scratch),
        mmapable: false,
        readOnlyProg: true,
      },
    ],
    capacity,
    recordSize,
    ctxSize: chainCtxSize(files),
  };
}

const lineCount = (text: string): number => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

/** Points the one callback address (`ld_pseudo rX, 4, 0`) in main at the hop callback. */
function linkCallback(insns: Insn[], hopIndex: number): void {
  let slot = 0;
  for (let i = 0; i < hopIndex; i++) {
    const insn = insns[i];
    if (insn.code === LD_IMM64 && insn.src === PseudoLd.FUNC) {
      let target = 0;
      for (let k = 0; k < hopIndex; k++) target += insns[k].code === LD_IMM64 ? 2 : 1;
      insns[i] = { ...insn, imm: target - (slot + 1) };
    }
    slot += insn.code === LD_IMM64 ? 2 : 1;
  }
}

interface Shape {
  block: number;
  scratch: number;
  recordSize: number;
  capacity: number;
  maps: { block: number; scratch: number; chains: number; zeros: number };
  /** "computed": the step's start step (ctx.resume = RESUME_START) gives the first read. */
  start: bigint | "computed";
  maxChain: number;
  /** Files the program reads: with more than one, each read's file is state (ChainCtx.file). */
  files: number;
  startFile: number;
}

/**
 * The program as kernel/LLVM assembly. main runs bpf_loop over the hop callback; the step follows
 * (label `step`). Registers in the callback: r6 ctx, r7 the read's offset, r8 a record, r9 sizes.
 */
function chainAssembly(s: Shape): { main: string; hop: string } {
  const H = ChainCtx;
  const R = ChainRecord;
  const mapValue = (reg: string, map: number): string =>
    `ld_pseudo ${reg}, ${PseudoLd.MAP_VALUE}, ${map}, 0`;
  const argCopies = Array.from({ length: Ctx.maxArgs }, (_, i) => {
    const at = Ctx.args + 8 * i;
    return `  r1 = *(u64 *)(r8 + ${at})\n  *(u64 *)(r6 + ${at}) = r1`;
  }).join("\n");
  const outCopies = Array.from({ length: Ctx.args / 8 }, (_, i) => {
    const at = 8 * i;
    return `  r1 = *(u64 *)(r6 + ${at})\n  *(u64 *)(r8 + ${at}) = r1`;
  }).join("\n");
  // The record of the chain at ctx.next, in r8 (the bound check is for the verifier: next < end
  // <= capacity is the caller's promise, checked in user space).
  const record = (bad: string): string => `  r1 = *(u32 *)(r6 + ${H.next})
  if r1 >= ${s.capacity} goto ${bad}
  r1 *= ${s.recordSize}
  ${mapValue("r8", s.maps.chains)}
  r8 += r1`;
  // Scratch is zeroed at each chain's start and copied into its record at its end: a small one
  // with plain stores (cheaper than a helper call per chain), a large one with probe_read_kernel.
  const unrolled = s.scratch % 8 === 0 && s.scratch <= UNROLLED_SCRATCH;
  const words = Array.from({ length: s.scratch / 8 }, (_, i) => 8 * i);
  const zeroScratch = unrolled
    ? `  ${mapValue("r1", s.maps.scratch)}
  r2 = 0
${words.map((at) => `  *(u64 *)(r1 + ${at}) = r2`).join("\n")}`
    : `  ${mapValue("r1", s.maps.scratch)}
  r2 = ${s.scratch}
  ${mapValue("r3", s.maps.zeros)}
  call ${HelperId.PROBE_READ_KERNEL}`;
  const saveScratch = unrolled
    ? `  ${mapValue("r2", s.maps.scratch)}
${words.map((at) => `  r1 = *(u64 *)(r2 + ${at})\n  *(u64 *)(r8 + ${R.scratch + at}) = r1`).join("\n")}`
    : `  r1 = r8
  r1 += ${R.scratch}
  r2 = ${s.scratch}
  ${mapValue("r3", s.maps.scratch)}
  call ${HelperId.PROBE_READ_KERNEL}`;
  // A computed first read: the chain starts with the start step (no block, no hop; the step's own
  // resubmit checks), entered at run_step with resume = RESUME_START and got = 0.
  const startStep = `  r1 = 0
  *(u64 *)(r6 + ${H.offset}) = r1
  *(u32 *)(r6 + ${H.got}) = w1`;
  // Lines only a computed start has (with their newline: a constant start's text is unchanged).
  const ifComputed = (text: string): string => (s.start === "computed" ? `${text}\n` : "");
  // Lines only a program that reads several files has (a one-file program's text is unchanged):
  // the file of each read is state, chosen by the step's ctx.next_file, and picks the mapping.
  const several = s.files > 1;
  const ifSeveral = (text: string): string => (several ? `${text}\n` : "");
  // The read's file: its size in r1, its mapping's address in r8 (kept across the helper calls).
  const pickFile = Array.from({ length: s.files - 1 }, (_, k) => {
    const f = chainFileEntry(k + 1);
    return `  if r2 != ${k + 1} goto file_not_${k + 1}
  r8 = *(u64 *)(r6 + ${f.base})
  r1 = *(u64 *)(r6 + ${f.fileSize})
  goto file_picked
file_not_${k + 1}:`;
  }).join("\n");
  const readFile = several
    ? `  r2 = *(u32 *)(r6 + ${H.file})
  r8 = *(u64 *)(r6 + ${H.base})
  r1 = *(u64 *)(r6 + ${H.fileSize})
  if r2 == 0 goto file_picked
${pickFile}
  goto bad_next_file
file_picked:`
    : `  r1 = *(u64 *)(r6 + ${H.fileSize})`;
  const fail = (label: string, code: number): string => `${label}:
  r1 = ${code}
  goto driver_end`;

  const main = `
; main(ctx): one bpf_loop over the hop callback, its context the ctx pointer on the stack
  *(u64 *)(r10 - 8) = r1
  r1 = *(u32 *)(r1 + ${H.budget})
  ld_pseudo r2, 0x4, 0, 0
  r3 = r10
  r3 += -8
  r4 = 0
  call ${HelperId.LOOP}
  r1 = *(u64 *)(r10 - 8)
  if r0 s>= 0 goto main_out
  *(u32 *)(r1 + ${H.loopError}) = w0
main_out:
  r0 = 0
  exit
`;

  const hop = `
; hop(index, &ctx): one hop of the chain at ctx.next, starting it first if none is under way
hop:
  r6 = *(u64 *)(r2 + 0)
  r1 = *(u32 *)(r6 + ${H.active})
  if r1 != 0 goto have_chain
  r1 = *(u32 *)(r6 + ${H.next})
  r2 = *(u32 *)(r6 + ${H.end})
  if r1 < r2 goto start_chain
  r1 = ${ChainStop.DONE}
  *(u32 *)(r6 + ${H.stop}) = w1
  r0 = 1
  exit
start_chain:
${record("bad_record")}
${argCopies}
${zeroScratch}
${
  s.start === "computed"
    ? startStep
    : `  r1 = ${s.start} ll
  *(u64 *)(r6 + ${H.offset}) = r1`
}
  r1 = 0
${ifSeveral(`  r1 = ${s.startFile}\n  *(u32 *)(r6 + ${H.file}) = w1\n  r1 = 0`)}  *(u32 *)(r6 + ${H.hop}) = w1
  *(u32 *)(r6 + ${H.hops}) = w1
  *(u32 *)(r6 + ${H.steps}) = w1
  *(u32 *)(r6 + ${H.resume}) = w1
  *(u32 *)(r6 + ${Ctx.rows}) = w1
  r1 = ${s.block}
  *(u32 *)(r6 + ${H.size}) = w1
  r1 = 1
  *(u32 *)(r6 + ${H.active}) = w1
${ifComputed(`  r1 = ${RESUME_START}\n  *(u32 *)(r6 + ${H.resume}) = w1\n  goto run_step`)}have_chain:
  r1 = *(u32 *)(r6 + ${H.resume})
  if r1 != 0 goto run_step
; the read: inside the file, at most the block, zero-filled past the file's end
  r7 = *(u64 *)(r6 + ${H.offset})
${readFile}
  if r7 >= r1 goto fail_out_of_file
  r1 -= r7
  r9 = *(u32 *)(r6 + ${H.size})
  if r9 <= r1 goto read_sized
  r9 = r1
read_sized:
  if r9 > ${s.block} goto fail_bad_size
  if r9 == 0 goto fail_bad_size
  if r9 == ${s.block} goto read_copy
  ${mapValue("r1", s.maps.block)}
  r2 = ${s.block}
  ${mapValue("r3", s.maps.zeros)}
  call ${HelperId.PROBE_READ_KERNEL}
read_copy:
  ${mapValue("r1", s.maps.block)}
  r2 = r9
${several ? "  r3 = r8" : `  r3 = *(u64 *)(r6 + ${H.base})`}
  r3 += r7
  call ${HelperId.COPY_FROM_USER}
  if r0 s< 0 goto fail_read
  *(u32 *)(r6 + ${H.got}) = w9
  r1 = *(u32 *)(r6 + ${H.hops})
  r1 += 1
  *(u32 *)(r6 + ${H.hops}) = w1
; the step, on the block in the block map, with the ctx's in fields set and its out fields cleared
run_step:
  r1 = *(u64 *)(r6 + ${H.offset})
  *(u64 *)(r6 + ${Ctx.offset}) = r1
  r1 = *(u32 *)(r6 + ${H.got})
  *(u32 *)(r6 + ${Ctx.size}) = w1
  r1 = *(u32 *)(r6 + ${H.hop})
  *(u32 *)(r6 + ${Ctx.hop}) = w1
  r1 = *(u32 *)(r6 + ${H.resume})
  *(u32 *)(r6 + ${Ctx.resume}) = w1
${ifSeveral(`  r1 = *(u32 *)(r6 + ${H.file})\n  *(u32 *)(r6 + ${Ctx.file}) = w1`)}  r1 = 0${several ? `\n  *(u32 *)(r6 + ${Ctx.nextFile}) = w1` : ""}
  *(u32 *)(r6 + ${H.resume}) = w1
  *(u64 *)(r6 + ${Ctx.nextOffset}) = r1
  *(u32 *)(r6 + ${Ctx.nextSize}) = w1
  *(u32 *)(r6 + ${Ctx.error}) = w1
  *(u64 *)(r6 + ${Ctx.value}) = r1
  *(u32 *)(r6 + ${Ctx.valueLen}) = w1
  *(u64 *)(r6 + ${Ctx.nextDev}) = r1
  r1 = -1
  *(u32 *)(r6 + ${Ctx.status}) = w1
  r1 = r6
  call local step
  r1 = *(u32 *)(r6 + ${H.steps})
  r1 += 1
  *(u32 *)(r6 + ${H.steps}) = w1
  r1 = *(u32 *)(r6 + ${Ctx.status})
  if r1 == ${Status.RESUBMIT} goto resubmit
  if r1 == ${Status.SUSPENDED} goto suspended
; done, failed, or a status that breaks the ABI: the record says so, user space settles it
  r2 = ${ChainEnd.PROGRAM}
  r1 = 0
  goto end_chain
suspended:
  r1 = 1
  *(u32 *)(r6 + ${H.resume}) = w1
  r1 = ${ChainStop.SUSPENDED}
  *(u32 *)(r6 + ${H.stop}) = w1
  r0 = 1
  exit
; resubmit: the declared chain length first, then the read's size; the offset is checked by the read
resubmit:
${ifComputed(`  r1 = *(u32 *)(r6 + ${Ctx.resume})\n  if r1 == ${RESUME_START} goto next_read`)}  r1 = *(u32 *)(r6 + ${H.hop})
  r1 += 1
  if r1 >= ${s.maxChain} goto fail_chain_too_long
  *(u32 *)(r6 + ${H.hop}) = w1
${ifComputed("next_read:")}  r1 = *(u32 *)(r6 + ${Ctx.nextSize})
  if r1 == 0 goto fail_bad_size
  if r1 > ${s.block} goto fail_bad_size
  *(u32 *)(r6 + ${H.size}) = w1
  r1 = *(u64 *)(r6 + ${Ctx.nextOffset})
  *(u64 *)(r6 + ${H.offset}) = r1
${ifSeveral(`  r1 = *(u32 *)(r6 + ${Ctx.nextFile})
  if r1 >= ${s.files} goto bad_next_file
  *(u32 *)(r6 + ${H.file}) = w1`)}  r0 = 0
  exit
${fail("fail_out_of_file", BuiltinError.out_of_file)}
${fail("fail_chain_too_long", BuiltinError.chain_too_long)}
${fail("fail_bad_size", BuiltinError.bad_size)}
${ifSeveral(`; ctx.next_file names no file: the step's status (RESUBMIT) ends the chain, an ABI violation
bad_next_file:
  r2 = ${ChainEnd.PROGRAM}
  r1 = 0
  goto end_chain`)}fail_read:
  *(u32 *)(r6 + ${H.readError}) = w0
  r1 = ${RuntimeError.read_fault}
driver_end:
  r2 = ${ChainEnd.DRIVER}
; the chain is over (r2: how, r1: the driver's error): its record, then on to the next chain
end_chain:
  r9 = r2
  r7 = r1
${record("bad_record")}
${outCopies}
  r1 = *(u32 *)(r6 + ${H.hops})
  *(u32 *)(r8 + ${R.hops}) = w1
  r1 = *(u32 *)(r6 + ${H.steps})
  *(u32 *)(r8 + ${R.steps}) = w1
  *(u32 *)(r8 + ${R.end}) = w9
  *(u32 *)(r8 + ${R.error}) = w7
  r1 = *(u32 *)(r6 + ${H.readError})
  *(u32 *)(r8 + ${R.readError}) = w1
  r1 = 0
  *(u32 *)(r6 + ${H.readError}) = w1
  *(u32 *)(r6 + ${H.active}) = w1
  r1 = *(u32 *)(r6 + ${H.next})
  r1 += 1
  *(u32 *)(r6 + ${H.next}) = w1
${saveScratch}
  r0 = 0
  exit
; a record index past the map: cannot happen (user space checks end <= capacity); stop the run
bad_record:
  r1 = ${ChainStop.BAD_RECORD}
  *(u32 *)(r6 + ${H.stop}) = w1
  r0 = 1
  exit
step:
`;
  return { main, hop };
}
