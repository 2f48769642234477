// A program that reads two files (examples/indexed) over a real ext4 image, both files fragmented
// by writing them interleaved: every block comes from the device at the address the program
// translated through that file's own extents map, on the VM and in the kernel per step.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asLookup, compileExample } from "../../../examples/common/harness.js";
import { generateIndexed } from "../../../examples/indexed/gen.js";
import { lookupIndexed } from "../../../examples/indexed/reference.js";
import { Rng } from "../../../src/datagen/rng.js";
import { readFileExtents } from "../../../src/runtime/linux/fiemap.js";
import { runProgram, type TargetName } from "../../../src/runtime/run-program.js";
import {
  type Ext4Mount,
  ext4Unavailable,
  mountExt4Image,
  writeInterleaved,
} from "./ext4-fixture.js";
import { noBpf } from "./kernel-fixtures.js";

const targets: { name: TargetName; skip: string | undefined }[] = [
  { name: "sim", skip: undefined },
  { name: "linux", skip: noBpf },
];

describe.skipIf(ext4Unavailable !== undefined)("two files on a real device", () => {
  let fs: Ext4Mount;
  const t = generateIndexed({ seed: 11, keys: 3000, perLeaf: 100 });
  const artifact = compileExample("indexed", "lookup");
  let files: { name: string; path: string }[];
  beforeAll(() => {
    fs = mountExt4Image();
    files = [
      { name: "index.db", path: path.join(fs.mountPoint, "index.db") },
      { name: "data.db", path: path.join(fs.mountPoint, "data.db") },
    ];
    writeInterleaved(files[0].path, t.index, files[1].path, t.data, 8192);
  });
  afterAll(() => fs?.teardown());

  for (const target of targets) {
    it.skipIf(target.skip !== undefined)(
      `${target.name}: each read from the device at its own file's translated address`,
      () => {
        expect(readFileExtents(files[0].path).extents.length).toBeGreaterThan(2);
        expect(readFileExtents(files[1].path).extents.length).toBeGreaterThan(2);
        const rng = new Rng(11);
        for (let n = 0; n < 40; n++) {
          const key = t.keys[rng.below(t.keys.length)] + (n % 5 === 0 ? 1n : 0n);
          const r = runProgram(artifact, {
            target: target.name,
            chain: target.name === "linux" ? "step" : undefined,
            data: files,
            args: { key },
            realDevice: true,
          });
          expect(r.reads).toEqual({ device: r.hops, file: 0 });
          expect({ key, ...asLookup(r) }).toEqual({ key, ...lookupIndexed(t.index, t.data, key) });
        }
      },
    );
  }
});
