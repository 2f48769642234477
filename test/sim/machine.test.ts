// The machine experiment's prediction pipeline: calibrated costs (from a parameter file, as the
// bench writes it) in, lookups/s of each path at depths 3 and 5 out. Checks that numbers come out
// and that each depth takes its own calibration; never a wall-clock ratio (the bench measures).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MACHINE_PATHS } from "../../src/sim/machine.js";
import { readParamFile } from "../../src/sim/param-file.js";
import { runExperiment } from "../../src/sim/run.js";
import { runCliAsync } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "iochain-sim-machine-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const run = async (overrides: Record<string, string> = {}) =>
  (await runExperiment("machine", { workers: 0, overrides: { lookups: "500", ...overrides } }))
    .rows;

describe("sim run machine", () => {
  it("predicts every path at depths 3 and 5", async () => {
    const rows = await run();
    expect(rows.map((r) => `${r.depth} ${r.dispatch}`)).toEqual(
      [3, 5].flatMap((d) => MACHINE_PATHS.map((p) => `${d} ${p}`)),
    );
    for (const r of rows) {
      expect(r.iops as number).toBeGreaterThan(0);
      expect(Number.isFinite(r.mean_latency_us as number)).toBe(true);
    }
  });

  it("takes depth 5's costs from m5_* and depth 3's from m_* (a parameter file)", async () => {
    const before = await run();
    const path = file(
      "slow-t5-hops.json",
      JSON.stringify({
        command: "test",
        params: { m5_chain_hop_ns: { value: 10_000, source: "measured", note: "measured: test" } },
      }),
    );
    const after = await run(readParamFile(path).overrides);
    const iops = (rows: typeof before, depth: number, dispatch: string) =>
      rows.find((r) => r.depth === depth && r.dispatch === dispatch)!.iops as number;
    expect(iops(after, 3, "kernel chain K=1")).toBe(iops(before, 3, "kernel chain K=1"));
    expect(iops(after, 5, "kernel chain K=1")).toBeLessThan(iops(before, 5, "kernel chain K=1"));
    expect(iops(after, 5, "C pread loop")).toBe(iops(before, 5, "C pread loop"));
  });

  it("refuses a parameter file that is not one, with E0962", () => {
    expect(() => readParamFile(file("bad.json", "{not json"))).toThrow(/not JSON/);
    expect(() => readParamFile(file("none.json", "{}"))).toThrow(/no `params` object/);
    expect(() => readParamFile(file("str.json", '{"params":{"m_pread_ns":"x"}}'))).toThrow(
      /m_pread_ns has no numeric value/,
    );
  });

  it("iochain sim run machine --params FILE says which values came from the file", async () => {
    const path = file(
      "cal.json",
      JSON.stringify({ params: { m_pread_ns: { value: 400, note: "measured: a test" } } }),
    );
    const out = await runCliAsync([
      "sim",
      "run",
      "machine",
      "--params",
      path,
      "--param",
      "lookups=300",
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`from ${path}: m_pread_ns (measured: a test)`);
    expect(out.stdout).toMatch(/m_pread_ns=400\b/);
    const bad = await runCliAsync(["sim", "run", "machine", "--params", file("x.json", "[]")]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("error[E0962]");
  });
});
