// Every lint rule, in code order (docs/lint.md describes each).
import type { LintRule } from "./rule.js";
import { blockAlignment } from "./rules/block-alignment.js";
import { callDepth } from "./rules/call-depth.js";
import { divMaybeZero } from "./rules/div-maybe-zero.js";
import { helpersKernel } from "./rules/helpers-kernel.js";
import { insnCount } from "./rules/insn-count.js";
import { maxChain } from "./rules/max-chain.js";
import { processedEstimate } from "./rules/processed-estimate.js";
import { stackSize } from "./rules/stack-size.js";
import { unsafeOptions } from "./rules/unsafe-options.js";
import { unusedNames } from "./rules/unused-names.js";
import { xrpLimits } from "./rules/xrp-limits.js";

export const RULES: readonly LintRule[] = [
  processedEstimate,
  insnCount,
  stackSize,
  callDepth,
  helpersKernel,
  unsafeOptions,
  maxChain,
  xrpLimits,
  blockAlignment,
  unusedNames,
  divMaybeZero,
];
