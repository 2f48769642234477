// O_DIRECT reads through aligned buffers, and FileBlockSource / RawDevice with { direct }.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IochainError } from "../../../src/diagnostics.js";
import { FileBlockSource, RawDevice } from "../../../src/runtime/block-source.js";
import { AlignedBuffer, DirectReader } from "../../../src/runtime/linux/direct-read.js";

const dir = mkdtempSync(path.join(tmpdir(), "iochain-direct-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = randomBytes(3 * 4096 + 1234);
const file = path.join(dir, "data.bin");
writeFileSync(file, data);

const noDirect = ((): string | undefined => {
  try {
    closeSync(openSync(file, constants.O_RDONLY | constants.O_DIRECT));
    return undefined;
  } catch (err) {
    return `${tmpdir()} does not take O_DIRECT (${(err as NodeJS.ErrnoException).code})`;
  }
})();
if (noDirect) console.warn(`skipping O_DIRECT tests: ${noDirect}`);

describe("AlignedBuffer", () => {
  it("starts at a multiple of its alignment and holds the size asked for", () => {
    for (const alignment of [512, 4096, 65536]) {
      const b = new AlignedBuffer(10_000, alignment);
      expect(b.address % BigInt(alignment)).toBe(0n);
      expect(b.bytes.byteLength).toBe(10_000);
      b.bytes.fill(7); // writable over its whole length
    }
    expect(() => new AlignedBuffer(16, 3000)).toThrow(RangeError);
  });
});

describe.skipIf(noDirect !== undefined)("O_DIRECT reads", () => {
  it("DirectReader reads unaligned ranges, and short at end of file", () => {
    const fd = openSync(file, constants.O_RDONLY | constants.O_DIRECT);
    try {
      // O_DIRECT is in force: a plain read at an unaligned offset is refused.
      expect(() => readSync(fd, Buffer.alloc(100), 0, 100, 1)).toThrow(/EINVAL/);
      const reader = new DirectReader(fd);
      for (const [off, len] of [
        [0, 4096],
        [1, 10],
        [4000, 200],
        [4095, 8193],
        [12_000, 5000],
        [16_000, 100],
      ]) {
        const buf = new Uint8Array(len);
        const n = reader.read(buf, BigInt(off), len);
        const want = data.subarray(off, off + len);
        expect(n).toBe(want.length);
        expect(Buffer.from(buf.subarray(0, n)).equals(want)).toBe(true);
      }
      expect(reader.read(new Uint8Array(10), BigInt(data.length + 5000), 10)).toBe(0);
    } finally {
      closeSync(fd);
    }
  });

  it("FileBlockSource and RawDevice with { direct } give the bytes a buffered read gives", () => {
    const direct = new FileBlockSource(file, { direct: true });
    const buffered = new FileBlockSource(file);
    const device = new RawDevice(file, { generation: 0n, extents: [] }, { direct: true });
    try {
      for (const off of [0n, 512n, 4097n, 12_288n]) {
        const a = new Uint8Array(4096);
        const b = new Uint8Array(4096);
        const c = new Uint8Array(4096);
        const n = buffered.read(a, off, 4096);
        expect(direct.read(b, off, 4096)).toBe(n);
        expect(device.read(c, off, 4096)).toBe(n);
        expect(b).toEqual(a);
        expect(c).toEqual(a);
      }
    } finally {
      direct.close();
      buffered.close();
      device.close();
    }
  });
});

describe("RawDevice errors", () => {
  it("a missing device is E0901", () => {
    try {
      new RawDevice(path.join(dir, "missing.img"), { generation: 0n, extents: [] });
      expect.unreachable();
    } catch (err) {
      expect((err as IochainError).code).toBe("E0901");
    }
  });
});
