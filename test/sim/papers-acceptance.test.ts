// The model against the papers (issue 11's acceptance bands). The simulator is deterministic for
// a seed, so these are checks of the model's output, not timing assertions.
import { describe, expect, it } from "vitest";
import type { Row } from "../../src/sim/experiments/types.js";
import { HOTOS_TABLE2, XRP_TABLE3 } from "../../src/sim/experiments/paper.js";
import { runExperiment } from "../../src/sim/run.js";

const run = async (name: string, extra: Record<string, string> = {}) =>
  (await runExperiment(name, { workers: 0, overrides: { lookups: "3000", ...extra } })).rows;
const within = (model: number, paper: number, tol: number) =>
  expect(Math.abs(model / paper - 1), `${model} vs ${paper}`).toBeLessThanOrEqual(tol);
const pick = (rows: Row[], where: Record<string, string | number>) =>
  rows.filter((r) => Object.entries(where).every(([k, v]) => r[k] === v));
const num = (r: Row, k: string) => r[k] as number;

describe("HotOS Table 2 (B-tree of depth 10)", () => {
  it("latency and IOPS within 15%, speedups over user space within 10%", async () => {
    const rows = pick(await run("depth"), { depth: 10 });
    const user = pick(rows, { dispatch: "user" })[0];
    for (const [dispatch, paper] of Object.entries(HOTOS_TABLE2)) {
      const r = pick(rows, { dispatch })[0];
      within(num(r, "mean_latency_us"), paper.latency_us, 0.15);
      within(num(r, "iops"), paper.iops, 0.15);
      const userPaper = HOTOS_TABLE2.user!;
      within(
        num(user, "mean_latency_us") / num(r, "mean_latency_us"),
        userPaper.latency_us / paper.latency_us,
        0.1,
      );
      within(num(r, "iops") / num(user, "iops"), paper.iops / userPaper.iops, 0.1);
    }
  });

  it("syscall-layer dispatch gains at most 1.25x at every depth", async () => {
    const rows = await run("depth");
    for (let d = 1; d <= 10; d++) {
      const u = pick(rows, { dispatch: "user", depth: d })[0];
      const s = pick(rows, { dispatch: "syscall", depth: d })[0];
      expect(num(u, "mean_latency_us") / num(s, "mean_latency_us")).toBeLessThanOrEqual(1.25);
      expect(num(s, "iops") / num(u, "iops")).toBeLessThanOrEqual(1.25);
    }
  });
});

describe("XRP Table 3 (mean latency by index I/Os)", () => {
  it("read(), XRP, SPDK and io_uring within 15% at 1..6 index I/Os", async () => {
    const rows = await run("index-ios");
    for (const [system, paper] of Object.entries(XRP_TABLE3)) {
      for (let k = 1; k <= 6; k++) {
        const r = pick(rows, { dispatch: system, index_ios: k })[0];
        within(num(r, "mean_latency_us"), paper[k - 1], 0.15);
      }
    }
  });
});

describe("XRP multi-threaded BPF-KV, 3 index levels, 1..6 threads on 6 cores", () => {
  it("the model's throughput gain and p99 reduction overlap 47-94% and 20-34%", async () => {
    const rows = pick(await run("threads"), { dispatch: "driver" }).filter(
      (r) => num(r, "threads") <= 6,
    );
    const gains = rows.map((r) => num(r, "throughput_gain"));
    const p99 = rows.map((r) => num(r, "p99_reduction"));
    expect(Math.max(...gains)).toBeGreaterThanOrEqual(0.47);
    expect(Math.min(...gains)).toBeLessThanOrEqual(0.94);
    expect(Math.max(...p99)).toBeGreaterThanOrEqual(0.2);
    expect(Math.min(...p99)).toBeLessThanOrEqual(0.34);
  });
});

describe("HotOS text claims", () => {
  it("driver dispatch: 1.8-2.5x throughput once CPU-saturated (12 threads on 6 cores)", async () => {
    const rows = await run("threads", { depth: "10" });
    const u = pick(rows, { dispatch: "user", threads: 12 })[0];
    const d = pick(rows, { dispatch: "driver", threads: 12 })[0];
    const gain = num(d, "iops") / num(u, "iops");
    expect(gain).toBeGreaterThanOrEqual(1.8 * 0.9);
    expect(gain).toBeLessThanOrEqual(2.5 * 1.1);
  });

  it("io_uring with driver dispatch: 2.5-2.7x as batches grow", async () => {
    const rows = pick(await run("uring"), { dispatch: "driver" });
    const big = rows.filter((r) => num(r, "batch") >= 32).map((r) => num(r, "speedup"));
    for (const s of big) {
      expect(s).toBeGreaterThanOrEqual(2.5 * 0.9);
      expect(s).toBeLessThanOrEqual(2.7 * 1.1);
    }
  });
});
