// iochain sim as a user runs it: the list, one experiment as JSON and CSV, and its errors.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

describe("iochain sim", () => {
  it("lists the experiments and the parameters with their sources", () => {
    const list = runCli(["sim", "list"]);
    expect(list.code).toBe(0);
    for (const e of [
      "table1",
      "depth",
      "index-ios",
      "threads",
      "uring",
      "cache",
      "fairness",
      "faults",
    ])
      expect(list.stdout).toMatch(new RegExp(`^${e} `, "m"));
    const params = runCli(["sim", "list", "--params"]);
    expect(params.stdout).toMatch(/^ext4_ns\s+2006\s+paper\s+HotOS\/XRP Table 1: ext4$/m);
    expect(params.stdout).toMatch(/fitted/);
  });

  it("runs an experiment: one JSON object with params and rows; CSV beside it", () => {
    const csv = path.join(tempDir("iochain-sim-"), "t.csv");
    const r = runCli(["sim", "run", "index-ios", "--param", "lookups=500", "--json", "--csv", csv]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.experiment).toBe("index-ios");
    expect(out.params.lookups).toBe(500);
    expect(out.params.crossing_ns).toBe(351);
    expect(out.rows).toHaveLength(24);
    for (const row of out.rows) {
      expect(["read", "io_uring", "spdk", "xrp"]).toContain(row.dispatch);
      for (const k of ["index_ios", "mean_latency_us", "p50_us", "p99_us", "iops"])
        expect(typeof row[k]).toBe("number");
      expect(row.p99_us).toBeGreaterThanOrEqual(row.p50_us);
    }
    const lines = readFileSync(csv, "utf8").trim().split("\n");
    expect(lines[0].split(",")).toContain("mean_latency_us");
    expect(lines).toHaveLength(25);
  });

  it("prints the parameters a table run used", () => {
    const r = runCli(["sim", "run", "table1", "--param", "lookups=200"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^params: crossing_ns=351 /);
    expect(r.stdout).toMatch(/ext4\s+2006\s+2006/);
  });

  it("says which experiment or parameter is wrong, in one line", () => {
    const bad = runCli(["sim", "run", "nope"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error\[E0961\]: unknown experiment `nope`/);
    const param = runCli(["sim", "run", "table1", "--param", "warp=9"]);
    expect(param.stderr).toMatch(/error\[E0962\]: unknown parameter `warp`/);
    const value = runCli(["sim", "run", "depth", "--param", "depth=0"]);
    expect(value.stderr).toMatch(/error\[E0962\]: parameter depth=0 must be an integer in 1..10/);
    expect(bad.stderr + param.stderr + value.stderr).not.toMatch(/\n\s+at /);
  });
});
