// Lints one .ioc program: compiles it for the target (compile errors come back as they are), then
// runs every rule over the source and the final instructions.
import type { ProgramArtifact } from "../abi/artifact.js";
import { type CheckedProgram, checkProgram } from "../compiler/check/check.js";
import { compile } from "../compiler/pipeline.js";
import { type Diagnostic, type SourcePos, toDiagnostics } from "../diagnostics.js";
import { trackBoundsChecks } from "./bounds-fate.js";
import { type Estimate, estimateProcessed } from "./estimate.js";
import { type LintContext, type LintOptions, formatKernel, kernelAtLeast } from "./rule.js";
import { requiredKernel } from "./rules/helpers-kernel.js";
import { Class, Jmp, classOf, opOf } from "../bpf/opcodes.js";
import { RULES } from "./rules.js";

export interface LintResult {
  file: string;
  /** Compile errors (the program does not compile: nothing else was checked) or findings. */
  diagnostics: Diagnostic[];
  /** True when the program did not compile. */
  compileFailed: boolean;
  artifact?: ProgramArtifact;
  estimate?: Estimate;
  /** The oldest Linux the program loads on (its program type's and helpers' versions). */
  needsKernel?: string;
}

function programPos(source: string, file: string): SourcePos {
  const m = /\bstorage\s+fn\s+([A-Za-z_]\w*)/.exec(source);
  if (!m) return { file, line: 1, col: 1 };
  const before = source.slice(0, m.index + m[0].length - m[1].length).split("\n");
  const col = before[before.length - 1].length + 1;
  return { file, line: before.length, col, endLine: before.length, endCol: col + m[1].length };
}

const order = { error: 0, warning: 1, note: 2 } as const;

export function lintSource(source: string, file: string, options: LintOptions): LintResult {
  let artifact: ProgramArtifact;
  const bounds = trackBoundsChecks();
  try {
    artifact = compile(source, file, {
      target: options.target,
      unsafeNoBoundsChecks: options.unsafeNoBoundsChecks,
      dump: bounds.dump,
      loopCallbacks:
        options.plainLoops || (options.kernel && !kernelAtLeast(options.kernel, [5, 17]))
          ? "never"
          : undefined,
    });
  } catch (err) {
    return { file, diagnostics: toDiagnostics(err), compileFailed: true };
  }
  let estimate: Estimate | undefined;
  let checked: CheckedProgram | undefined;
  const cx: LintContext = {
    file,
    source,
    artifact,
    options,
    programPos: programPos(source, file),
    estimate: () => (estimate ??= estimateProcessed(artifact.insns, artifact)),
    // compile() keeps its checked tree to itself; checking again is cheap next to the rest.
    checked: () => (checked ??= checkProgram(source, file)),
    boundsChecks: bounds.fates(),
  };
  const diagnostics = RULES.flatMap((r) => r.check(cx)).sort(
    (a, b) =>
      order[a.severity] - order[b.severity] ||
      (a.pos?.line ?? 0) - (b.pos?.line ?? 0) ||
      (a.pos?.col ?? 0) - (b.pos?.col ?? 0),
  );
  const helpers = artifact.insns
    .filter((i) => classOf(i.code) === Class.JMP && opOf(i.code) === Jmp.CALL && i.src === 0)
    .map((i) => i.imm);
  const needsKernel = formatKernel(requiredKernel(helpers, options.target));
  return {
    file,
    diagnostics,
    compileFailed: false,
    artifact,
    estimate: cx.estimate(),
    needsKernel,
  };
}
