// The end-to-end tests every StepTarget must pass: real programs (programs.ts) run through the
// chain driver on that target. Used by test/runtime/sim and test/runtime/linux. Not a test file.
import { describe, expect, it } from "vitest";
import type { ProgramArtifact } from "../../src/abi/artifact.js";
import { ExtentDevice, MemoryBlockSource } from "../../src/runtime/block-source.js";
import { type ChainOptions, type StepTarget, runChain } from "../../src/runtime/driver.js";
import { type ExtentTable, encodeExtentTable } from "../../src/abi/extents.js";
import { listFile, listWalk, scan, scanFile, slice } from "./programs.js";

export type TargetFactory = (artifact: ProgramArtifact, extentsInit?: Uint8Array) => StepTarget;

function run(
  make: TargetFactory,
  art: ProgramArtifact,
  file: Uint8Array,
  options: ChainOptions = {},
  extentsInit?: Uint8Array,
) {
  const target = make(art, extentsInit);
  try {
    return runChain(art, target, new MemoryBlockSource(file), options);
  } finally {
    target.close();
  }
}

export function targetSuite(name: string, make: TargetFactory, skip: string | undefined): void {
  describe.skipIf(skip !== undefined)(`${name} target: programs through the chain driver`, () => {
    // Nodes in file order 0..4; the list goes 2 → 4 → 1 → 3 (the walk starts at block 2; a next of
    // 0 ends the list, so block 0 is not on it).
    const file = listFile(
      [
        { key: 99n, value: 0n },
        { key: 30n, value: 300n, next: 3 },
        { key: 10n, value: 100n, next: 4 },
        { key: 40n, value: (1n << 64n) - 1n },
        { key: 20n, value: 200n, next: 1 },
      ],
      5,
    );
    const walk = { ...listWalk(), start: 1024n };

    it("walks a chain of dependent reads and returns the scalar", () => {
      const r = run(make, walk, file, { args: { key: 30n } });
      expect(r).toMatchObject({ status: "done", value: 300n, error: null, hops: 3 });
      const top = run(make, walk, file, { args: { key: 40n } });
      expect(top).toMatchObject({ status: "done", value: (1n << 64n) - 1n, hops: 4 });
    });

    it("fails with the program's error at the end of the list", () => {
      expect(run(make, walk, file, { args: { key: 5n } })).toMatchObject({
        status: "failed",
        error: "not_found",
        hops: 4,
      });
    });

    it("stops a cycle at the declared maximum chain length", () => {
      const loop = listFile(
        [
          { key: 1n, value: 1n },
          { key: 2n, value: 2n, next: 1 },
        ],
        2,
      ); // block 1 → itself
      expect(
        run(make, { ...listWalk({ maxChain: 5 }), start: 512n }, loop, { args: { key: 3n } }),
      ).toMatchObject({ error: "chain_too_long", hops: 5 });
    });

    it("never reads outside the file (out_of_file from the driver)", () => {
      const out = listFile([{ key: 1n, value: 1n, next: 7 }], 2);
      expect(run(make, listWalk(), out, { args: { key: 3n } })).toMatchObject({
        error: "out_of_file",
        hops: 1,
      });
    });

    it("returns a byte-array result from scratch", () => {
      const bytes = Uint8Array.from({ length: 512 }, (_, i) => i & 0xff);
      const r = run(make, slice(), bytes, { args: { off: 0x123 } });
      expect(r.value).toEqual(bytes.slice(0x120, 0x130));
    });

    it("suspends when the output buffer is full, resumes on the same block, loses no row", () => {
      const blocks = [
        [1n, 2n, 3n, 4n, 5n, 6n, 7n],
        [],
        [8n, 9n],
        [10n, 11n, 12n, 13n, 14n, 15n, 16n, 17n],
      ];
      const r = run(make, scan(), scanFile(blocks));
      const all = blocks.flat();
      expect(r.status).toBe("done");
      expect(r.rows.map((x) => x.x)).toEqual(all);
      expect(r.aggregates).toEqual({
        n: BigInt(all.length),
        total: all.reduce((a, b) => a + b, 0n),
      });
      expect(r.hops).toBe(4);
      expect(r.suspensions).toBe(5);
      const stopped = run(make, scan(), scanFile(blocks), { maxSuspensions: 2 });
      expect(stopped).toMatchObject({ status: "suspended" });
      expect(stopped.rows.map((x) => x.x)).toEqual(all.slice(0, 9)); // the third suspension's rows are taken, then it stops
    });

    it("translates through the extents map and reads at device addresses", () => {
      const layout: ExtentTable = {
        generation: 4n,
        extents: [{ fileOffset: 0n, length: 5n * 512n, devAddr: 1n << 40n }],
      };
      const art = { ...listWalk({ translate: true }), start: 1024n };
      const init = encodeExtentTable(layout, art.maps[2].valueSize);
      const src = new MemoryBlockSource(file);
      const target = make(art, init);
      try {
        const r = runChain(art, target, src, {
          args: { key: 40n },
          extents: { map: layout, device: new ExtentDevice(src, layout) },
        });
        expect(r).toMatchObject({
          status: "done",
          value: (1n << 64n) - 1n,
          reads: { device: 4, file: 0 },
        });
      } finally {
        target.close();
      }
    });
  });
}
