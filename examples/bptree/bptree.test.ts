// The compiled lookup.ioc against the plain TypeScript reference on trees of every depth the
// generator makes (1..6), over present, absent and boundary keys, on the sim target (and a sample
// on the linux target where bpf() works).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ExampleRunner as Runner,
  ExampleRunner,
  asLookup,
  compileExample,
} from "../common/harness.js";
import { Rng } from "../../src/datagen/rng.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { generateBptree, writeBptree } from "../../src/datagen/bptree.js";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { runProgram } from "../../src/runtime/run-program.js";
import { formatResultJson, resultToJson } from "../../src/runtime/result-json.js";
import { lookupBptree } from "../../src/datagen/bptree-reference.js";
import { testTempDir } from "../../test/support/tmp.js";

const bpf = bpfAvailable();
if (!bpf.ok) console.warn(`skipping examples/bptree on the linux target: ${bpf.reason}`);

/** Keys to try: present ones, their neighbours, the extremes. */
function probeKeys(keys: bigint[], rng: Rng, count: number): bigint[] {
  const out = [
    0n,
    1n,
    (1n << 64n) - 1n,
    1n << 63n,
    keys[0],
    keys[keys.length - 1],
    keys[0] - 1n,
    keys[keys.length - 1] + 1n,
  ];
  while (out.length < count) {
    const k = keys[rng.below(keys.length)];
    const pick = rng.below(4);
    out.push(pick === 0 ? k - 1n : pick === 1 ? k + 1n : pick === 2 ? rng.u64() : k);
  }
  return out.filter((k) => k >= 0n && k < 1n << 64n);
}

describe("bptree: compiled lookup.ioc = reference", () => {
  let runner: Runner;
  beforeAll(() => {
    runner = new ExampleRunner(compileExample("bptree", "lookup"));
  });
  afterAll(() => runner?.close());

  for (const depth of [1, 2, 3, 4, 5, 6]) {
    for (const wide of [false, true]) {
      it(`depth ${depth}${wide ? ", keys over the whole u64 range" : ""}: 1000 keys`, () => {
        const keys = depth === 1 ? 30 : depth === 2 ? 900 : depth >= 5 ? 400 : 3000;
        const tree = generateBptree({ seed: 100 + depth, keys, depth, wide });
        expect(tree.depth).toBe(depth);
        const rng = new Rng(depth * 2 + (wide ? 1 : 0));
        for (const key of probeKeys(tree.keys, rng, 1000)) {
          const want = lookupBptree(tree.bytes, key);
          const got = asLookup(runner.run(tree.bytes, { key }));
          if (JSON.stringify(got, big) !== JSON.stringify(want, big))
            expect({ key, got }).toEqual({ key, got: want });
        }
      });
    }
  }

  it("runProgram over a generated file prints the documented JSON", () => {
    const dir = testTempDir("iochain-bptree-");
    const path = join(dir, "bptree.db");
    const tree = writeBptree(path, { seed: 3, keys: 2000, depth: 3 });
    const hit = runProgram(runner.artifact, {
      target: "sim",
      data: path,
      args: { key: tree.keys[1234] },
    });
    expect(JSON.parse(formatResultJson(hit))).toEqual({
      status: "done",
      value: Buffer.from(tree.values[1234]).toString("hex"),
      error: null,
      hops: 4,
      rows: [],
      aggregates: {},
    });
    const absent = tree.keys.find((k, i) => tree.keys[i + 1] !== k + 1n)! + 1n;
    const miss = runProgram(runner.artifact, { target: "sim", data: path, args: { key: absent } });
    expect(resultToJson(miss)).toMatchObject({
      status: "failed",
      value: null,
      error: "not_found",
      hops: 3,
    });
  });

  it.skipIf(!bpf.ok)("the linux target agrees on a sample", () => {
    const kernel = new ExampleRunner(runner.artifact, "linux");
    try {
      for (const depth of [1, 3, 6]) {
        const tree = generateBptree({ seed: 7 + depth, keys: depth === 1 ? 20 : 400, depth });
        for (const key of probeKeys(tree.keys, new Rng(depth), 100)) {
          expect(asLookup(kernel.run(tree.bytes, { key }))).toEqual(lookupBptree(tree.bytes, key));
        }
      }
    } finally {
      kernel.close();
    }
  });
});

function big(_k: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  return v;
}
