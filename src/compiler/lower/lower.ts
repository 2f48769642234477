// Lowering a checked program to IR plus the artifact's metadata (docs/abi.md): the storage
// function becomes funcs[0] (r1 = ctx): it loads the arguments, initializes state at chain start,
// dispatches on the current stage and runs the stage's statements. noinline functions become
// further IR functions. The rest of the artifact — maps, scratch layout, result, errors — is
// decided here too.
import { encodeExtentTable, extentTableBytes, type ExtentTable } from "../../abi/extents.js";
import {
  Ctx,
  extentsMapIndex,
  MapIndex,
  type MapSpec,
  type ProgramArtifact,
  type ResultSpec,
  type ScalarType,
} from "../../abi/artifact.js";
import { internalError, IochainError, type SourcePos } from "../../diagnostics.js";
import type { Diagnostic } from "../../diagnostics.js";
import * as A from "../front/ast.js";
import type { CheckedProgram } from "../check/check.js";
import { at, ModuleBuilder } from "../ir/builder.js";
import type { Module } from "../ir/ir.js";
import { LowerContext, scalar, type Frame, type LValue } from "./context.js";
import { normalize, storeScratch } from "./expr.js";
import { aggregateSpecs, layoutScratch, outputSpec } from "./scratch.js";
import { lowerStartStep } from "./start-step.js";
import { lowerStmts } from "./stmt.js";

export const DEFAULT_EXTENT_CAPACITY = 256;

export interface LowerOptions {
  /** Bind the program to this extent table at compile time (else the runtime loads the file's). */
  extents?: ExtentTable;
  /** Extents the map can hold when none is bound (default 256). */
  extentCapacity?: number;
  /**
   * Which bounded loops run through bpf_loop (loop-callback.ts): "auto" (default) those
   * whose bound × body would cost the verifier much, "always" every one that can, "never" none
   * (kernels before 5.17, XRP's).
   */
  loopCallbacks?: "auto" | "always" | "never";
  /**
   * How a run-time-length byte result (`return [u8; len] at off`) is copied into scratch:
   * "helper" with one bpf_probe_read_kernel call, whose verification costs the same whatever the
   * length; "words" with a loop of 8-byte loads (the verifier walks max / 8 iterations), for
   * kernels whose program type has no such helper (XRP's); "auto" (default) words for results of
   * at most WORD_COPY_MAX bytes (a few loads are faster than a helper call), else the helper.
   */
  resultCopy?: "auto" | "helper" | "words";
  /**
   * Leave out the checks of block reads (run-time offsets against the block size, run-time
   * indexes against their array's length). Unsafe: the Linux verifier rejects such a program.
   * For seeing that rejection (and the diagnostic it maps to); a warning (E0520) says so.
   */
  unsafeNoBoundsChecks?: boolean;
  /** Receives warnings (today only E0520); without it they are dropped. */
  onWarning?: (warning: Diagnostic) => void;
}

export interface Lowered {
  ir: Module;
  /** Everything of the artifact but the instructions (the back end produces those). */
  artifact: Omit<ProgramArtifact, "insns">;
}

const scalarName = (t: A.IntType | A.BoolType): ScalarType => (t.kind === "bool" ? "bool" : t.name);

export function lowerProgram(p: CheckedProgram, opts: LowerOptions = {}): Lowered {
  const info = p.storage;
  if (opts.extents && info.files.length > 1)
    throw new IochainError(
      "E0637",
      `\`${info.item.name.name}\` reads ${info.files.length} files; one bound extent table cannot serve them`,
      undefined,
      "leave the tables to run time: iochain run --data-extents NAME=JSON for each file",
    );
  const scratchLayout = layoutScratch(info);
  const mb = new ModuleBuilder();
  const item = info.item;
  const f = mb.func(item.name.name, 1, item.span);
  const capacity = Math.max(
    1,
    opts.extentCapacity ?? DEFAULT_EXTENT_CAPACITY,
    opts.extents?.extents.length ?? 0,
  );
  const cx = new LowerContext(p, info, scratchLayout, mb, capacity);
  cx.fn = { f, ctx: f.params[0], failBlocks: new Map() };
  cx.loopCallbacks = opts.loopCallbacks ?? "auto";
  cx.boundsChecks = !opts.unsafeNoBoundsChecks;
  cx.resultCopy = opts.resultCopy ?? "auto";

  // Arguments: ctx.args[i], 8 bytes each, brought into canonical form for their type.
  f.at(item.span);
  const params: LValue[] = info.params.map((prm, i) => {
    const raw = f.load(8, at.reg(cx.ctx, Ctx.args + 8 * i));
    return scalar(prm.type.kind === "int" ? normalize(cx, raw, prm.type) : raw, prm.type);
  });

  const frame: Frame = {
    kind: "storage",
    module: p.main,
    locals: new Map(),
    params,
    loops: [],
    depth: 0,
  };
  if (info.startExpr) lowerStartStep(cx, frame, info.startExpr);

  // State with initial values: set at the chain's first run (hop 0, not a resumption).
  const inits = info.state.filter((s) => s.init !== undefined && s.init !== 0n);
  if (inits.length > 0) {
    const hop = f.load(4, at.reg(cx.ctx, Ctx.hop));
    const resumed = f.load(4, at.reg(cx.ctx, Ctx.resume));
    const first = f.alu("or", hop, resumed);
    const init = f.block("initstate");
    const body = f.block("start");
    f.br("eq", first, 0n, init, body);
    f.setBlock(init);
    for (const s of inits) storeScratch(cx, scratchLayout.state.get(s.decl)!, s.type, s.init!);
    f.jump(body);
    f.setBlock(body);
  }

  if (item.stages.length > 0) {
    const stage = f.load(4, at.map(MapIndex.scratch, scratchLayout.stage!));
    const blocks = item.stages.map((st) => f.block(`stage_${st.name.name}`));
    // Stage k (k ≥ 1) when stage == k; anything else (0 at chain start) runs the first stage.
    for (let k = blocks.length - 1; k >= 1; k--) {
      const next = k === 1 ? blocks[0] : f.block("dispatch");
      f.br("eq", stage, BigInt(k), blocks[k], next);
      f.setBlock(next);
    }
    if (blocks.length === 1) f.jump(blocks[0]);
    item.stages.forEach((st, k) => {
      f.setBlock(blocks[k]).at(st.span);
      lowerStmts(cx, frame, st.body.stmts);
      if (f.isOpen) f.ret(0n); // unreachable: the checker requires an action on every path
    });
  } else {
    lowerStmts(cx, frame, item.body.stmts);
    if (f.isOpen) f.ret(0n);
  }

  const ir = mb.finish();
  if (cx.launderOffset !== undefined) {
    scratchLayout.stateSpecs.push({ name: "$launder", type: "u64", offset: cx.launderOffset });
    scratchLayout.size += 8;
  }
  const maps: MapSpec[] = [
    { name: "block", valueSize: info.blockSize, mmapable: true, readOnlyProg: false },
    { name: "scratch", valueSize: scratchLayout.size, mmapable: true, readOnlyProg: false },
  ];
  if (cx.usesExtents) {
    // One extents map per file, in `reads` order (map extentsMapIndex(i) for file i), each
    // holding its file's table. A table bound at compile time is the (only) file's.
    const valueSize = extentTableBytes(capacity);
    const files = Math.max(1, info.files.length);
    for (let file = 0; file < files; file++) {
      if (maps.length !== extentsMapIndex(file))
        throw internalError(
          `lowering: file ${file}'s extents map is not map ${extentsMapIndex(file)}`,
        );
      maps.push({
        name: "extents",
        valueSize,
        mmapable: true,
        readOnlyProg: true,
        ...(files > 1 ? { file } : {}),
        ...(opts.extents ? { init: encodeExtentTable(opts.extents, valueSize) } : {}),
      });
    }
  }
  const result: ResultSpec =
    info.result.kind === "none"
      ? { kind: "none" }
      : info.result.kind === "scalar"
        ? { kind: "scalar", type: scalarName(info.result.type) }
        : { kind: "bytes", length: info.result.length, offset: scratchLayout.resultOffset! };
  const output = outputSpec(scratchLayout);
  if (cx.uncheckedReads.length > 0) opts.onWarning?.(uncheckedReadsWarning(cx.uncheckedReads));
  return {
    ir,
    artifact: {
      name: item.name.name,
      file: p.main.file,
      maps,
      blockSize: info.blockSize,
      start: info.startExpr ? "computed" : info.start,
      maxChain: info.maxChain,
      params: info.params.map((prm) => ({ name: prm.name, type: scalarName(prm.type) })),
      result,
      errors: [...cx.errors].map(([name, code]) => ({ code, name })),
      state: scratchLayout.stateSpecs,
      ...(output ? { output } : {}),
      aggregates: aggregateSpecs(scratchLayout),
      files: info.files,
      ...(info.startFile !== 0 ? { startFile: info.startFile } : {}),
    },
  };
}

/** E0520: the reads LowerOptions.unsafeNoBoundsChecks left unchecked, the first one pointed at. */
function uncheckedReadsWarning(reads: readonly SourcePos[]): Diagnostic {
  const [first, ...rest] = reads;
  const more = rest.map((p) => `also unchecked: the read at ${p.file}:${p.line}:${p.col}`);
  return {
    severity: "warning",
    code: "E0520",
    message:
      "bounds checks are off (--unsafe-no-bounds-checks): this read of the block is not checked, " +
      "and the Linux verifier will likely reject the program",
    pos: first,
    hint: "compile without --unsafe-no-bounds-checks: the checks the compiler inserts are what lets the verifier accept reads at run-time offsets",
    notes: more.length > 4 ? [...more.slice(0, 3), `and ${more.length - 3} more`] : more,
  };
}
