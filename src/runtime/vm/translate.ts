// The fast engine: each function of the program becomes one JavaScript function, compiled once with
// `new Function`. Registers are int32 locals (lo/hi halves), basic blocks are the cases of a
// `switch` inside a loop (a taken jump sets the block number and continues; a fall-through falls
// into the next case), and the budget is charged once per block. Local calls are JavaScript calls,
// so r6–r9 and r10 are preserved by construction.
import type { Insn } from "../../bpf/insn.js";
import {
  Alu,
  Atomic,
  Class,
  Jmp,
  Mode,
  PseudoCall,
  Src,
  classOf,
  modeOf,
  opOf,
  sizeOf,
  srcOf,
} from "../../bpf/opcodes.js";
import { ALU } from "./alu.js";
import { FaultCode } from "./faults.js";
import { MAX_FRAMES, REGION_HI_BASE, STACK_REGION, STACK_SIZE } from "./memory.js";
import { fallsThrough } from "./program.js";
import type { Invoke, Runtime } from "./runtime.js";
import {
  address,
  alu32,
  alu64,
  byteCount,
  byteSwap,
  condition,
  immOperand32,
  immOperand64,
  load,
  regOperand,
  store,
} from "./translate-ops.js";

type CompiledFunction = (...args: number[]) => number;

const ARG_REGS = "r1l, r1h, r2l, r2h, r3l, r3h, r4l, r4h, r5l, r5h";
const SYNC_OUT = "RT.budget = B;";
const SYNC_IN = "B = RT.budget;";
const CLOBBER = "r1l = r1h = r2l = r2h = r3l = r3h = r4l = r4h = r5l = r5h = 0;";
const TO_ARGS = Array.from(
  { length: 5 },
  (_, i) => `ARGS[${2 * i}] = r${i + 1}l; ARGS[${2 * i + 1}] = r${i + 1}h;`,
).join(" ");

/** The source of the whole program: a factory returning its functions by entry slot. */
export function translateSource(rt: Runtime, maxChunk = MAX_CHUNK_SOURCE): string {
  const { program } = rt;
  const out: string[] = [];
  out.push('"use strict";');
  out.push("const LEN = M.len, WLEN = M.wlen, DV = M.dv, ARGS = RT.args;");
  program.functions.forEach((entry, f) => out.push(translateFunction(rt, f, entry, maxChunk)));
  out.push(`return [${program.functions.map((_, f) => `f${f}`).join(", ")}];`);
  return out.join("\n");
}

export function createTranslated(
  rt: Runtime,
  maxChunk = MAX_CHUNK_SOURCE,
): { invoke: Invoke; source: string } {
  const source = translateSource(rt, maxChunk);
  const helperTable: unknown[] = [];
  const factory = new Function("RT", "ALU", "M", "HELPERS", source) as (
    rt: Runtime,
    alu: typeof ALU,
    m: Runtime["memory"],
    helpers: unknown[],
  ) => CompiledFunction[];
  // Helper functions are bound per call site so the generated code calls a constant.
  bindHelpers(rt, helperTable);
  const fns = factory(rt, ALU, rt.memory, helperTable);
  const byEntry = new Map(rt.program.functions.map((entry, f) => [entry, fns[f]]));
  const invoke: Invoke = (entry, a) => {
    const fn = byEntry.get(entry)!;
    rt.r0l = fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
  };
  return { invoke, source };
}

/** HELPERS[i] is the helper (or kfunc) instruction i calls. */
function bindHelpers(rt: Runtime, table: unknown[]): void {
  rt.program.insns.forEach((insn, i) => {
    if (insn.code === (Class.JMP | Jmp.CALL) && insn.src !== PseudoCall.LOCAL) {
      table[i] = insn.src === PseudoCall.KFUNC ? rt.kfunc(insn.imm) : rt.helper(insn.imm);
    }
  });
}

/**
 * V8 stops optimizing functions past roughly 60 KB of bytecode, and a function it does not
 * optimize runs some 30 times slower. A BPF function whose source would pass this many characters
 * is split into chunks of whole blocks, each its own JavaScript function; registers cross between
 * chunks through an Int32Array.
 */
export const MAX_CHUNK_SOURCE = 60_000;

const REG_LOCALS = Array.from({ length: 10 }, (_, r) => [`r${r}l`, `r${r}h`]).flat();
const FRAME_SETUP = `const frame = ${STACK_REGION} + RT.depth, r10l = ${STACK_SIZE}, r10h = (${REGION_HI_BASE} + frame) | 0, SDV = DV[frame];`;

interface Block {
  start: number;
  /** The block's case body (budget charge and instructions), without the `case N:` label. */
  code: string;
  /** Whether control can run off the block's end into the next one. */
  open: boolean;
}

function translateFunction(
  rt: Runtime,
  f: number,
  entry: number,
  maxChunk = MAX_CHUNK_SOURCE,
): string {
  const blocks = translateBlocks(rt, f, entry);
  const chunks: number[][] = [[]];
  let size = 0;
  blocks.forEach((block, b) => {
    if (size > 0 && size + block.code.length > maxChunk) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1].push(b);
    size += block.code.length;
  });
  const cases = (members: number[]) => members.map((b) => `  case ${b}: ${blocks[b].code}`);

  if (chunks.length === 1) {
    return [
      `function f${f}(${ARG_REGS}) {`,
      "  let r0l = 0, r0h = 0, r6l = 0, r6h = 0, r7l = 0, r7h = 0, r8l = 0, r8h = 0, r9l = 0, r9h = 0;",
      `  ${FRAME_SETUP}`,
      "  M.useFrame(RT.depth);",
      "  let B = RT.budget, t = 0, h = 0, a = 0, v = SDV, bb = 0;",
      "  for (;;) switch (bb) {",
      ...cases(chunks[0]).map((c) => c.replace(/\bEXIT_RETURN\b/g, "return r0l;")),
      `  default: throw new Error("bad block " + bb);`,
      "  }",
      "}",
    ].join("\n");
  }

  // Chunked: f<f> is a dispatcher; chunk functions take the register file and the block to run,
  // and return the next block (one of another chunk), or -1 after exit.
  const chunkOf = new Array<number>(blocks.length);
  chunks.forEach((members, c) => members.forEach((b) => (chunkOf[b] = c)));
  const out: string[] = [];
  chunks.forEach((members, c) => {
    const last = members[members.length - 1];
    const save = REG_LOCALS.map((name, k) => `R[${k}] = ${name};`).join(" ");
    out.push(
      `function f${f}_${c}(R, bb) {`,
      `  let ${REG_LOCALS.map((name, k) => `${name} = R[${k}]`).join(", ")};`,
      `  ${FRAME_SETUP}`,
      "  let B = RT.budget, t = 0, h = 0, a = 0, v = SDV;",
      "  for (;;) switch (bb) {",
      ...cases(members).map((code) => code.replace(/\bEXIT_RETURN\b/g, "RT.r0l = r0l; return -1;")),
      blocks[last].open && last + 1 < blocks.length ? `    bb = ${last + 1}; continue;` : "",
      `  default: ${save} RT.budget = B; return bb;`,
      "  }",
      "}",
    );
  });
  out.push(
    `const f${f}_chunk = [${chunkOf.join(", ")}];`,
    `function f${f}(${ARG_REGS}) {`,
    "  const R = new Int32Array(20);",
    "  R[2] = r1l; R[3] = r1h; R[4] = r2l; R[5] = r2h; R[6] = r3l; R[7] = r3h; R[8] = r4l; R[9] = r4h; R[10] = r5l; R[11] = r5h;",
    "  M.useFrame(RT.depth);",
    "  let bb = 0;",
    "  for (;;) {",
    "    switch (f" + f + "_chunk[bb]) {",
    ...chunks.map((_, c) => `      case ${c}: bb = f${f}_${c}(R, bb); break;`),
    "    }",
    "    if (bb < 0) return RT.r0l;",
    "  }",
    "}",
  );
  return out.join("\n");
}

/** The function's basic blocks: the entry, every jump target, whatever follows a jump or exit. */
function translateBlocks(rt: Runtime, f: number, entry: number): Block[] {
  const { program } = rt;
  const { insns, insnAt, slotOf, targets, problems, functionOf } = program;
  const end = program.functions[f + 1] ?? program.slotCount;

  const leaders = new Set<number>([entry]);
  for (let slot = entry; slot < end; slot++) {
    const i = insnAt[slot];
    if (i < 0) continue;
    const insn = insns[i];
    const cls = classOf(insn.code);
    if (cls !== Class.JMP && cls !== Class.JMP32) continue;
    const op = opOf(insn.code);
    if (op === Jmp.CALL) continue;
    const next = slot + 1;
    if (next < end) leaders.add(next);
    const target = targets[i];
    if (op !== Jmp.EXIT && !problems[i] && functionOf[target] === f) leaders.add(target);
  }
  const starts = [...leaders].sort((a, b) => a - b);
  const blockOf = new Map(starts.map((s, b) => [s, b]));

  return starts.map((start, b) => {
    const stop = starts[b + 1] ?? end;
    const indices: number[] = [];
    for (let slot = start; slot < stop; slot++) if (insnAt[slot] >= 0) indices.push(insnAt[slot]);
    const lines = [
      `if ((B -= ${indices.length}) < 0) { ${SYNC_OUT} throw RT.budgetFault(${start}); }`,
    ];
    let open = true;
    for (const i of indices) {
      lines.push(translateInsn(rt, insns[i], i, slotOf[i], (slot) => blockOf.get(slot)!));
      open = fallsThrough(insns[i]) && !problems[i];
    }
    if (open && stop === end) {
      const last = slotOf[indices[indices.length - 1]];
      lines.push(
        `${SYNC_OUT} throw RT.fault("${FaultCode.BAD_JUMP}", "control falls off the end of the function", ${last});`,
      );
      open = false;
    }
    return { start, code: lines.join("\n    "), open };
  });
}

function translateInsn(
  rt: Runtime,
  insn: Insn,
  index: number,
  pc: number,
  blockOf: (slot: number) => number,
): string {
  const problem = rt.program.problems[index];
  if (problem)
    return `${SYNC_OUT} throw RT.fault("${problem.code}", ${JSON.stringify(problem.reason)}, ${pc});`;
  const code = insn.code;
  const cls = classOf(code);
  const op = opOf(code);
  const x = srcOf(code) === Src.X;
  const d = insn.dst;
  switch (cls) {
    case Class.ALU:
      if (op === Alu.END) return byteSwap(d, insn.imm, x);
      return alu32(op, insn.off, d, x ? regOperand(insn.src) : immOperand32(insn.imm));
    case Class.ALU64:
      if (op === Alu.END) return byteSwap(d, insn.imm, true);
      return alu64(op, insn.off, d, x ? regOperand(insn.src) : immOperand64(insn.imm));
    case Class.JMP:
    case Class.JMP32: {
      const target = rt.program.targets[index];
      if (op === Jmp.JA) return `bb = ${blockOf(target)}; continue;`;
      if (op === Jmp.EXIT) return `${SYNC_OUT} RT.r0h = r0h; EXIT_RETURN`;
      if (op === Jmp.CALL) return translateCall(rt, insn, index, pc, target);
      const s = x
        ? regOperand(insn.src)
        : cls === Class.JMP
          ? immOperand64(insn.imm)
          : immOperand32(insn.imm);
      return `if (${condition(op, cls === Class.JMP, d, s)}) { bb = ${blockOf(target)}; continue; }`;
    }
    case Class.LD: {
      const value = rt.imm64[index]!;
      return `r${d}l = ${value.lo}; r${d}h = ${value.hi};`;
    }
    case Class.LDX: {
      const size = byteCount(sizeOf(code));
      return (
        address(insn.src, insn.off, size, false, pc, SYNC_OUT) +
        " " +
        load(d, sizeOf(code), modeOf(code) === Mode.MEMSX)
      );
    }
    case Class.ST: {
      const size = byteCount(sizeOf(code));
      return (
        address(d, insn.off, size, true, pc, SYNC_OUT) +
        " " +
        store(sizeOf(code), immOperand64(insn.imm))
      );
    }
    default: {
      const size = byteCount(sizeOf(code));
      const at = address(d, insn.off, size, true, pc, SYNC_OUT);
      if (modeOf(code) === Mode.MEM) return at + " " + store(sizeOf(code), regOperand(insn.src));
      return at + " " + translateAtomic(insn, size);
    }
  }
}

function translateAtomic(insn: Insn, size: number): string {
  const s = insn.src;
  const cmpxchg = insn.imm === Atomic.CMPXCHG;
  const fetch = (insn.imm & Atomic.FETCH) !== 0;
  if (size === 4) {
    const call = `ALU.atomic32(v, a, ${insn.imm}, r${s}l, r0l)`;
    if (cmpxchg) return `r0l = ${call}; r0h = 0;`;
    return fetch ? `r${s}l = ${call}; r${s}h = 0;` : `${call};`;
  }
  const call = `ALU.atomic64(v, a, ${insn.imm}, r${s}l, r${s}h, r0l, r0h)`;
  if (cmpxchg) return `r0l = ${call}; r0h = ALU.hi;`;
  return fetch ? `r${s}l = ${call}; r${s}h = ALU.hi;` : `${call};`;
}

function translateCall(rt: Runtime, insn: Insn, index: number, pc: number, target: number): string {
  const x = srcOf(insn.code) === Src.X;
  if (x) {
    return `${TO_ARGS} ${SYNC_OUT} RT.callx(${pc}, r${insn.dst}l, r${insn.dst}h); r0l = RT.r0l; r0h = RT.r0h; ${SYNC_IN} ${CLOBBER}`;
  }
  if (insn.src === PseudoCall.LOCAL) {
    const callee = rt.program.functionOf[target];
    return (
      `if (RT.depth + 1 >= ${MAX_FRAMES}) { ${SYNC_OUT} throw RT.depthFault(${pc}); } ` +
      `RT.depth++; ${SYNC_OUT} r0l = f${callee}(${ARG_REGS}); r0h = RT.r0h; RT.depth--; ${SYNC_IN} ${CLOBBER}`
    );
  }
  const kfunc = insn.src === PseudoCall.KFUNC;
  const fn = kfunc ? rt.kfunc(insn.imm) : rt.helper(insn.imm);
  if (!fn) {
    const what = kfunc
      ? `call to kfunc ${insn.imm}, which the VM was not given`
      : `call to helper ${insn.imm}, which the VM does not provide`;
    return `${SYNC_OUT} throw RT.unknownCall(${pc}, ${JSON.stringify(what)});`;
  }
  return `${TO_ARGS} ${SYNC_OUT} RT.callHelper(HELPERS[${index}], ${pc}); r0l = RT.r0l; r0h = RT.r0h; ${SYNC_IN} ${CLOBBER}`;
}
