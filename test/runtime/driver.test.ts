// The chain loop's own logic, driven by a fake StepTarget written here in TypeScript: status
// handling, suspension and resume, the chain length limit, the driver's read checks, extents.
import { describe, expect, it } from "vitest";
import { Ctx, Status, type ProgramArtifact } from "../../src/abi/artifact.js";
import { IochainError } from "../../src/diagnostics.js";
import {
  ExtentDevice,
  FileBlockSource,
  MemoryBlockSource,
} from "../../src/runtime/block-source.js";
import { type StepTarget, runChain } from "../../src/runtime/driver.js";
import type { ExtentTable } from "../../src/abi/extents.js";
import { makeArtifact } from "./fixtures.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { testTempDir } from "../support/tmp.js";

type Step = (c: DataView, block: Uint8Array, scratch: DataView) => void;

class FakeTarget implements StepTarget {
  readonly block: Uint8Array;
  readonly scratchBytes: Uint8Array;
  readonly seen: { offset: bigint; size: number; hop: number; resume: number; first: number }[] =
    [];
  closed = false;
  constructor(
    artifact: ProgramArtifact,
    private readonly step: Step,
  ) {
    this.block = new Uint8Array(artifact.blockSize);
    this.scratchBytes = new Uint8Array(artifact.maps[1].valueSize).fill(0xee);
  }
  blockBuffer(): Uint8Array {
    return this.block;
  }
  scratch(): Uint8Array {
    return this.scratchBytes;
  }
  runStep(ctx: Uint8Array): void {
    const c = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
    this.seen.push({
      offset: c.getBigUint64(Ctx.offset, true),
      size: c.getUint32(Ctx.size, true),
      hop: c.getUint32(Ctx.hop, true),
      resume: c.getUint32(Ctx.resume, true),
      first: this.block[0],
    });
    this.step(c, this.block, new DataView(this.scratchBytes.buffer));
  }
  close(): void {
    this.closed = true;
  }
}

/** A file of `blocks` 512-byte blocks; block i is filled with byte i+1. */
function fileOf(blocks: number, tail = 0): Uint8Array {
  const bytes = new Uint8Array(blocks * 512 + tail);
  for (let i = 0; i * 512 < bytes.length; i++)
    bytes.fill(i + 1, i * 512, Math.min(bytes.length, (i + 1) * 512));
  return bytes;
}

const resubmit = (c: DataView, offset: bigint, size = 512): void => {
  c.setUint32(Ctx.status, Status.RESUBMIT, true);
  c.setBigUint64(Ctx.nextOffset, offset, true);
  c.setUint32(Ctx.nextSize, size, true);
};
const done = (c: DataView, value: bigint): void => {
  c.setUint32(Ctx.status, Status.DONE, true);
  c.setBigUint64(Ctx.value, value, true);
};
const fail = (c: DataView, code: number): void => {
  c.setUint32(Ctx.status, Status.FAILED, true);
  c.setUint32(Ctx.error, code, true);
};

function expectCode(f: () => unknown, code: string): void {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(IochainError);
    expect((err as IochainError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe("runChain: the resubmit loop", () => {
  it("follows next_offset, fills ctx per step, and returns the scalar at DONE", () => {
    const art = makeArtifact({ start: 512n });
    // Walk blocks 1 → 3 → 0, then return the sum of the first bytes seen.
    const t = new FakeTarget(art, (c, block, s) => {
      s.setBigUint64(0, s.getBigUint64(0, true) + BigInt(block[0]), true);
      const hop = c.getUint32(Ctx.hop, true);
      if (hop === 0) resubmit(c, 1536n);
      else if (hop === 1) resubmit(c, 0n);
      else done(c, s.getBigUint64(0, true));
    });
    const r = runChain(art, t, new MemoryBlockSource(fileOf(4)));
    expect(r).toMatchObject({
      status: "done",
      value: 2n + 4n + 1n,
      error: null,
      hops: 3,
      steps: 3,
    });
    expect(t.seen.map((s) => [s.offset, s.size, s.hop, s.resume, s.first])).toEqual([
      [512n, 512, 0, 0, 2],
      [1536n, 512, 1, 0, 4],
      [0n, 512, 2, 0, 1],
    ]);
    expect(r.reads).toEqual({ device: 0, file: 3 });
  });

  it("zeroes scratch at chain start (it persists across steps, shown above)", () => {
    const art = makeArtifact();
    const t = new FakeTarget(art, (c, _b, s) => done(c, s.getBigUint64(8, true)));
    expect(runChain(art, t, new MemoryBlockSource(fileOf(1))).value).toBe(0n);
    expect(t.scratchBytes.every((b) => b === 0)).toBe(true);
  });

  it("zero-fills a short read at end of file and reports the real size", () => {
    const art = makeArtifact();
    let tail: number[] = [];
    const t = new FakeTarget(art, (c, block) => {
      if (c.getUint32(Ctx.hop, true) === 0) return resubmit(c, 512n);
      tail = [block[99], block[100], block[511]];
      done(c, BigInt(c.getUint32(Ctx.size, true)));
    });
    const r = runChain(art, t, new MemoryBlockSource(fileOf(1, 100)));
    expect(r.value).toBe(100n);
    expect(tail).toEqual([2, 0, 0]);
  });

  it("reads next_size bytes when smaller than the block, the rest zero", () => {
    const art = makeArtifact();
    let seen: number[] = [];
    const t = new FakeTarget(art, (c, block) => {
      if (c.getUint32(Ctx.hop, true) === 0) return resubmit(c, 512n, 8);
      seen = [block[7], block[8], c.getUint32(Ctx.size, true)];
      done(c, 0n);
    });
    runChain(art, t, new MemoryBlockSource(fileOf(2)));
    expect(seen).toEqual([2, 0, 8]);
  });

  it("ends with chain_too_long when hop + 1 reaches the declared maximum", () => {
    const art = makeArtifact({ maxChain: 3 });
    const t = new FakeTarget(art, (c) => resubmit(c, 0n));
    const r = runChain(art, t, new MemoryBlockSource(fileOf(1)));
    expect(r).toMatchObject({ status: "failed", error: "chain_too_long", errorCode: 5, hops: 3 });
    // maxChain 1: a single block, the first resubmit is too long.
    const one = makeArtifact({ maxChain: 1 });
    expect(
      runChain(one, new FakeTarget(one, (c) => resubmit(c, 0n)), new MemoryBlockSource(fileOf(1))),
    ).toMatchObject({
      error: "chain_too_long",
      hops: 1,
    });
  });

  it("refuses reads outside the file itself (out_of_file), at the start and on resubmit", () => {
    const art = makeArtifact({ start: 1024n });
    const t = new FakeTarget(art, (c) => done(c, 1n));
    expect(runChain(art, t, new MemoryBlockSource(fileOf(2)))).toMatchObject({
      status: "failed",
      error: "out_of_file",
      hops: 0,
    });
    expect(t.seen).toHaveLength(0);

    const art2 = makeArtifact();
    const t2 = new FakeTarget(art2, (c) => resubmit(c, (1n << 64n) - 512n));
    expect(runChain(art2, t2, new MemoryBlockSource(fileOf(2)))).toMatchObject({
      error: "out_of_file",
      hops: 1,
    });
    expect(
      runChain(
        makeArtifact(),
        new FakeTarget(art2, () => {}),
        new MemoryBlockSource(new Uint8Array(0)),
      ),
    ).toMatchObject({
      error: "out_of_file",
    });
  });

  it("refuses a resubmit size of 0 or larger than the block (bad_size)", () => {
    const art = makeArtifact();
    for (const size of [0, 513]) {
      const t = new FakeTarget(art, (c) => resubmit(c, 0n, size));
      expect(runChain(art, t, new MemoryBlockSource(fileOf(2)))).toMatchObject({
        error: "bad_size",
        hops: 1,
      });
    }
  });

  it("names builtin and user errors", () => {
    const art = makeArtifact({ errors: [{ code: 16, name: "not_found" }] });
    expect(
      runChain(art, new FakeTarget(art, (c) => fail(c, 16)), new MemoryBlockSource(fileOf(1))),
    ).toMatchObject({
      status: "failed",
      error: "not_found",
      errorCode: 16,
      value: null,
    });
    expect(
      runChain(art, new FakeTarget(art, (c) => fail(c, 6)), new MemoryBlockSource(fileOf(1))).error,
    ).toBe("out_of_block");
    expect(
      runChain(art, new FakeTarget(art, (c) => fail(c, 99)), new MemoryBlockSource(fileOf(1)))
        .error,
    ).toBe("error_99");
  });

  it("returns byte results from scratch, value_len bytes long", () => {
    const art = makeArtifact({ result: { kind: "bytes", length: 8, offset: 64 } });
    const t = new FakeTarget(art, (c, block, s) => {
      for (let i = 0; i < 5; i++) s.setUint8(64 + i, block[0] + i);
      c.setUint32(Ctx.valueLen, 5, true);
      done(c, 0n);
    });
    const r = runChain(art, t, new MemoryBlockSource(fileOf(1)));
    expect(r.value).toEqual(Uint8Array.from([1, 2, 3, 4, 5]));
  });

  it("decodes scalar results by the declared type", () => {
    const cases: [ProgramArtifact["result"], bigint, unknown][] = [
      [{ kind: "scalar", type: "i32" }, 0xffff_ffff_ffff_fffen, -2],
      [{ kind: "scalar", type: "u16" }, 0x1_2345n, 0x2345],
      [{ kind: "scalar", type: "bool" }, 1n, true],
      [{ kind: "scalar", type: "i64" }, 0x8000_0000_0000_0000n, -(1n << 63n)],
      [{ kind: "none" }, 5n, null],
    ];
    for (const [result, slot, want] of cases) {
      const art = makeArtifact({ result });
      expect(
        runChain(art, new FakeTarget(art, (c) => done(c, slot)), new MemoryBlockSource(fileOf(1)))
          .value,
      ).toEqual(want);
    }
  });
});

describe("runChain: suspension", () => {
  // A scan: every block holds 5 records (its first byte, +1, ...); rows are (hop, x); the output
  // buffer holds 2 rows; state at scratch 0 = next record, 8 = count, 16 = sum.
  const art = makeArtifact({
    maxChain: 8,
    result: { kind: "none" },
    output: {
      offset: 64,
      rowSize: 16,
      capacity: 2,
      fields: [
        { name: "hop", type: "u32", offset: 0 },
        { name: "x", type: "u64", offset: 8 },
      ],
    },
    aggregates: [
      { name: "n", kind: "count", type: "u64", offset: 8 },
      { name: "total", kind: "sum", type: "u64", offset: 16 },
      { name: "mean", kind: "avg", type: "u64", offset: 16, countOffset: 8 },
    ],
  });
  const scan: Step = (c, block, s) => {
    const hop = c.getUint32(Ctx.hop, true);
    let rec = c.getUint32(Ctx.resume, true) ? Number(s.getBigUint64(0, true)) : 0;
    while (rec < 5) {
      const rows = c.getUint32(Ctx.rows, true);
      if (rows === 2) {
        s.setBigUint64(0, BigInt(rec), true);
        c.setUint32(Ctx.status, Status.SUSPENDED, true);
        return;
      }
      const x = BigInt(block[0] + rec);
      s.setUint32(64 + rows * 16, hop, true);
      s.setBigUint64(64 + rows * 16 + 8, x, true);
      c.setUint32(Ctx.rows, rows + 1, true);
      s.setBigUint64(8, s.getBigUint64(8, true) + 1n, true);
      s.setBigUint64(16, s.getBigUint64(16, true) + x, true);
      rec++;
    }
    if (hop < 2) resubmit(c, BigInt((hop + 1) * 512));
    else c.setUint32(Ctx.status, Status.DONE, true);
  };

  it("drains the rows, resumes on the same block, and loses nothing", () => {
    const t = new FakeTarget(art, scan);
    const r = runChain(art, t, new MemoryBlockSource(fileOf(3)));
    expect(r.status).toBe("done");
    const want = [0, 1, 2].flatMap((hop) =>
      [0, 1, 2, 3, 4].map((i) => ({ hop, x: BigInt(hop + 1 + i) })),
    );
    expect(r.rows).toEqual(want);
    expect(r.aggregates).toEqual({ n: 15n, total: 60n, mean: 4n });
    expect(r.hops).toBe(3);
    expect(r.suspensions).toBe(7);
    expect(r.steps).toBe(10);
    // A resumed step sees the same block with resume = 1; a new block comes with resume = 0.
    expect(t.seen.slice(0, 4).map((s) => [s.hop, s.resume, s.first])).toEqual([
      [0, 0, 1],
      [0, 1, 1],
      [0, 1, 1],
      [1, 0, 2],
    ]);
  });

  it("stops with status suspended when asked to, rows so far included", () => {
    const r = runChain(art, new FakeTarget(art, scan), new MemoryBlockSource(fileOf(3)), {
      maxSuspensions: 1,
    });
    expect(r.status).toBe("suspended");
    expect(r.rows.map((x) => x.x)).toEqual([1n, 2n, 3n, 4n]);
    expect(r.error).toBeNull();
  });

  it("takes the rows left at a failure too", () => {
    const a = { ...art, errors: [{ code: 16, name: "boom" }] };
    const t = new FakeTarget(a, (c, _b, s) => {
      s.setBigUint64(64 + 8, 7n, true);
      c.setUint32(Ctx.rows, 1, true);
      fail(c, 16);
    });
    expect(runChain(a, t, new MemoryBlockSource(fileOf(1)))).toMatchObject({
      status: "failed",
      error: "boom",
      rows: [{ hop: 0, x: 7n }],
    });
  });
});

describe("runChain: programs that break the ABI get E0931, not a hang or a crash", () => {
  const art = makeArtifact({ result: { kind: "bytes", length: 4, offset: 0 } });
  const cases: [string, Step][] = [
    ["no status", () => {}],
    ["status 7", (c) => c.setUint32(Ctx.status, 7, true)],
    ["suspended with no rows", (c) => c.setUint32(Ctx.status, Status.SUSPENDED, true)],
    ["value_len past the result", (c) => (c.setUint32(Ctx.valueLen, 5, true), done(c, 0n))],
    ["rows without an output buffer", (c) => (c.setUint32(Ctx.rows, 1, true), done(c, 0n))],
  ];
  for (const [what, step] of cases) {
    it(what, () =>
      expectCode(
        () => runChain(art, new FakeTarget(art, step), new MemoryBlockSource(fileOf(1))),
        "E0931",
      ),
    );
  }
  it("a chain that never leaves its block hits the step guard", () => {
    const scanArt = makeArtifact({
      output: {
        offset: 0,
        rowSize: 8,
        capacity: 1,
        fields: [{ name: "a", type: "u8", offset: 0 }],
      },
    });
    const forever: Step = (c) => (
      c.setUint32(Ctx.rows, 1, true),
      c.setUint32(Ctx.status, Status.SUSPENDED, true)
    );
    expectCode(
      () =>
        runChain(scanArt, new FakeTarget(scanArt, forever), new MemoryBlockSource(fileOf(1)), {
          maxSteps: 1000,
        }),
      "E0931",
    );
  });
});

describe("runChain: arguments", () => {
  const art = makeArtifact({
    params: [
      { name: "a", type: "i16" },
      { name: "b", type: "u64" },
      { name: "c", type: "bool" },
    ],
  });
  it("writes them into ctx.args, sign-extended, in declaration order", () => {
    let slots: bigint[] = [];
    const t = new FakeTarget(art, (c) => {
      slots = [0, 1, 2, 3].map((i) => c.getBigUint64(Ctx.args + 8 * i, true));
      done(c, 0n);
    });
    runChain(art, t, new MemoryBlockSource(fileOf(1)), {
      args: { a: -2n, b: (1n << 64n) - 1n, c: true },
    });
    expect(slots).toEqual([(1n << 64n) - 2n, (1n << 64n) - 1n, 1n, 0n]);
  });
  it("refuses missing, unknown and out-of-range arguments (E0930)", () => {
    const run = (args: Record<string, bigint>) => () =>
      runChain(art, new FakeTarget(art, (c) => done(c, 0n)), new MemoryBlockSource(fileOf(1)), {
        args,
      });
    expectCode(run({ a: 1n, b: 1n }), "E0930");
    expectCode(run({ a: 1n, b: 1n, c: 0n, d: 1n }), "E0930");
    expectCode(run({ a: 40000n, b: 1n, c: 0n }), "E0930");
    expectCode(run({ a: 1n, b: -1n, c: 0n }), "E0930");
    expectCode(run({ a: 1n, b: 1n, c: 2n }), "E0930");
  });
});

describe("runChain: extent translation", () => {
  // The file's 4 blocks live on the device in reverse order, 2 extents.
  const file = fileOf(4);
  const layout: ExtentTable = {
    generation: 7n,
    extents: [
      { fileOffset: 0n, length: 1024n, devAddr: 1_000_000n },
      { fileOffset: 1024n, length: 1024n, devAddr: 8192n },
    ],
  };
  const art = makeArtifact({ start: 512n });
  // The program translates like compiled code would: next_dev from the table.
  const walk =
    (table: ExtentTable): Step =>
    (c, block) => {
      const hop = c.getUint32(Ctx.hop, true);
      if (hop === 2) return done(c, BigInt(block[0]));
      const next = hop === 0 ? 1536n : 0n;
      const e = table.extents.find((x) => next >= x.fileOffset && next < x.fileOffset + x.length)!;
      resubmit(c, next);
      c.setBigUint64(Ctx.nextDev, e.devAddr + (next - e.fileOffset), true);
    };

  it("reads at device addresses while the generations agree", () => {
    const src = new MemoryBlockSource(file);
    const t = new FakeTarget(art, walk(layout));
    const r = runChain(art, t, src, {
      extents: { map: layout, device: new ExtentDevice(src, layout) },
    });
    expect(r).toMatchObject({ status: "done", value: 1n, reads: { device: 3, file: 0 } });
    expect(t.seen.map((s) => s.first)).toEqual([2, 4, 1]);
  });

  it("falls back to file reads when the file's layout changed (generation differs); the answer holds", () => {
    const src = new MemoryBlockSource(file);
    const moved: ExtentTable = {
      generation: 8n,
      extents: [{ fileOffset: 0n, length: 2048n, devAddr: 0n }],
    };
    const t = new FakeTarget(art, walk(layout));
    const r = runChain(art, t, src, {
      extents: { map: layout, device: new ExtentDevice(src, moved) },
    });
    expect(r).toMatchObject({ status: "done", value: 1n, reads: { device: 0, file: 3 } });
  });

  it("refuses a start in a hole (unmapped) and catches a wrong next_dev (E0931)", () => {
    const src = new MemoryBlockSource(file);
    const holey: ExtentTable = {
      generation: 1n,
      extents: [{ fileOffset: 1024n, length: 1024n, devAddr: 0n }],
    };
    const t = new FakeTarget(art, walk(holey));
    expect(
      runChain(art, t, src, { extents: { map: holey, device: new ExtentDevice(src, holey) } }),
    ).toMatchObject({
      error: "unmapped",
      hops: 0,
    });
    const wrong: Step = (c) => (resubmit(c, 0n), c.setBigUint64(Ctx.nextDev, 0n, true));
    expectCode(
      () =>
        runChain(art, new FakeTarget(art, wrong), src, {
          extents: { map: layout, device: new ExtentDevice(src, layout) },
        }),
      "E0931",
    );
  });
});

describe("FileBlockSource", () => {
  it("preads blocks of a real file; a missing file is E0901, a directory E0902", () => {
    const dir = testTempDir("iochain-driver-");
    const path = join(dir, "data.bin");
    writeFileSync(path, fileOf(3, 10));
    const src = new FileBlockSource(path);
    const art = makeArtifact({ start: 1536n });
    const r = runChain(
      art,
      new FakeTarget(art, (c, b) => done(c, BigInt(b[0] * 1000 + c.getUint32(Ctx.size, true)))),
      src,
    );
    src.close();
    expect(r.value).toBe(4010n);
    expectCode(() => new FileBlockSource(join(dir, "absent.bin")), "E0901");
    expectCode(() => new FileBlockSource(dir), "E0902");
  });
});

describe("runChain: several files", () => {
  const art = makeArtifact({ files: ["index.db", "data.db"], startFile: 1, maxChain: 4 });
  // data.db's blocks hold 1, 2, ...; index.db's 101, 102, ...
  const data = fileOf(3);
  const index = fileOf(2).map((b) => b + 100);
  const sources = () => [new MemoryBlockSource(index), new MemoryBlockSource(data)];

  it("starts in startFile, reads each block from the file ctx.next_file names, and says which", () => {
    const seen: { file: number; first: number }[] = [];
    const target = new FakeTarget(art, (c, block) => {
      seen.push({ file: c.getUint32(Ctx.file, true), first: block[0] });
      const hop = c.getUint32(Ctx.hop, true);
      if (hop === 2) return done(c, BigInt(block[0]));
      resubmit(c, 512n);
      c.setUint32(Ctx.nextFile, hop === 0 ? 0 : 1, true);
    });
    const r = runChain(art, target, sources());
    expect(r).toMatchObject({ status: "done", value: 2n, hops: 3 });
    expect(seen).toEqual([
      { file: 1, first: 1 },
      { file: 0, first: 102 },
      { file: 1, first: 2 },
    ]);
  });

  it("checks each read against its own file: past index.db's end is out_of_file there", () => {
    const target = new FakeTarget(art, (c) => {
      resubmit(c, 1024n); // inside data.db (3 blocks), past index.db (2 blocks)
      c.setUint32(Ctx.nextFile, 0, true);
    });
    expect(runChain(art, target, sources())).toMatchObject({
      status: "failed",
      error: "out_of_file",
      hops: 1,
    });
  });

  it("a next_file past the program's files breaks the ABI (E0931), as in a one-file program", () => {
    const bad = (c: DataView) => (resubmit(c, 0n), c.setUint32(Ctx.nextFile, 2, true));
    expectCode(() => runChain(art, new FakeTarget(art, bad), sources()), "E0931");
    const one = makeArtifact({ files: ["t.db"] });
    const alsoBad = (c: DataView) => (resubmit(c, 0n), c.setUint32(Ctx.nextFile, 1, true));
    expectCode(
      () => runChain(one, new FakeTarget(one, alsoBad), new MemoryBlockSource(data)),
      "E0931",
    );
  });

  it("wants one source per file (E0916)", () => {
    expectCode(
      () => runChain(art, new FakeTarget(art, () => {}), new MemoryBlockSource(data)),
      "E0916",
    );
  });
});
