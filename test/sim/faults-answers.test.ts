// Faults on real chains: EIO and a mid-chain remap end with an error (then the fallback's right
// answer) or the right answer; every chain's answer is compared with the reference lookup.
import { describe, expect, it } from "vitest";
import { faultRun } from "../../src/sim/experiments/faults.js";
import { resolveParams } from "../../src/sim/run.js";

describe("faults under driver dispatch", () => {
  const p = resolveParams("faults", { depth: "4" });
  it("EIO: failed chains fall back and answer right; none answers wrong", () => {
    const { tally } = faultRun(p, "eio", 0.3, 400);
    expect(tally.wrong).toBe(0);
    expect(tally.errors).toBeGreaterThan(50);
    expect(tally.fallback_right).toBe(tally.errors);
    expect(tally.right + tally.fallback_right).toBe(400);
  });
  it("a remap in the middle of a chain: the driver reads the rest at file offsets", () => {
    const { tally, segments } = faultRun(p, "remap", 0.5, 400);
    expect(tally.wrong).toBe(0);
    expect(tally.right).toBe(400);
    // Remapped chains did part of their reads through the user-space path (more segments).
    const lengths = new Set(segments.map((s) => s.kinds.length));
    expect(lengths.size).toBeGreaterThan(1);
  });
});
