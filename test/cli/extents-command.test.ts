// iochain extents as a user runs it: the table (as filefrag -v prints it), the JSON, -o, errors.
import { mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExtentJson } from "../../src/runtime/extents.js";
import { readFileExtents } from "../../src/runtime/linux/fiemap.js";
import {
  type Ext4Mount,
  ext4Unavailable,
  filefrag,
  mountExt4Image,
  writeInterleaved,
} from "../runtime/linux/ext4-fixture.js";
import { runCli } from "../support/cli.js";

/** The numeric columns of the extent rows of a `filefrag -v`-style listing. */
const rows = (listing: string): string[][] =>
  listing
    .split("\n")
    .filter((l) => /^\s*\d+:/.test(l))
    .map((l) => l.split(/[\s:.]+/).filter((x) => /^\d+$/.test(x)));

describe.skipIf(ext4Unavailable !== undefined)("iochain extents on ext4", () => {
  let fs: Ext4Mount;
  let file: string;
  beforeAll(() => {
    fs = mountExt4Image();
    file = path.join(fs.mountPoint, "data");
    const bytes = (n: number) => new Uint8Array(n).map((_, i) => i * 7);
    writeInterleaved(file, bytes(100_000), path.join(fs.mountPoint, "other"), bytes(100_000), 8192);
  });
  afterAll(() => fs?.teardown());

  it("prints the extent map with filefrag -v's numbers", () => {
    const out = runCli(["extents", file]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /^File size of .* is 100000 \(25 blocks of 4096 bytes\)\nFile system ext4 on device \d+:\d+ \(.*fs\.img\)/,
    );
    const ours = rows(out.stdout);
    expect(ours.length).toBeGreaterThan(2);
    expect(ours).toEqual(rows(filefragListing(file)));
    expect(out.stdout).toMatch(new RegExp(`${file}: ${ours.length} extents found\\n$`));
  });

  it("--json and -o give the extent JSON that run --data-extents takes, the file's table with flag names", () => {
    const dir = mkdtempSync(path.join(fs.dir, "out-"));
    const target = path.join(dir, "data.extents.json");
    const out = runCli(["extents", file, "--json", "-o", target]);
    expect(out.code).toBe(0);
    expect(readFileSync(target, "utf8")).toBe(out.stdout);
    const map = readFileExtents(file);
    const parsed = parseExtentJson(out.stdout, target);
    expect(parsed).toEqual({
      generation: map.generation,
      extents: map.extents.map(({ flags: _, ...e }) => e),
    });
    expect(JSON.parse(out.stdout).extents.at(-1).flags).toEqual(["last"]);
  });
});

function filefragListing(file: string): string {
  const ff = filefrag(file);
  // Rebuild the rows from the parsed form so both sides are compared as numbers.
  let expected: bigint | undefined;
  return ff.extents
    .map((e, i) => {
      const gap = expected !== undefined && e.physical !== expected ? ` ${expected}:` : "";
      expected = e.physicalEnd + 1n;
      return `${i}: ${e.logical}..${e.logicalEnd}: ${e.physical}..${e.physicalEnd}: ${e.length}:${gap}`;
    })
    .join("\n");
}

describe("iochain extents errors", () => {
  const tmpfs = (() => {
    try {
      return statfsSync("/dev/shm").type === 0x01021994;
    } catch {
      return false;
    }
  })();
  if (!tmpfs) console.warn("skipping the tmpfs CLI test: /dev/shm is not a tmpfs here");

  it.skipIf(!tmpfs)("a file on tmpfs: E0806 and a hint, exit code 1, nothing written", () => {
    const dir = mkdtempSync("/dev/shm/iochain-cli-");
    try {
      const file = path.join(dir, "f");
      writeFileSync(file, "x");
      const out = runCli(["extents", file, "-o", path.join(dir, "f.json")]);
      expect(out.code).toBe(1);
      expect(out.stdout).toBe("");
      expect(out.stderr).toMatch(/error\[E0806\]: .*tmpfs\) does not report extents/);
      expect(out.stderr).toMatch(/hint: .*--data-extents FILE\.json or the sim target/);
      expect(() => readFileSync(path.join(dir, "f.json"))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a directory is E0902", () => {
    const out = runCli(["extents", "/"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/error\[E0902\]/);
  });
});
