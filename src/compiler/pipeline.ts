// The whole compiler, in order (QBE's main.c style: this list IS the documentation):
//
//   parse + check   check.ts: resolve, layouts, consts, types, control, storage  → checked AST
//   lower           lower.ts: expressions, block reads, actions, scans, calls    → IR (ir.ts)
//                   (large bounded loops as bpf_loop callbacks: lower-loop-callback.ts)
//   retarget        targets/xrp.ts, target xrp only: ctx and maps onto XRP's struct bpf_xrp
//   optimize        optimize.ts, each pass in opt/, up to three rounds:
//                     const-fold, copy-prop, reassociate, strength, const-fold, addr-fold,
//                     demanded-bits, cse, load-forward, copy-prop, bounds-checks, tail-merge,
//                     simplify-cfg, dead-stores, dce, coalesce
//   generate        backend.ts: legalize, calling convention (abi.ts), block layout,
//                     register allocation (intervals.ts, regalloc.ts, spill.ts), frame,
//                     instruction selection (select.ts) and emission (emit.ts)  → eBPF Insn[]
//   artifact        the front end's metadata plus the instructions
//
// `dump` sees the IR after lowering, after each optimisation pass, after legalization and after
// register allocation (--dump-ir).
import type { ProgramArtifact } from "../abi/artifact.js";
import { generate } from "./backend.js";
import { frontEnd, type FrontEndOptions } from "./frontend.js";
import { optimize, type DumpHook } from "./optimize.js";
import { retargetXrp } from "./targets/xrp.js";

/** sim and linux run the same code (docs/abi.md); xrp is BPF_PROG_TYPE_XRP's ABI (docs/xrp.md). */
export type CompileTarget = "sim" | "linux" | "xrp";

export interface CompileOptions extends FrontEndOptions {
  /** Sees the IR after lowering and after each pass (for --dump-ir and tests). */
  dump?: DumpHook;
  /** Skip the optimisation passes (for differential tests). */
  noOptimize?: boolean;
  /** Default "sim" (= "linux"). */
  target?: CompileTarget;
}

/** Compiles one .ioc program. Bad programs throw IochainError / DiagnosticsError (E03xx–E06xx). */
export function compile(source: string, file: string, opts: CompileOptions = {}): ProgramArtifact {
  // XRP's kernel (5.12) predates bpf_loop (5.17): large loops stay plain loops there.
  const frontOpts = opts.target === "xrp" ? { ...opts, loopCallbacks: "never" as const } : opts;
  const { ir, artifact: lowered } = frontEnd(source, file, frontOpts);
  opts.dump?.("lower", ir);
  const artifact = opts.target === "xrp" ? retargetXrp(ir, lowered) : lowered;
  if (opts.target === "xrp") opts.dump?.("xrp", ir);
  if (!opts.noOptimize) optimize(ir, opts.dump);
  const insns = generate(ir, opts.dump);
  return { ...artifact, insns };
}
