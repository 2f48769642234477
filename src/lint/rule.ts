// What every lint rule sees and returns: the source, the compiled artifact for the chosen target,
// the options, and the processed-instruction estimate (computed once, shared by the rules).
import type { ProgramArtifact } from "../abi/artifact.js";
import type { CompileTarget } from "../compiler/pipeline.js";
import type { Diagnostic, SourcePos } from "../diagnostics.js";
import type { CheckedProgram } from "../compiler/check/check.js";
import type { BoundsCheckFate } from "./bounds-fate.js";
import type { Estimate } from "./estimate.js";

/** A Linux version as [major, minor]. */
export type KernelVersion = readonly [number, number];

export interface LintOptions {
  target: CompileTarget;
  /** The kernel the program is meant for; undefined: any kernel the target runs on. */
  kernel?: KernelVersion;
  /**
   * Compile every loop plain (no bpf_loop), as for a kernel before 5.17; the default when
   * `kernel` is older than that.
   */
  plainLoops?: boolean;
  /** --unsafe-no-bounds-checks: compiled as asked, and reported as an error. */
  unsafeNoBoundsChecks?: boolean;
  /** --report bounds: a note for each bounds check, elided (and why) or kept (and why). */
  reportBounds?: boolean;
}

export interface LintContext {
  file: string;
  source: string;
  artifact: ProgramArtifact;
  options: LintOptions;
  estimate(): Estimate;
  /** The checked syntax tree (types, constants, bindings), for the rules over the source. */
  checked(): CheckedProgram;
  /** Each bounds check the lowering emitted, and what the optimiser made of it. */
  boundsChecks: readonly BoundsCheckFate[];
  /** Where the storage function is declared (findings about the whole program point there). */
  programPos: SourcePos;
}

export interface LintRule {
  /** Stable code, E07xx (docs/lint.md). */
  code: string;
  /** Short kebab-case name, shown in SARIF and docs. */
  name: string;
  /** One sentence: what it checks. */
  summary: string;
  check(cx: LintContext): Diagnostic[];
}

export const formatKernel = (k: KernelVersion): string => `${k[0]}.${k[1]}`;

/** A count as findings print it: 1,000,000. */
export const formatCount = (n: number): string => n.toLocaleString("en-US");

/** a ≥ b. */
export const kernelAtLeast = (a: KernelVersion, b: KernelVersion): boolean =>
  a[0] !== b[0] ? a[0] > b[0] : a[1] >= b[1];
