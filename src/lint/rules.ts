// Every lint rule, in code order (docs/lint.md describes each).
import type { LintRule } from "./rule.js";
import { blockAlignment } from "./rules/block-alignment.js";
import { boundsReport } from "./rules/bounds-report.js";
import { callDepth } from "./rules/call-depth.js";
import { chainProgramEstimate } from "./rules/chain-program-estimate.js";
import { constantCondition } from "./rules/constant-condition.js";
import { deadCode } from "./rules/dead-code.js";
import { divMaybeZero } from "./rules/div-maybe-zero.js";
import { helpersKernel } from "./rules/helpers-kernel.js";
import { insnCount } from "./rules/insn-count.js";
import { mapValueSize } from "./rules/map-value-size.js";
import { maxChain } from "./rules/max-chain.js";
import { outputCapacity } from "./rules/output-capacity.js";
import { processedEstimate } from "./rules/processed-estimate.js";
import { scanMax } from "./rules/scan-max.js";
import { stackSize } from "./rules/stack-size.js";
import { sumOverflow } from "./rules/sum-overflow.js";
import { unsafeOptions } from "./rules/unsafe-options.js";
import { unusedNames } from "./rules/unused-names.js";
import { xrpFanout } from "./rules/xrp-fanout.js";
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
  deadCode,
  constantCondition,
  sumOverflow,
  scanMax,
  xrpFanout,
  outputCapacity,
  boundsReport,
  mapValueSize,
  chainProgramEstimate,
];
