// The bounds-check contract when the allocator spills: the checked offset is stored to its slot
// before the check (spill.ts stores at the definition) and reloaded before it indexes the block.
// The Linux verifier must carry the range it learns at the check over to the stack slot.
import { describe, expect, it } from "vitest";
import { generate } from "../../src/compiler/back/backend.js";
import { parseIr } from "../../src/compiler/ir/parse.js";
import { BpfMap } from "../../src/runtime/linux/maps.js";
import { loadProgram } from "../../src/runtime/linux/program.js";
import { testRun } from "../../src/runtime/linux/test-run.js";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";

// What spill code looks like: store at the definition, check the register, reload, index.
const SPILLED_CHECK = `func main(%0) {
  slot0: 8 bytes, align 8
@entry0:
  %1 = load u64 [%0+64]
  store u64 [slot0], %1
  check %1 <= 504 ok @ok1 fail @oob2
@ok1:
  %2 = load u64 [slot0]
  %3 = addr [map0]
  %4 = add %3, %2
  %5 = load u64 [%4]
  store u64 [%0+40], %5
  ret 0
@oob2:
  ret 1
}
`;

describe.skipIf(noBpf !== undefined)("bounds checks in the kernel", () => {
  it("accepts a checked offset reloaded from its spill slot before indexing", () => {
    const insns = generate(parseIr(SPILLED_CHECK));
    const block = BpfMap.array({ valueSize: 512, name: "block" });
    try {
      block.mmap().fill(7);
      const prog = loadProgram(insns, { maps: [block], name: "spilled_check" });
      try {
        const ctx = new Uint8Array(128);
        new DataView(ctx.buffer).setBigUint64(64, 16n, true);
        const run = testRun(prog, ctx);
        expect(run.retval).toBe(0);
        expect(new DataView(run.ctx.buffer).getBigUint64(40, true)).toBe(0x0707070707070707n);
      } finally {
        prog.close();
      }
    } finally {
      block.close();
    }
  });
});
