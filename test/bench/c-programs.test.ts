// The hand-written C storage functions the benchmarks compare iochain with (bench/c/*.c): they
// build with clang-19, libbpf loads them, and in the kernel they answer every chain exactly as the
// examples' references do. Where the object needs no loader beyond map_value references, our VM
// runs clang's bytecode too, and agrees. The extents build translates and checks every resubmit as
// iochain's programs do: over fragmented extent tables (holes, extents that end inside a block, a
// table shorter than the file) and misaligned pointers it fails or succeeds exactly as the
// example's compiled .ioc does, on the sim and in the kernel.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Ctx, errorName, type ProgramArtifact, Status } from "../../src/abi/artifact.js";
import { readElfFile } from "../../src/bpf/elf/reader.js";
import { ExtentDevice, MemoryBlockSource } from "../../src/runtime/block-source.js";
import { type ChainResult, type StepTarget, runChain } from "../../src/runtime/driver.js";
import { identityExtents } from "../../src/runtime/extents.js";
import {
  type Extent,
  type ExtentTable,
  encodeExtentTable,
  extentTableBytes,
} from "../../src/abi/extents.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { SimTarget } from "../../src/runtime/sim/target.js";
import { compileExample } from "../../examples/common/harness.js";
import { Rng } from "../../src/datagen/rng.js";
import {
  C_EXTENT_CAPACITY,
  C_PROGRAMS,
  C_VARIANTS,
  CLANG,
  cAbiArtifact,
  cArtifact,
  compileC,
  countInsns,
  EXTENTS_SECTION,
} from "../../bench/c-programs.js";
import { KernelTarget, loadWithLibbpf, measureKernel } from "../../bench/kernel.js";
import { EXAMPLES, type ExampleName, type Workload, workload } from "../../bench/workloads.js";

const runs = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;
const noClang = runs(CLANG, ["--version"]) ? undefined : `${CLANG} is not installed`;
const bpf = bpfAvailable();
const noKernel =
  noClang ??
  (!bpf.ok ? bpf.reason : runs("bpftool", ["version"]) ? undefined : "bpftool is not installed");
if (noClang) console.warn(`skipping bench/c tests: ${noClang}`);
else if (noKernel) console.warn(`skipping bench/c kernel tests: ${noKernel}`);

const SECTOR = 512n;
const SIM_EXAMPLES = ["bptree", "range", "slotted"] as const; // sstable needs bpf_loop: libbpf only
const CHAINS = 300;

/**
 * A file scattered over a device: extents of whole sectors (so a 4 KiB block may straddle two),
 * holes between some, placed on the device in shuffled order with gaps. `cut` ends the table
 * before the end of the file (reads past it: out_of_file).
 */
function scattered(fileSize: number, seed: number, cut = 1): ExtentTable {
  const rng = new Rng(seed);
  const sectors = BigInt(Math.ceil((fileSize * cut) / 512));
  const mean = sectors / 160n + 1n;
  const extents: Extent[] = [];
  let at = 0n;
  while (at < sectors && extents.length < C_EXTENT_CAPACITY) {
    // The first extent holds a whole 4 KiB block: the chain's first read never fails.
    const length = BigInt((extents.length === 0 ? 8 : 1) + rng.below(Number(2n * mean)));
    const end = at + length < sectors ? at + length : sectors;
    extents.push({ fileOffset: at * SECTOR, length: (end - at) * SECTOR, devAddr: 0n });
    at = end + (rng.below(4) === 0 ? BigInt(1 + rng.below(3)) : 0n); // a hole now and then
  }
  const last = extents[extents.length - 1];
  if (cut === 1 && last.fileOffset + last.length < BigInt(fileSize))
    last.length = BigInt(fileSize) - last.fileOffset; // the table covers the file's end
  const order = extents.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  let dev = 1n << 30n;
  for (const i of order) {
    extents[i].devAddr = dev;
    dev += extents[i].length + BigInt(rng.below(8)) * SECTOR;
  }
  return { generation: 7n, extents };
}

/** Everything a chain's caller sees, in one comparable string. */
function outcome(r: ChainResult): string {
  const value = r.value instanceof Uint8Array ? Buffer.from(r.value).toString("hex") : r.value;
  return JSON.stringify(
    {
      status: r.status,
      error: r.error,
      value,
      rows: r.rows,
      aggregates: r.aggregates,
      hops: r.hops,
      suspensions: r.suspensions,
      reads: r.reads,
    },
    (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
  );
}

/** The bptree file with the root's child pointers moved 8 bytes: every descent is misaligned. */
function misalignedRoot(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const num = Number(view.getBigUint64(0, true));
  for (let i = 0; i < num; i++) {
    const at = 16 + 31 * 8 + i * 8;
    view.setBigUint64(at, view.getBigUint64(at, true) + 8n, true);
  }
  return copy;
}

interface Case {
  label: string;
  bytes: Uint8Array;
  /** The extents map's table. */
  table: ExtentTable;
  /** The device's layout, when it is not `table`: another generation, so the driver reads the file. */
  layout?: ExtentTable;
}

function cases(w: Workload): Case[] {
  const size = w.bytes.length;
  const list: Case[] = [
    { label: "one extent", bytes: w.bytes, table: identityExtents(BigInt(size), 7n) },
    { label: "scattered, with holes", bytes: w.bytes, table: scattered(size, 11) },
    { label: "a table shorter than the file", bytes: w.bytes, table: scattered(size, 12, 0.8) },
    {
      // The driver does not translate with a table of another generation; the program still does.
      label: "a stale table that maps nothing below 8 KiB",
      bytes: w.bytes,
      table: {
        generation: 7n,
        extents: scattered(size, 14).extents.filter((e) => e.fileOffset >= 8192n),
      },
      layout: identityExtents(BigInt(size), 8n),
    },
    {
      label: "an empty table (no known layout: device address = file offset)",
      bytes: w.bytes,
      table: { generation: 7n, extents: [] },
      layout: identityExtents(BigInt(size), 8n),
    },
  ];
  if (w.name === "bptree" || w.name === "range")
    list.push({
      label: "misaligned child pointers",
      bytes: misalignedRoot(w.bytes),
      table: scattered(size, 13),
    });
  return list;
}

/**
 * What the program itself said at each step (the driver would catch a bad read too, so the chain's
 * outcome alone cannot tell whether the program checked): RESUBMIT with the next read and its
 * device address, or FAILED with the error.
 */
class RecordingTarget implements StepTarget {
  readonly steps: string[] = [];
  constructor(
    private readonly inner: StepTarget,
    private readonly artifact: ProgramArtifact,
  ) {}
  blockBuffer(): Uint8Array {
    return this.inner.blockBuffer();
  }
  scratch(): Uint8Array {
    return this.inner.scratch();
  }
  runStep(ctx: Uint8Array): void {
    this.inner.runStep(ctx);
    const view = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
    const status = view.getUint32(Ctx.status, true);
    if (status === Status.RESUBMIT)
      this.steps.push(
        `resubmit ${view.getBigUint64(Ctx.nextOffset, true)}+${view.getUint32(Ctx.nextSize, true)} @ ${view.getBigUint64(Ctx.nextDev, true)}`,
      );
    else if (status === Status.FAILED)
      this.steps.push(`failed ${errorName(this.artifact, view.getUint32(Ctx.error, true))}`);
    else this.steps.push(`status ${status}`);
  }
  close(): void {}
}

/** Runs `w`'s chains over one case: each chain's outcome and the program's steps. */
function runCase(artifact: ProgramArtifact, target: StepTarget, w: Workload, c: Case): string[] {
  const source = new MemoryBlockSource(c.bytes);
  const extents = { map: c.table, device: new ExtentDevice(source, c.layout ?? c.table) };
  return w.chains.map((args) => {
    const recorder = new RecordingTarget(target, artifact);
    const r = runChain(artifact, recorder, source, { args, extents });
    return `${outcome(r)} ${recorder.steps.join(", ")}`;
  });
}

const extentsBytes = (table: ExtentTable) =>
  encodeExtentTable(table, extentTableBytes(C_EXTENT_CAPACITY));

describe.skipIf(noClang !== undefined)("bench/c: hand-written C storage functions", () => {
  const out = mkdtempSync(join(tmpdir(), "iochain-test-bench-c-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  for (const { name } of EXAMPLES) {
    for (const variant of C_VARIANTS) {
      it.skipIf(noKernel !== undefined)(
        `${name}.c (${variant}), loaded by libbpf, answers as the reference does`,
        () => {
          const w = workload(name, CHAINS);
          const extents =
            variant === "extents"
              ? extentsBytes(identityExtents(BigInt(w.bytes.length)))
              : undefined;
          const k = loadWithLibbpf(compileC(name, out, variant), C_PROGRAMS[name].fn, { extents });
          try {
            // measureKernel throws on the first answer that differs from the reference; with an
            // extents map it gives the driver the table, which then checks every ctx.next_dev.
            const stats = measureKernel(k, cAbiArtifact(name, variant), w);
            expect(stats.steps).toBeGreaterThanOrEqual(CHAINS);
            expect(stats.verifiedInsns).toBeGreaterThan(0);
          } finally {
            k.close();
          }
        },
      );
    }
  }

  for (const name of SIM_EXAMPLES) {
    for (const variant of C_VARIANTS) {
      it(`${name}.c (${variant}) runs on the sim target (clang's bytecode in our VM) with the reference's answers`, () => {
        const artifact = cArtifact(name, compileC(name, out, variant));
        expect(artifact.maps.map((m) => m.name)).toEqual(
          variant === "extents" ? ["block", "scratch", "extents"] : ["block", "scratch"],
        );
        const w = workload(name, CHAINS);
        const source = new MemoryBlockSource(w.bytes);
        const table = identityExtents(source.size);
        const target = SimTarget.create(artifact, { extentsInit: extentsBytes(table) });
        const extents =
          variant === "extents"
            ? { map: table, device: new ExtentDevice(source, table) }
            : undefined;
        try {
          for (const args of w.chains) {
            const r = runChain(artifact, target, source, { args, extents });
            expect(w.answer(r)).toBe(w.expected(args));
            if (extents) expect(r.reads.file).toBe(0); // every read went to the device
          }
        } finally {
          target.close();
        }
      });
    }
  }

  it("the extents build has iochain's extents map; the plain build has none", () => {
    for (const { name } of EXAMPLES) {
      const withExtents = readElfFile(compileC(name, out, "extents"));
      const plain = readElfFile(compileC(name, out, "plain"));
      const section = withExtents.sections.find((s) => s.name === EXTENTS_SECTION);
      expect(section?.size).toBe(extentTableBytes(C_EXTENT_CAPACITY));
      expect(plain.sections.some((s) => s.name === EXTENTS_SECTION)).toBe(false);
      expect(countInsns(withExtents)).toBeGreaterThan(countInsns(plain));
    }
  });

  describe("extent translation: C and iochain agree", () => {
    const iochain = new Map<ExampleName, ProgramArtifact>();
    const compiled = (name: ExampleName): ProgramArtifact => {
      let a = iochain.get(name);
      if (!a) {
        const program = EXAMPLES.find((e) => e.name === name)!.program;
        iochain.set(name, (a = compileExample(name, program)));
      }
      return a!;
    };
    /** iochain's outcomes on the sim, per case. */
    const expected = (name: ExampleName, c: Case): string[] => {
      const artifact = compiled(name);
      const target = SimTarget.create(artifact, { extentsInit: extentsBytes(c.table) });
      try {
        return runCase(artifact, target, workload(name, CHAINS), c);
      } finally {
        target.close();
      }
    };
    // The errors the programs themselves raised (not the driver), over every case.
    const raised = new Set<string>();
    const note = (outcomes: string[]) => {
      for (const o of outcomes) for (const m of o.matchAll(/failed (\w+)/g)) raised.add(m[1]);
    };

    for (const name of SIM_EXAMPLES) {
      it(`${name}.c on the sim fails and succeeds as ${name}'s .ioc does`, () => {
        const artifact = cArtifact(name, compileC(name, out, "extents"));
        const w = workload(name, CHAINS);
        for (const c of cases(w)) {
          const want = expected(name, c);
          note(want);
          const target = SimTarget.create(artifact, { extentsInit: extentsBytes(c.table) });
          try {
            expect(runCase(artifact, target, w, c), `${name}: ${c.label}`).toEqual(want);
          } finally {
            target.close();
          }
        }
      });
    }

    for (const { name } of EXAMPLES) {
      it.skipIf(noKernel !== undefined)(
        `${name}.c in the kernel (libbpf, table frozen) fails and succeeds as ${name}'s .ioc does`,
        () => {
          const object = compileC(name, out, "extents");
          const w = workload(name, CHAINS);
          for (const c of cases(w)) {
            const want = expected(name, c);
            note(want);
            const k = loadWithLibbpf(object, C_PROGRAMS[name].fn, {
              extents: extentsBytes(c.table),
            });
            const target = new KernelTarget(k);
            try {
              const got = runCase(cAbiArtifact(name), target, w, c);
              expect(got, `${name}: ${c.label}`).toEqual(want);
            } finally {
              target.close();
              k.close();
            }
          }
        },
      );
    }

    it.skipIf(noKernel !== undefined)("the cases reach every check a resubmit makes", () => {
      // Filled by the tests above (vitest runs a file's tests in order).
      expect([...raised].sort()).toEqual(
        expect.arrayContaining(["crosses_extent", "misaligned", "out_of_file", "unmapped"]),
      );
    });
  });

  it("an object with a bpf_loop callback is left to libbpf", () => {
    expect(() => cArtifact("sstable", compileC("sstable", out))).toThrow(
      /needs a full loader: use libbpf/,
    );
  });
});
