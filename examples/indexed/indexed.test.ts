// The compiled lookup.ioc, which reads two files (an index and a data file), against the reference:
// on the VM through the chain driver, in the kernel per step (one test run per hop) and as kernel
// chains (one mapping per file), and through `iochain run --data index.db=... --data data.db=...`.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asLookup, compileExample } from "../common/harness.js";
import type { ProgramArtifact } from "../../src/abi/artifact.js";
import { Rng } from "../../src/datagen/rng.js";
import { MemoryBlockSource } from "../../src/runtime/block-source.js";
import { type StepTarget, runChain } from "../../src/runtime/driver.js";
import { LinuxTarget } from "../../src/runtime/linux/target.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { openSession } from "../../src/runtime/open-session.js";
import { SimTarget } from "../../src/runtime/sim/target.js";
import { runCli } from "../../test/support/cli.js";
import { tempDir } from "../../test/support/tmp.js";
import { generateIndexed, type Indexed, RECORD_SLOT } from "./gen.js";
import { lookupIndexed } from "./reference.js";

const bpf = bpfAvailable();
if (!bpf.ok) console.warn(`skipping examples/indexed on the linux target: ${bpf.reason}`);

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Keys to look up: present ones, neighbours, and the ends of the range. */
function probes(t: Indexed, seed: number, count: number): bigint[] {
  const rng = new Rng(seed);
  const last = t.keys[t.keys.length - 1];
  const keys = [0n, (1n << 64n) - 1n, t.keys[0], t.keys[0] - 1n, last, last + 1n];
  while (keys.length < count) {
    const k = t.keys[rng.below(t.keys.length)];
    const pick = rng.below(4);
    keys.push(pick === 0 ? k + 1n : pick === 1 ? k - 1n : k);
  }
  return keys.filter((k) => k >= 0n && k < 1n << 64n);
}

function runOn(artifact: ProgramArtifact, target: StepTarget, t: Indexed, key: bigint) {
  const sources = [new MemoryBlockSource(t.index), new MemoryBlockSource(t.data)];
  return asLookup(runChain(artifact, target, sources, { args: { key } }));
}

describe("indexed: compiled lookup.ioc over two files = reference", () => {
  let artifact: ProgramArtifact;
  let sim: SimTarget;
  beforeAll(() => {
    artifact = compileExample("indexed", "lookup");
    sim = SimTarget.create(artifact);
  });
  afterAll(() => sim?.close());

  it("names its files and has one extents map per file", () => {
    expect(artifact.files).toEqual(["index.db", "data.db"]);
    expect(artifact.maps.filter((m) => m.name === "extents").map((m) => m.file)).toEqual([0, 1]);
  });

  for (const [seed, keys, perLeaf, wide] of [
    [1, 1, 255, false],
    [2, 300, 40, false],
    [3, 20_000, 255, true],
  ] as const) {
    it(`${keys} records, ${perLeaf} per leaf${wide ? ", keys of every bit length" : ""}: the VM`, () => {
      const t = generateIndexed({ seed, keys, perLeaf, wide });
      for (const key of probes(t, seed, 600)) {
        const got = runOn(artifact, sim, t, key);
        const want = lookupIndexed(t.index, t.data, key);
        expect({ key, ...got }).toEqual({ key, ...want });
      }
    });
  }

  it("a found key takes three reads, the last from data.db", () => {
    const t = generateIndexed({ seed: 4, keys: 500, perLeaf: 30 });
    const r = runOn(artifact, sim, t, t.keys[123]);
    expect(r).toEqual({ value: t.values[123], hops: 3 });
  });

  it("corrupt records and leaves end with the format's errors, as the reference says", () => {
    const t = generateIndexed({ seed: 5, keys: 400, perLeaf: 50 });
    const rng = new Rng(5);
    const seen = new Set<string>();
    for (let n = 0; n < 18; n++) {
      const index = t.index.slice();
      const data = t.data.slice();
      // Garble a leaf entry's offset (misaligned, past the file) or a record's header.
      const leaf = 1 + rng.below(Math.ceil(400 / 50));
      const view = new DataView(index.buffer);
      const entry = (1 + rng.below(10)) * 16;
      if (n % 3 === 0) view.setBigUint64(leaf * 4096 + entry, BigInt(rng.below(1 << 20)), true);
      else if (n % 3 === 1) view.setBigUint64(leaf * 4096 + entry, BigInt(data.length + 512), true);
      else data[rng.below(400) * RECORD_SLOT + rng.below(16)] ^= 0xff;
      const bad = { ...t, index, data };
      for (const key of t.keys) {
        const want = lookupIndexed(index, data, key);
        if ("error" in want) seen.add(want.error);
        expect({ key, ...runOn(artifact, sim, bad, key) }).toEqual({ key, ...want });
      }
    }
    // Each kind of damage was met: a resubmit's checks in data.db and the record's own.
    expect([...seen].sort()).toEqual(["bad_magic", "corrupt", "misaligned", "out_of_file"]);
  });

  it.skipIf(!bpf.ok)("in the kernel, per step (one test run per hop)", () => {
    const kernel = LinuxTarget.create(artifact);
    try {
      const t = generateIndexed({ seed: 6, keys: 20_000, wide: true });
      for (const key of probes(t, 6, 300))
        expect({ key, ...runOn(artifact, kernel, t, key) }).toEqual({
          key,
          ...lookupIndexed(t.index, t.data, key),
        });
    } finally {
      kernel.close();
    }
  });

  describe("sessions over named files", () => {
    const dir = tempDir("iochain-indexed-");
    const t = generateIndexed({ seed: 7, keys: 3000, perLeaf: 100 });
    const index = path.join(dir, "idx.bin");
    const data = path.join(dir, "recs.bin");
    mkdirSync(dir, { recursive: true });
    writeFileSync(index, t.index);
    writeFileSync(data, t.data);
    const files = [
      { name: "data.db", path: data },
      { name: "index.db", path: index },
    ];

    const sessions = [
      { name: "sim", options: { target: "sim" } },
      { name: "linux, kernel chains", options: { target: "linux", chain: "kernel", batch: 16 } },
      { name: "linux, per step", options: { target: "linux", chain: "step" } },
    ] as const;
    for (const { name, options } of sessions) {
      it.skipIf(name !== "sim" && !bpf.ok)(`${name}: the session's answers`, () => {
        const session = openSession(artifact, { ...options, data: files });
        try {
          expect(session.fallback).toBeUndefined();
          const keys = probes(t, 7, 200);
          const got = session.runBatch(keys.map((key) => ({ key })));
          keys.forEach((key, i) =>
            expect({ key, ...asLookup(got[i]) }).toEqual({
              key,
              ...lookupIndexed(t.index, t.data, key),
            }),
          );
        } finally {
          session.close();
        }
      });
    }

    for (const { name, options } of sessions) {
      it.skipIf(name !== "sim" && !bpf.ok)(`${name}: switchData moves to other named files`, () => {
        const other = generateIndexed({ seed: 8, keys: 900, perLeaf: 60 });
        const otherFiles = [
          { name: "index.db", path: path.join(dir, `other-idx-${name}.bin`) },
          { name: "data.db", path: path.join(dir, `other-recs-${name}.bin`) },
        ];
        writeFileSync(otherFiles[0].path, other.index);
        writeFileSync(otherFiles[1].path, other.data);
        const session = openSession(artifact, { ...options, data: files });
        try {
          session.switchData({ data: otherFiles });
          for (const key of probes(other, 8, 100))
            expect({ key, ...asLookup(session.run({ key })) }).toEqual({
              key,
              ...lookupIndexed(other.index, other.data, key),
            });
        } finally {
          session.close();
        }
      });
    }

    it.skipIf(!bpf.ok)("kernel chains over damaged files = the reference", () => {
      const bad = { ...t, index: t.index.slice(), data: t.data.slice() };
      const view = new DataView(bad.index.buffer);
      // Leaf 1's entries: a misaligned offset, one past data.db, and a garbled record.
      view.setBigUint64(2 * 4096 + 16, 1000n, true);
      view.setBigUint64(2 * 4096 + 32, BigInt(bad.data.length + 512), true);
      const third = Number(view.getBigUint64(2 * 4096 + 48, true));
      bad.data[third] ^= 0xff;
      const badIndex = path.join(dir, "bad-idx.bin");
      const badData = path.join(dir, "bad-recs.bin");
      writeFileSync(badIndex, bad.index);
      writeFileSync(badData, bad.data);
      const session = openSession(artifact, {
        target: "linux",
        chain: "kernel",
        data: [
          { name: "index.db", path: badIndex },
          { name: "data.db", path: badData },
        ],
      });
      try {
        const got = session.runBatch(t.keys.map((key) => ({ key })));
        const errors = new Set<string>();
        t.keys.forEach((key, i) => {
          const want = lookupIndexed(bad.index, bad.data, key);
          if ("error" in want) errors.add(want.error);
          expect({ key, ...asLookup(got[i]) }).toEqual({ key, ...want });
        });
        expect([...errors].sort()).toEqual(["bad_magic", "misaligned", "out_of_file"]);
      } finally {
        session.close();
      }
    });

    it("iochain run --data NAME=PATH on the VM and as a kernel chain", () => {
      const program = path.join(path.dirname(new URL(import.meta.url).pathname), "lookup.ioc");
      const key = t.keys[1234];
      for (const target of bpf.ok ? ["vm", "linux"] : ["vm"]) {
        const r = runCli([
          "run",
          program,
          "--target",
          target,
          "--data",
          `index.db=${index}`,
          "--data",
          `data.db=${data}`,
          "--arg",
          `key=${key}`,
          "--json",
        ]);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        const json = JSON.parse(r.stdout) as { status: string; value: string; hops: number };
        expect(json).toMatchObject({ status: "done", value: hex(t.values[1234]), hops: 3 });
      }
    });
  });
});
