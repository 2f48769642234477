// Kernel chains answer exactly as the sim: every example over its differential workloads (clean
// and damaged files, scans that suspend) in batches of 1 and 64 and on 2 threads, every compiler
// fixture, and programs that resubmit wild offsets and sizes (fast-check) — which must never copy
// from outside the mapped file. A file truncated or replaced under a session ends the affected
// chains with read_fault or answers as the file was, never with a wrong answer, a crash or a hang.
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../../../src/datagen/rng.js";
import { writeBptree } from "../../../src/datagen/bptree.js";
import { lookupBptree } from "../../../src/datagen/bptree-reference.js";
import { compile } from "../../../src/compiler/pipeline.js";
import type { ProgramArtifact } from "../../../src/abi/artifact.js";
import type { ArgValue } from "../../../src/runtime/args.js";
import { runThreaded, runThreadedPacked } from "../../../src/runtime/batch-threads.js";
import type { ChainResult } from "../../../src/runtime/driver.js";
import { KernelChainSession } from "../../../src/runtime/kernel-chain-session.js";
import { FileMapping } from "../../../src/runtime/linux/file-mapping.js";
import { KernelChainTarget } from "../../../src/runtime/linux/kernel-chain.js";
import { SimSession } from "../../../src/runtime/session.js";
import { parseFixture } from "../../compiler/fixture-format.js";
import { repoRoot } from "../../support/cli.js";
import { EXAMPLES, YIELD_EVERY } from "./example-workloads.js";
import { bpfFds, noBpf } from "./kernel-fixtures.js";

type Args = Record<string, ArgValue>;

/** A result without `reads`: kernel chains read the file through the page cache, the sim its device. */
function comparable(r: ChainResult): string {
  const { reads: _, ...rest } = r;
  return JSON.stringify(rest, (_k, v: unknown) =>
    typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v,
  );
}

function expectSame(args: Args[], got: ChainResult[], want: ChainResult[], where: string): void {
  expect(got.length, where).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (comparable(got[i]) !== comparable(want[i])) {
      expect({ where, args: args[i], ...got[i], reads: undefined }).toEqual({
        where,
        args: args[i],
        ...want[i],
        reads: undefined,
      });
    }
    expect(got[i].reads, where).toEqual({ device: 0, file: got[i].hops });
  }
}

const tmp = mkdtempSync(path.join(tmpdir(), "iochain-kernel-chain-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const compileRel = (rel: string): ProgramArtifact =>
  compile(readFileSync(path.join(repoRoot, rel), "utf8"), rel);

async function simResults(sim: SimSession, inputs: Args[]): Promise<ChainResult[]> {
  const out: ChainResult[] = [];
  for (let n = 0; n < inputs.length; n++) {
    out.push(sim.run(inputs[n]));
    if ((n + 1) % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
  }
  return out;
}

for (const ex of EXAMPLES) {
  describe.skipIf(noBpf !== undefined)(`${ex.name}: kernel chains = sim`, () => {
    const rel = `examples/${ex.name}/${ex.program}.ioc`;
    ex.files.forEach((file, i) => {
      it(`${file.what}: ${file.inputs} inputs, batches of 1 and 64, 2 threads`, async () => {
        const data = path.join(tmp, `${ex.name}-${i}.db`);
        const keys = file.write(data);
        const artifact = compileRel(rel);
        const inputs = ex.inputs(keys, new Rng(2000 + i), file.inputs);
        const sim = SimSession.open(artifact, { data });
        const want = await simResults(sim, inputs);
        sim.close();
        for (const batch of [1, 64]) {
          const session = KernelChainSession.open(artifact, { data, batch });
          try {
            const got = session.runBatch(inputs);
            expectSame(inputs, got, want, `${file.what}, batch ${batch}`);
            // One test run per batch, plus one per suspension (a scan's full output buffer).
            const suspensions = want.reduce((n, r) => n + r.suspensions, 0);
            expect(session.runs).toBe(Math.ceil(inputs.length / batch) + suspensions);
          } finally {
            session.close();
          }
        }
        const threaded = await runThreaded(artifact, { target: "linux", data }, inputs, 2);
        expect(threaded.fallback).toBeUndefined();
        expectSame(inputs, threaded.results, want, `${file.what}, 2 threads`);
      });
    });
  });
}

/** Compiler fixtures that are whole programs meant to load (as load-all.test.ts picks them). */
function loadableFixtures(): { rel: string; source: string }[] {
  const dir = path.join(repoRoot, "test/compiler/fixtures");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ioc"))
    .sort()
    .map((f) => ({
      rel: `test/compiler/fixtures/${f}`,
      source: readFileSync(path.join(dir, f), "utf8"),
    }))
    .filter(
      ({ source }) =>
        /^\s*storage\s+fn\b/m.test(source) &&
        !source
          .split("\n")
          .some(
            (l) =>
              /^\s*\/\/(?!!)/.test(l) &&
              /not meant to load|does not load|verifier rejects/i.test(l),
          ),
    );
}

describe.skipIf(noBpf !== undefined)("every compiler fixture: kernel chains = sim", () => {
  const fixtures = loadableFixtures();
  it(`${fixtures.length} fixtures, their runs in one batch`, () => {
    expect(fixtures.length).toBeGreaterThan(30);
    let chains = 0;
    for (const { rel, source } of fixtures) {
      const fixture = parseFixture(source, rel);
      if (fixture.runs.length === 0) continue;
      const data = path.join(tmp, path.basename(rel, ".ioc") + ".db");
      writeFileSync(data, fixture.data);
      const artifact = compile(source, rel);
      const inputs = fixture.runs.map((r) => r.args);
      const sim = SimSession.open(artifact, { data });
      const want = inputs.map((a) => sim.run(a));
      sim.close();
      const session = KernelChainSession.open(artifact, { data });
      try {
        expectSame(inputs, session.runBatch(inputs), want, rel);
      } finally {
        session.close();
      }
      chains += inputs.length;
    }
    expect(chains).toBeGreaterThan(50);
  });
});

/** A program that reads wherever its arguments say: offsets and sizes straight from the caller. */
const wildProgram = (block: number, maxChain: number): string => `
storage fn wild(a: u64, sa: u32, b: u64, sb: u32) -> u64 block ${block} max_chain ${maxChain} {
    if chain.hop == 0 { resubmit a, sa; }
    if chain.hop == 1 { resubmit b, sb; }
    return (u64le at 0) + (block.len as u64) * 1000000;
}`;

describe.skipIf(noBpf !== undefined)("wild offsets never read outside the file", () => {
  it("fuzzed offsets and sizes: kernel chains = sim, and nothing outside the mapping is copied", () => {
    const fdsBefore = bpfFds().length;
    const programs: [number, number][] = [];
    for (const block of [64, 512, 4096])
      for (const max of [1, 2, 3, 4]) programs.push([block, max]);
    for (const [block, maxChain] of programs) {
      const artifact = compile(wildProgram(block, maxChain), `wild-${block}-${maxChain}.ioc`);
      // A file whose size is not a multiple of the page: the mapping's last page runs past it.
      const size = 3 * 4096 + 1000;
      const data = path.join(tmp, `wild-${block}.db`);
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 9)) & 0xff;
      writeFileSync(data, bytes);
      const sim = SimSession.open(artifact, { data });
      const session = KernelChainSession.open(artifact, { data, batch: 16 });
      try {
        const offset = fc.oneof(
          fc.constantFrom(
            0n,
            BigInt(size),
            BigInt(size - 1),
            BigInt(size - 512),
            4096n * 3n,
            4096n * 4n,
          ),
          fc.bigInt({ min: 0n, max: BigInt(size) + 8192n }).map((o) => o - (o % 512n)),
          fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        );
        const sz = fc.oneof(
          fc.constantFrom(0, 1, 512, block, block + 1, 4096),
          fc.integer({ min: 0, max: 0xffffffff }),
        );
        fc.assert(
          fc.property(
            fc.array(fc.record({ a: offset, sa: sz, b: offset, sb: sz }), {
              minLength: 1,
              maxLength: 40,
            }),
            (inputs) => {
              const want = inputs.map((a) => sim.run(a));
              const got = session.runBatch(inputs);
              expectSame(inputs, got, want, `block ${block}, max_chain ${maxChain}`);
            },
          ),
          { numRuns: 40, seed: block * 10 + maxChain },
        );
      } finally {
        session.close();
        sim.close();
      }
    }
    expect(bpfFds().length).toBe(fdsBefore);
  });
});

describe.skipIf(noBpf !== undefined)("a file changed under a session", () => {
  const artifact = compileRel("examples/bptree/lookup.ioc");
  const setup = (name: string) => {
    const data = path.join(tmp, name);
    const tree = writeBptree(data, { seed: 5, keys: 20000, depth: 4 });
    const rng = new Rng(9);
    const inputs: Args[] = Array.from({ length: 2000 }, (_, i) => ({
      key: i % 2 ? tree.keys[rng.below(tree.keys.length)] : rng.u64(),
    }));
    const want = inputs.map((a) => {
      const r = lookupBptree(tree.bytes, a.key as bigint);
      return "value" in r ? r.value : null;
    });
    return { data, tree, inputs, want };
  };

  it("truncated between batches: the session maps it again and answers as the sim on the new file", () => {
    const { data, tree, inputs } = setup("truncated.db");
    const session = KernelChainSession.open(artifact, { data });
    try {
      session.runBatch(inputs.slice(0, 10)); // mapped, loaded, warm
      truncateSync(data, Math.floor(tree.bytes.length / 3));
      const got = session.runBatch(inputs);
      const sim = SimSession.open(artifact, { data });
      const want = inputs.map((a) => sim.run(a));
      sim.close();
      expectSame(inputs, got, want, "truncated to a third");
      expect(got.some((r) => r.error === "out_of_file")).toBe(true);
    } finally {
      session.close();
    }
  });

  it("truncated under the mapping, unnoticed: the chain program's copy faults (read_fault), never reads zeros past the end", () => {
    const { data, tree, inputs, want } = setup("truncated-unnoticed.db");
    const mapping = FileMapping.open(data);
    // The runtime checks the file after each batch (and runs it again); here that check is off,
    // so what the chain program itself does with a file cut under its mapping is seen.
    mapping.changed = () => false;
    const target = KernelChainTarget.create(artifact, { batch: 64 });
    try {
      // Cut at a page boundary: the pages past it fault. (Inside a page, the kernel keeps the
      // page and its tail reads as zeros: the per-batch check above is what catches that.)
      truncateSync(data, 4096 * Math.floor(tree.bytes.length / 3 / 4096));
      const got = target.runChains(mapping, inputs);
      let faults = 0;
      got.forEach((r, i) => {
        if (r.error === "read_fault") faults++;
        else if (want[i] === null) expect(r.error, `key ${inputs[i].key}`).toBe("not_found");
        else
          expect(
            Buffer.from(r.value as Uint8Array).equals(Buffer.from(want[i]!)),
            `key ${inputs[i].key}`,
          ).toBe(true);
      });
      expect(faults).toBeGreaterThan(0);
      console.log(
        `file cut to a third under an unchecked mapping: ${faults} of ${got.length} chains ended with read_fault, the rest answered as before`,
      );
    } finally {
      target.close();
      mapping.close();
    }
  });

  it("replaced by a rename: the mapping keeps the file it mapped, answers are unchanged", () => {
    const { data, inputs, want } = setup("replaced.db");
    const session = KernelChainSession.open(artifact, { data });
    try {
      const other = path.join(tmp, "replacement.db");
      writeBptree(other, { seed: 6, keys: 500, depth: 2 });
      renameSync(other, data);
      const got = session.runBatch(inputs);
      got.forEach((r, i) => {
        if (want[i] === null) expect(r.error).toBe("not_found");
        else expect(Buffer.from(r.value as Uint8Array).equals(Buffer.from(want[i]!))).toBe(true);
      });
    } finally {
      session.close();
    }
  });
});

describe.skipIf(noBpf !== undefined)("packed results", () => {
  it("runPacked gives each chain's status, error, hops and value as runBatch does", async () => {
    const artifact = compileRel("examples/bptree/lookup.ioc");
    const data = path.join(tmp, "packed.db");
    const tree = writeBptree(data, { seed: 7, keys: 5000, depth: 3 });
    const rng = new Rng(3);
    const keys = Array.from({ length: 700 }, (_, i) =>
      i % 2 ? tree.keys[rng.below(tree.keys.length)] : rng.u64(),
    );
    truncateSync(data, tree.bytes.length - 700); // some values past the end: out_of_file
    const slots = new Uint8Array(keys.length * 8);
    keys.forEach((k, i) => new DataView(slots.buffer).setBigUint64(i * 8, k, true));
    const session = KernelChainSession.open(artifact, { data, batch: 64 });
    try {
      const want = session.runBatch(keys.map((key) => ({ key })));
      const got = session.runPacked(slots, keys.length);
      const errors = new Set<string>();
      want.forEach((w, i) => {
        expect(got.status[i], `key ${keys[i]}`).toBe(w.status === "done" ? 1 : 2);
        expect(got.errorCode[i]).toBe(w.errorCode);
        expect(got.hops[i]).toBe(w.hops);
        if (w.error) errors.add(w.error);
        const value = got.bytes.subarray(i * got.width, i * got.width + got.bytesLength[i]);
        expect(Buffer.from(value).toString("hex")).toBe(
          w.value instanceof Uint8Array ? Buffer.from(w.value).toString("hex") : "",
        );
      });
      expect([...errors].sort()).toEqual(["not_found", "out_of_file"]);
      // The same on 3 threads, the buffers coming back transferred.
      const threaded = await runThreadedPacked(
        artifact,
        { target: "linux", data },
        slots,
        keys.length,
        3,
      );
      for (const field of ["status", "errorCode", "hops", "bytes", "bytesLength"] as const)
        expect(
          Buffer.from(threaded.results[field].buffer).equals(Buffer.from(got[field].buffer)),
          field,
        ).toBe(true);
    } finally {
      session.close();
    }
  });
});
