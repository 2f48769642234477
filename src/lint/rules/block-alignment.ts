// E0709: O_DIRECT reads whole logical blocks (512 bytes on most devices) at aligned offsets.
import type { Diagnostic } from "../../diagnostics.js";
import type { LintRule } from "../rule.js";

const LOGICAL_BLOCK = 512;

export const blockAlignment: LintRule = {
  code: "E0709",
  name: "block-alignment",
  summary: "the block size and start offset suit O_DIRECT on a device with 512-byte logical blocks",
  check(cx) {
    const { blockSize, start } = cx.artifact;
    const out: Diagnostic[] = [];
    if (blockSize % LOGICAL_BLOCK !== 0)
      out.push({
        severity: "warning",
        code: this.code,
        message: `block ${blockSize} is not a multiple of the ${LOGICAL_BLOCK}-byte logical block: O_DIRECT reads a whole sector around each block`,
        pos: cx.programPos,
        hint: `use a block size that is a multiple of ${LOGICAL_BLOCK}`,
      });
    // A computed start (start OFF over the parameters) is checked like a resubmit at run time.
    if (start !== "computed" && start % BigInt(LOGICAL_BLOCK) !== 0n)
      out.push({
        severity: "warning",
        code: this.code,
        message: `start ${start} is not aligned to ${LOGICAL_BLOCK} bytes: the first read fails with \`misaligned\``,
        pos: cx.programPos,
        hint: `start at a multiple of ${LOGICAL_BLOCK}`,
      });
    return out;
  },
};
