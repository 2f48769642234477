// E0708: XRP's released code handles requests of at most 512 bytes and a 4 KiB scratch buffer.
import { MapIndex } from "../../abi/artifact.js";
import type { Diagnostic } from "../../diagnostics.js";
import type { LintRule } from "../rule.js";

const XRP_REQUEST = 512;
const XRP_SCRATCH = 4096;

export const xrpLimits: LintRule = {
  code: "E0708",
  name: "xrp-limits",
  summary: "on --target xrp: blocks of at most 512 bytes and at most 4 KiB of scratch",
  check(cx) {
    if (cx.options.target !== "xrp") return [];
    const out: Diagnostic[] = [];
    const { blockSize } = cx.artifact;
    if (blockSize > XRP_REQUEST)
      out.push({
        severity: "error",
        code: this.code,
        message: `block ${blockSize}: XRP resubmits requests of at most ${XRP_REQUEST} bytes`,
        pos: cx.programPos,
        hint: `declare \`block ${XRP_REQUEST}\` (or smaller) for XRP`,
      });
    const scratch = cx.artifact.maps[MapIndex.scratch]?.valueSize ?? 0;
    if (scratch > XRP_SCRATCH)
      out.push({
        severity: "error",
        code: this.code,
        message: `the program needs ${scratch} bytes of scratch; XRP's scratch buffer holds ${XRP_SCRATCH}`,
        pos: cx.programPos,
        hint: "lower the output's `capacity`, or keep fewer state variables",
      });
    return out;
  },
};
