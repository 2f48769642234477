// The work behind a simulated lookup is real: the trace comes from the compiled program run on the
// VM over the tree file, its answer equals the reference lookup, and its reads are the tree's path.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lookupBptree } from "../../src/datagen/bptree-reference.js";
import { LookupWorkload } from "../../src/sim/workload.js";

describe("sim traces", () => {
  it("are the chains the VM runs: right answers, one read per level plus the value", () => {
    const w = new LookupWorkload(2000, 5, 3);
    try {
      const bytes = new Uint8Array(readFileSync(w.tree.path));
      for (let i = 0; i < 200; i++) {
        const t = w.trace(i);
        const want = lookupBptree(bytes, w.tree.keys[w.keyIndex(i)]);
        expect("value" in want).toBe(true);
        if (!("value" in want)) continue;
        expect(Buffer.from(t.result.value as Uint8Array).equals(Buffer.from(want.value))).toBe(
          true,
        );
        expect(t.sizes).toHaveLength(want.hops);
        expect(t.sizes).toHaveLength(6);
        expect(t.offsets[0]).toBe(0n);
        expect(t.insns.every((n) => n > 0)).toBe(true);
      }
      // Traces are cached per key: 200 lookups ran at most 200 distinct chains on the VM.
      expect(w.tracer.vmChains).toBeLessThanOrEqual(200);
      expect(w.tracer.vmInsns).toBeGreaterThan(0);
    } finally {
      w.close();
    }
  });
});
