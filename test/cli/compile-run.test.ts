// iochain compile / run as a user runs them on the bptree example.
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBptree, type Bptree } from "../../src/datagen/bptree.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { repoRoot, runCli } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

const dir = tempDir("iochain-run-");
const lookup = path.join(repoRoot, "examples/bptree/lookup.ioc");
const data = path.join(dir, "tree.db");
let tree: Bptree;
const kernel = bpfAvailable();
if (!kernel.ok) console.warn(`skipping the linux-target CLI runs: ${kernel.reason}`);

beforeAll(() => {
  tree = writeBptree(data, { keys: 3000, seed: 7 });
});

describe("iochain compile", () => {
  it("prints a listing headed by the .ioc lines", () => {
    const r = runCli(["compile", lookup]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^; lookup: \d+ instructions, block 512 B, max chain 7\n/);
    expect(r.stdout).toMatch(/; lookup\.ioc:\d+ {2}return \[u8; 64\] at value_at;/);
  });

  it("writes raw bytecode atomically that the VM command runs", () => {
    const out = path.join(dir, "lookup.bin");
    const r = runCli(["compile", lookup, "-o", out]);
    expect(r.stdout).toMatch(/lookup\.bin: lookup, \d+ instructions \(raw, target vm\)/);
    expect(readFileSync(out).length % 8).toBe(0);
    expect(runCli(["disasm", out]).code).toBe(0);
  });

  it("refuses raw bytecode to a terminal and bad sources with a located diagnostic", () => {
    expect(runCli(["compile", lookup, "--emit", "raw"]).stderr).toMatch(/^error\[E0911\]/);
    const bad = path.join(dir, "bad.ioc");
    writeFileSync(bad, "storage fn f(k: u64) -> u64 block 512 start 0 {\n  return nope;\n}\n");
    const r = runCli(["compile", bad, "-o", path.join(dir, "bad.bin")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:\\d+: error\\[E0\\d{3}\\]`),
    );
    expect(r.stderr).toMatch(/ 2 \| {3}return nope;/);
    expect(existsSync(path.join(dir, "bad.bin"))).toBe(false);
  });
});

describe("iochain run", () => {
  const targets = kernel.ok ? ["vm", "linux"] : ["vm"];
  for (const target of targets) {
    it(`finds a present key and fails an absent one (${target})`, () => {
      const key = tree.keys[tree.keys.length >> 1];
      const ok = JSON.parse(
        runCli(["run", lookup, "--target", target, "--data", data, "--arg", `key=${key}`, "--json"])
          .stdout,
      );
      expect(ok).toEqual({
        status: "done",
        value: Buffer.from(tree.values[tree.keys.length >> 1]).toString("hex"),
        error: null,
        hops: tree.depth + 1,
        rows: [],
        aggregates: {},
      });
      const miss = runCli([
        "run",
        lookup,
        "--target",
        target,
        "--data",
        data,
        "--arg",
        `key=${tree.keys[0] - 1n}`,
        "--json",
      ]);
      expect(miss.code).toBe(2);
      expect(JSON.parse(miss.stdout)).toMatchObject({
        status: "failed",
        error: "not_found",
        value: null,
      });
    });
  }

  it("takes --target sim, the VM's old name, with a one-line note on standard error", () => {
    const key = tree.keys[0];
    const r = runCli([
      "run",
      lookup,
      "--target",
      "sim",
      "--data",
      data,
      "--arg",
      `key=${key}`,
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "done" });
    expect(r.stderr).toBe(
      "note: --target sim is now --target vm (the VM; `iochain sim` is the storage-stack simulator)\n",
    );
    const c = runCli(["compile", lookup, "--target", "sim", "--json"]);
    expect(JSON.parse(c.stdout)).toMatchObject({ target: "vm", emit: "asm" });
    expect(c.stderr.trim().split("\n")).toHaveLength(1);
    expect(
      runCli(["run", lookup, "--target", "vm", "--data", data, "--arg", `key=${key}`]).stderr,
    ).toBe("");
  });

  it("explains bad arguments", () => {
    expect(runCli(["run", lookup, "--data", data, "--arg", "key=abc"]).stderr).toMatch(
      /^error\[E0910\]: --arg key=abc: 'abc' is not a number/,
    );
    expect(runCli(["run", lookup, "--data", data]).stderr).toMatch(
      /^error\[E0930\]: missing argument `key` \(u64\)/,
    );
    expect(
      runCli(["run", lookup, "--data", data, "--arg", "key=1", "--arg", "k=2"]).stderr,
    ).toMatch(/^error\[E0930\]: unknown argument `k`/);
    expect(
      runCli(["run", lookup, "--data", path.join(dir, "none.db"), "--arg", "key=1"]).stderr,
    ).toMatch(/^error\[E09\d\d\]: .*none\.db/);
  });
});

describe("iochain compile --target linux", () => {
  it("writes an ELF object that llvm-objdump reads and `iochain load` loads", () => {
    const obj = path.join(dir, "lookup.o");
    expect(runCli(["compile", lookup, "--target", "linux", "-o", obj]).stdout).toMatch(
      /\(elf, target linux\)/,
    );
    expect(readFileSync(obj).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    const listing = runCli(["disasm", obj]);
    expect(listing.stdout).toMatch(/Disassembly of section syscall:/);
    if (!kernel.ok) return;
    const load = runCli(["load", obj]);
    expect(load.code).toBe(0);
    expect(load.stdout).toMatch(/verifier: processed \d+ insns/);
  });

  it("refuses an ELF for the sim target", () => {
    expect(
      runCli(["compile", lookup, "--emit", "elf", "-o", path.join(dir, "x.o")]).stderr,
    ).toMatch(/^error\[E0912\]/);
  });
});
