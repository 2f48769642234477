// FIEMAP on a real ext4 file system (a loop-mounted image): the extent map matches filefrag -v,
// and reading the image at the translated addresses gives the file's bytes. Plus the errors.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  writeFileSync,
  writeSync,
  fsyncSync,
} from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IochainError } from "../../../src/diagnostics.js";
import { FileBlockSource } from "../../../src/runtime/block-source.js";
import { translate } from "../../../src/runtime/extents.js";
import {
  bindFileExtents,
  openFileDevice,
  tableForRun,
} from "../../../src/runtime/linux/bind-extents.js";
import {
  bindableExtents,
  ExtentFlag,
  extentFlagNames,
  readFileExtents,
} from "../../../src/runtime/linux/fiemap.js";
import { fileDevice } from "../../../src/runtime/linux/file-device.js";
import {
  type Ext4Mount,
  ext4Unavailable,
  filefrag,
  mountExt4Image,
  writeInterleaved,
} from "./ext4-fixture.js";

function expectCode(f: () => unknown, code: string): IochainError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(IochainError);
    expect((err as IochainError).code).toBe(code);
    return err as IochainError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe.skipIf(ext4Unavailable !== undefined)("FIEMAP on a loop-mounted ext4 image", () => {
  let fs: Ext4Mount;
  let fileA: string;
  const dataA = randomBytes(300_000); // not a whole number of blocks: the last one is partial
  const dataB = randomBytes(200_000);

  beforeAll(() => {
    fs = mountExt4Image();
    fileA = path.join(fs.mountPoint, "a.dat");
    writeInterleaved(fileA, dataA, path.join(fs.mountPoint, "b.dat"), dataB, 8192);
  });
  afterAll(() => fs?.teardown());

  it("reads a fragmented file's extents, the same as filefrag -v", () => {
    const map = readFileExtents(fileA);
    expect(map).toMatchObject({ fsType: "ext4", size: 300_000n, blockSize: 4096 });
    expect(map.extents.length).toBeGreaterThan(4);
    // Sorted, contiguous in the file (written without holes), covering it, only the last flagged.
    let next = 0n;
    for (const e of map.extents) {
      expect(e.fileOffset).toBe(next);
      next = e.fileOffset + e.length;
    }
    expect(next).toBe(((300_000n + 4095n) / 4096n) * 4096n);
    expect(map.extents.map((e) => extentFlagNames(e.flags))).toEqual(
      map.extents.map((_, i, all) => (i === all.length - 1 ? ["last"] : [])),
    );

    const ff = filefrag(fileA);
    expect(ff.blockSize).toBe(4096);
    const bs = 4096n;
    expect(map.extents.map((e) => [e.fileOffset / bs, e.devAddr / bs, e.length / bs])).toEqual(
      ff.extents.map((f) => [f.logical, f.physical, f.length]),
    );
    expect(ff.extents.at(-1)?.flags).toContain("last");
  });

  it("translates file offsets to device addresses: the image holds the file's bytes there", () => {
    const table = bindFileExtents(fileA);
    const image = readFileSync(fs.image);
    // Every byte, extent by extent.
    const rebuilt = Buffer.alloc(dataA.length);
    for (const e of table.extents) {
      const n = Number(
        e.length < BigInt(dataA.length) - e.fileOffset
          ? e.length
          : BigInt(dataA.length) - e.fileOffset,
      );
      image.copy(rebuilt, Number(e.fileOffset), Number(e.devAddr), Number(e.devAddr) + n);
    }
    expect(rebuilt.equals(dataA)).toBe(true);

    // Block reads through the device found for the file, buffered and O_DIRECT, at unaligned
    // offsets too; a read that would cross an extent's end is refused by the translation.
    for (const direct of [false, true]) {
      const device = openFileDevice(fileA, { direct });
      const source = new FileBlockSource(fileA, { direct });
      try {
        expect(device.path).toBe(fs.image);
        let crossed = 0;
        for (let off = 0n; off < source.size; off += 1531n) {
          const fromFile = new Uint8Array(512);
          const n = source.read(fromFile, off, 512);
          const t = translate(device.layout, off, BigInt(n));
          if ("error" in t) {
            expect(t.error).toBe("crosses_extent");
            crossed++;
            continue;
          }
          const fromDevice = new Uint8Array(512);
          expect(device.read(fromDevice, t.devAddr, n)).toBe(n);
          expect(
            Buffer.from(fromDevice.subarray(0, n)).equals(
              dataA.subarray(Number(off), Number(off) + n),
            ),
          ).toBe(true);
          expect(fromFile).toEqual(fromDevice);
        }
        expect(crossed).toBeGreaterThan(0);
      } finally {
        device.close();
        source.close();
      }
    }
  });

  it("names the loop device and its image as the device under the file", () => {
    const map = readFileExtents(fileA);
    const dev = fileDevice(map.device);
    expect(dev.devPath).toMatch(/^\/dev\/loop\d+$/);
    expect(dev.backingFile).toBe(fs.image);
  });

  it("keeps the generation across writes in place, changes it when blocks move or the file is replaced", () => {
    const file = path.join(fs.mountPoint, "gen.dat");
    writeFileSync(file, randomBytes(64 * 1024));
    const g0 = readFileExtents(file).generation;
    expect(readFileExtents(file).generation).toBe(g0);

    // Overwrite in place: same blocks, same generation, and (after FIEMAP's sync) new device bytes.
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.from("rewritten in place"), 0, 18, 5000);
    closeSync(fd);
    const map = readFileExtents(file);
    expect(map.generation).toBe(g0);
    const t = translate(map, 5000n, 18n);
    if ("error" in t) throw new Error(t.error);
    expect(
      readFileSync(fs.image)
        .subarray(Number(t.devAddr), Number(t.devAddr) + 18)
        .toString(),
    ).toBe("rewritten in place");

    // Appending allocates blocks: the extent list changes.
    const fa = openSync(file, "a");
    writeSync(fa, randomBytes(8192));
    fsyncSync(fa);
    closeSync(fa);
    const g1 = readFileExtents(file).generation;
    expect(g1).not.toBe(g0);

    // The same bytes rewritten through a new inode (write + rename, as editors and databases do).
    const tmp = `${file}.new`;
    writeFileSync(tmp, readFileSync(file));
    renameSync(tmp, file);
    expect(readFileExtents(file).generation).not.toBe(g1);
  });

  it("refuses to bind an unwritten (preallocated) extent (E0807); a run's table then reads the file", () => {
    const file = path.join(fs.mountPoint, "prealloc.dat");
    execFileSync("fallocate", ["-l", "65536", file]);
    const map = readFileExtents(file);
    expect(map.extents.some((e) => e.flags & ExtentFlag.unwritten)).toBe(true);
    const err = expectCode(() => bindableExtents(map), "E0807");
    expect(err.message).toMatch(/file offset 0 .* unwritten/);
    expect(err.diagnostic.hint).toMatch(/preallocated/);
    // Generation 0 never equals a FIEMAP generation: the driver falls back to file reads.
    expect(tableForRun(map)).toEqual({
      generation: 0n,
      extents: [{ fileOffset: 0n, length: 65536n, devAddr: 0n }],
    });
    expect(map.generation).not.toBe(0n);
  });

  it("reports a file without extents (empty) as an empty map", () => {
    const file = path.join(fs.mountPoint, "empty.dat");
    writeFileSync(file, "");
    expect(readFileExtents(file)).toMatchObject({ size: 0n, extents: [] });
  });
});

describe("FIEMAP errors", () => {
  const shm = "/dev/shm";
  const tmpfsHere = (() => {
    try {
      return statfsSync(shm).type === 0x01021994;
    } catch {
      return false;
    }
  })();
  if (!tmpfsHere) console.warn(`skipping the tmpfs test: ${shm} is not a tmpfs here`);

  it.skipIf(!tmpfsHere)(
    "a file on tmpfs is E0806, with a hint to use an extent JSON or the sim",
    () => {
      const dir = mkdtempSync(path.join(shm, "iochain-fiemap-"));
      try {
        const file = path.join(dir, "f");
        writeFileSync(file, "data");
        const err = expectCode(() => readFileExtents(file), "E0806");
        expect(err.message).toMatch(/tmpfs.*does not report extents.*(ENOTSUP|EOPNOTSUPP|ENOTTY)/);
        expect(err.diagnostic.hint).toMatch(/--data-extents FILE\.json or the sim target/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("a directory or a device is E0902, a missing file E0901", () => {
    expect(expectCode(() => readFileExtents("/"), "E0902").message).toMatch(/is a directory/);
    expect(expectCode(() => readFileExtents("/dev/null"), "E0902").message).toMatch(
      /not a regular file/,
    );
    expectCode(() => readFileExtents("/nonexistent/iochain-file"), "E0901");
  });
});
