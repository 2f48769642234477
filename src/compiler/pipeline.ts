// The whole compiler, in order (QBE's main.c style: this file IS the documentation):
//
//   check      check/check.ts: resolve, disk layouts, consts, types, control, storage
//              (front/: grammar, parse, source, ast, module cache)              → checked AST
//   lower      lower/lower.ts: expressions, block reads, actions, scans, calls  → IR (ir/ir.ts)
//              (large bounded loops as bpf_loop callbacks: lower/loop-callback.ts)
//   retarget   targets/xrp.ts, target xrp only: ctx and maps onto XRP's struct bpf_xrp
//   optimize   OPT_PASSES below, each pass in opt/, up to three rounds (opt/optimize.ts)
//   generate   back/backend.ts, in its order: legalize, calling convention, block order,
//              register allocation (intervals, regalloc, spill), frame, instruction selection
//              and emission                                                    → eBPF Insn[]
//   artifact   the lowering's metadata plus the instructions (src/abi/artifact.ts)
//
// `dump` sees the IR after lowering, after each optimisation pass, after legalization and after
// register allocation (--dump-ir).
import type { ProgramArtifact } from "../abi/artifact.js";
import { generate } from "./back/backend.js";
import { checkProgram, type CheckOptions } from "./check/check.js";
import type { Module } from "./ir/ir.js";
import type { DumpHook } from "./ir/print.js";
import { lowerProgram, type LowerOptions } from "./lower/lower.js";
import { foldAddresses } from "./opt/addr-fold.js";
import { removeRedundantChecks } from "./opt/bounds-checks.js";
import { coalesceCopies } from "./opt/coalesce.js";
import { constFold } from "./opt/const-fold.js";
import { copyProp } from "./opt/copy-prop.js";
import { cse } from "./opt/cse.js";
import { dce } from "./opt/dce.js";
import { removeDeadStores } from "./opt/dead-stores.js";
import { demandedBits } from "./opt/demanded-bits.js";
import { forwardLoads } from "./opt/load-forward.js";
import { runPasses, type Pass } from "./opt/optimize.js";
import { reassociate } from "./opt/reassociate.js";
import { simplifyCfg } from "./opt/simplify-cfg.js";
import { strengthReduce } from "./opt/strength.js";
import { mergeTails } from "./opt/tail-merge.js";
import { retargetXrp } from "./targets/xrp.js";

/** The optimisation passes, in order. */
export const OPT_PASSES: readonly Pass[] = [
  { name: "const-fold", run: constFold },
  { name: "copy-prop", run: copyProp },
  { name: "reassociate", run: reassociate },
  { name: "strength", run: strengthReduce },
  { name: "const-fold", run: constFold },
  { name: "addr-fold", run: foldAddresses },
  { name: "demanded-bits", run: demandedBits },
  { name: "cse", run: cse },
  { name: "load-forward", run: forwardLoads },
  { name: "copy-prop", run: copyProp },
  { name: "bounds-checks", run: removeRedundantChecks },
  { name: "tail-merge", run: mergeTails },
  { name: "simplify-cfg", run: simplifyCfg },
  { name: "dead-stores", run: removeDeadStores },
  { name: "dce", run: dce },
  { name: "coalesce", run: coalesceCopies },
];

/** Runs OPT_PASSES over every function of `m`. */
export const optimize = (m: Module, dump?: DumpHook): void => runPasses(m, OPT_PASSES, dump);

/** sim and linux run the same code (docs/abi.md); xrp is BPF_PROG_TYPE_XRP's ABI (docs/xrp.md). */
export type CompileTarget = "sim" | "linux" | "xrp";

export interface CompileOptions extends CheckOptions, LowerOptions {
  /** Sees the IR after lowering and after each pass (for --dump-ir and tests). */
  dump?: DumpHook;
  /** Skip the optimisation passes (for differential tests). */
  noOptimize?: boolean;
  /** Default "sim" (= "linux"). */
  target?: CompileTarget;
}

/** Compiles one .ioc program. Bad programs throw IochainError / DiagnosticsError (E03xx–E06xx). */
export function compile(source: string, file: string, opts: CompileOptions = {}): ProgramArtifact {
  // XRP's kernel (5.12) predates bpf_loop (5.17): large loops stay plain loops there; its program
  // type offers no bpf_probe_read_kernel: byte results are copied in words.
  const frontOpts =
    opts.target === "xrp"
      ? { ...opts, loopCallbacks: "never" as const, resultCopy: "words" as const }
      : opts;
  const { ir, artifact: lowered } = lowerProgram(checkProgram(source, file, frontOpts), frontOpts);
  opts.dump?.("lower", ir);
  const artifact = opts.target === "xrp" ? retargetXrp(ir, lowered) : lowered;
  if (opts.target === "xrp") opts.dump?.("xrp", ir);
  if (!opts.noOptimize) optimize(ir, opts.dump);
  const insns = generate(ir, opts.dump);
  return { ...artifact, insns };
}
