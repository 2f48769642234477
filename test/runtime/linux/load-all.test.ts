// Every program we ship or test the compiler with loads in this kernel as an ELF object: each
// example and each compiler fixture (test/compiler/fixtures/*.ioc) that is a complete storage
// function is compiled for linux, written by writeElf, and loaded both by our loader
// (elf-load.ts) and by libbpf (`bpftool prog loadall`), which must hand the kernel the same
// program (same tag). Through our loader each also runs chains on real data — the fixture's own
// file and runs, or a generated file for an example — and answers exactly as the sim target does.
// A table of the programs, their sizes and the verifier's work is printed at the end.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateBptree } from "../../../src/datagen/bptree.js";
import { generateSlotted } from "../../../examples/slotted/gen.js";
import { generateSstable } from "../../../examples/sstable/gen.js";
import { writeElf } from "../../../src/object/writer.js";
import { slotOffsets } from "../../../src/bpf/insn.js";
import type { ProgramArtifact } from "../../../src/abi/artifact.js";
import { compile } from "../../../src/compiler/pipeline.js";
import type { ArgValue } from "../../../src/runtime/args.js";
import { MemoryBlockSource } from "../../../src/runtime/block-source.js";
import { type StepTarget, runChain } from "../../../src/runtime/driver.js";
import { ObjectTarget } from "../../../src/runtime/linux/object-target.js";
import { resultToJson } from "../../../src/runtime/result-json.js";
import { SimTarget } from "../../../src/runtime/sim/target.js";
import { makePinDir, type PinDir } from "../../object/bpffs.js";
import { hasTool } from "../../bpf/support/tools.js";
import { parseFixture } from "../../compiler/fixture-format.js";
import { repoRoot } from "../../support/cli.js";
import { bpfFds, noBpf } from "./kernel-fixtures.js";

const skip = noBpf ?? (hasTool("bpftool") ? undefined : "bpftool not installed");
if (skip)
  console.warn(`skipping load-all (every example and compiler fixture in the kernel): ${skip}`);

interface Chain {
  args: Record<string, ArgValue>;
  /** What the fixture says the result must contain (its `//! run` line), if anything. */
  expect?: Record<string, unknown>;
  where: string;
}

interface Program {
  /** Repository-relative path of the .ioc. */
  rel: string;
  data: () => Uint8Array;
  chains: () => Chain[];
}

// The examples, each with a generated file and a chain that finds something.
const EXAMPLE_DATA: Record<string, () => { bytes: Uint8Array; args: Record<string, ArgValue> }> = {
  "examples/bptree/lookup.ioc": () => {
    const t = generateBptree({ seed: 1, keys: 3000, depth: 3 });
    return { bytes: t.bytes, args: { key: t.keys[1234] } };
  },
  "examples/range/scan.ioc": () => {
    const t = generateBptree({ seed: 2, keys: 3000, depth: 3 });
    return { bytes: t.bytes, args: { lo: t.keys[100], hi: t.keys[900] } };
  },
  "examples/sstable/lookup.ioc": () => {
    const t = generateSstable({ seed: 3, keys: 5000 });
    return { bytes: t.bytes, args: { key: t.keys[4321] } };
  },
  "examples/slotted/lookup.ioc": () => {
    const t = generateSlotted({ seed: 4, keys: 3000, depth: 3 });
    return { bytes: t.bytes, args: { rowid: t.keys[777] } };
  },
};

/** Why a fixture is not meant to load as a whole program, or undefined when it is. */
function notLoadable(source: string): string | undefined {
  if (!/^\s*storage\s+fn\b/m.test(source)) return "no storage fn: not a complete program";
  const marked = source
    .split("\n")
    .find(
      (l) => /^\s*\/\/(?!!)/.test(l) && /not meant to load|does not load|verifier rejects/i.test(l),
    );
  return marked ? `marked: ${marked.trim()}` : undefined;
}

const examples: Program[] = readdirSync(path.join(repoRoot, "examples"))
  .flatMap((dir) =>
    readdirSync(path.join(repoRoot, "examples", dir))
      .filter((f) => f.endsWith(".ioc"))
      .map((f) => `examples/${dir}/${f}`),
  )
  .sort()
  .map((rel) => {
    const gen = EXAMPLE_DATA[rel];
    let made: ReturnType<typeof gen> | undefined;
    const get = () => (made ??= gen());
    return {
      rel,
      data: () => (gen ? get().bytes : new Uint8Array(0)),
      chains: () => (gen ? [{ args: get().args, expect: { status: "done" }, where: rel }] : []),
    };
  });

const skipped: { rel: string; reason: string }[] = [];
const fixtures: Program[] = readdirSync(path.join(repoRoot, "test/compiler/fixtures"))
  .filter((f) => f.endsWith(".ioc"))
  .sort()
  .flatMap((f) => {
    const rel = `test/compiler/fixtures/${f}`;
    const source = readFileSync(path.join(repoRoot, rel), "utf8");
    const reason = notLoadable(source);
    if (reason) {
      skipped.push({ rel, reason });
      return [];
    }
    const fixture = parseFixture(source, rel);
    return [
      {
        rel,
        data: () => fixture.data,
        chains: () =>
          fixture.runs.map((r) => ({ args: r.args, expect: r.expect, where: `${rel}:${r.line}` })),
      },
    ];
  });

const readSource = (file: string): string | undefined => {
  try {
    return readFileSync(path.resolve(repoRoot, file), "utf8");
  } catch {
    return undefined;
  }
};

interface Row {
  program: string;
  insns: number | string;
  verified: number | string;
  ours: string;
  bpftool: string;
  sameTag: string;
  chains: number | string;
}

function printTable(rows: Row[]): void {
  const head: Row = {
    program: "program",
    insns: "insns",
    verified: "verified (ours)",
    ours: "our loader",
    bpftool: "bpftool loadall",
    sameTag: "same tag",
    chains: "chains = sim",
  };
  const cells = (r: Row) => [
    r.program,
    String(r.insns),
    String(r.verified),
    r.ours,
    r.bpftool,
    r.sameTag,
    String(r.chains),
  ];
  const all = [head, ...rows].map(cells);
  const widths = all[0].map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
  const ok = rows.filter((r) => r.ours === "ok" && r.bpftool === "ok").length;
  console.log(
    [
      `${rows.length} programs as ELF objects, ${ok} loaded by both loaders:`,
      line(all[0]),
      ...all.slice(1).map(line),
      skipped.length === 0
        ? "not loaded (marked as not meant to load): none"
        : `not loaded (marked as not meant to load):\n${skipped.map((s) => `  ${s.rel}: ${s.reason}`).join("\n")}`,
    ].join("\n"),
  );
}

/** The chains on the target, as result JSON plus the scratch bytes left behind. */
function runAll(artifact: ProgramArtifact, target: StepTarget, data: Uint8Array, chains: Chain[]) {
  try {
    return chains.map((c) => ({
      ...resultToJson(runChain(artifact, target, new MemoryBlockSource(data), { args: c.args })),
      scratch: Buffer.from(target.scratch()).toString("hex"),
    }));
  } finally {
    target.close();
  }
}

const firstLines = (text: string, n: number) => text.trim().split("\n").slice(-n).join(" | ");

describe.skipIf(skip !== undefined)(
  "every example and compiler fixture loads in the kernel",
  () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "iochain-load-all-"));
    const fdsBefore = bpfFds();
    let pins: PinDir | undefined;
    const rows: Row[] = [];
    afterAll(() => {
      try {
        pins?.cleanup();
        rmSync(tmp, { recursive: true, force: true });
      } finally {
        printTable(rows);
      }
      expect(bpfFds()).toEqual(fdsBefore);
    });

    it("has the programs to load", () => {
      expect(examples.length).toBeGreaterThanOrEqual(4);
      expect(fixtures.length + skipped.length).toBeGreaterThanOrEqual(71);
    });

    for (const p of [...examples, ...fixtures]) {
      it(`${p.rel}: our loader and bpftool load it; chains answer as on the sim`, () => {
        const source = readFileSync(path.join(repoRoot, p.rel), "utf8");
        const row: Row = {
          program: p.rel,
          insns: "-",
          verified: "-",
          ours: "not tried",
          bpftool: "not tried",
          sameTag: "-",
          chains: 0,
        };
        rows.push(row);
        const artifact = compile(source, p.rel);
        row.insns = slotOffsets(artifact.insns).at(-1)!;
        const bytes = writeElf(artifact, { target: "linux", sourceText: source, readSource });
        const name = p.rel.replace(/\.ioc$/, "").replace(/[^A-Za-z0-9_-]/g, "_");
        const object = path.join(tmp, `${name}.o`);
        writeFileSync(object, bytes);
        const failures: string[] = [];

        // Our loader, then chains through it against the sim target.
        let ourTag: string | undefined;
        try {
          const chains = p.chains();
          const data = p.data();
          const target = ObjectTarget.load(object);
          const info = target.loaded.program.info();
          ourTag = info.tag;
          row.verified = target.loaded.stats?.processedInsns ?? info.verifiedInsns;
          row.ours = "ok";
          row.chains = "FAILED";
          const kernel = runAll(artifact, target, data, chains);
          expect(info.verifiedInsns).toBe(row.verified);
          const sim = runAll(artifact, SimTarget.create(artifact), data, chains);
          chains.forEach((c, k) => {
            expect(kernel[k], c.where).toEqual(sim[k]);
            if (c.expect) expect(kernel[k], c.where).toMatchObject(c.expect);
          });
          row.chains = chains.length;
        } catch (err) {
          if (row.ours !== "ok") row.ours = "FAILED";
          failures.push(`our loader: ${(err as Error).message}`);
        }

        // libbpf, through bpftool; the pins are removed at once (and all of them in afterAll).
        pins ??= makePinDir("load-all");
        const dir = path.join(pins.root, name);
        try {
          const load = spawnSync("bpftool", ["prog", "loadall", object, dir], { encoding: "utf8" });
          if (load.status !== 0) {
            row.bpftool = "FAILED";
            failures.push(`bpftool prog loadall: ${firstLines(load.stderr, 6)}`);
          } else {
            row.bpftool = "ok";
            const show = spawnSync(
              "bpftool",
              ["-j", "prog", "show", "pinned", path.join(dir, artifact.name)],
              { encoding: "utf8" },
            );
            const theirs = JSON.parse(show.stdout) as { tag: string };
            if (ourTag) {
              row.sameTag = theirs.tag === ourTag ? "yes" : `NO (${theirs.tag})`;
              if (theirs.tag !== ourTag)
                failures.push(`tags differ: ours ${ourTag}, libbpf's ${theirs.tag}`);
            }
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        expect(failures, p.rel).toEqual([]);
      });
    }
  },
);
