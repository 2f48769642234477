// Where the chain's blocks come from: a file read with pread, a buffer in memory, and a simulated
// device that serves reads at device addresses through the file's current extent layout.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { IochainError } from "../diagnostics.js";
import type { BlockSource, Device } from "./driver.js";
import { type Extent, type ExtentTable, findExtent } from "./extents.js";

/** pread on an open file; one descriptor for the whole chain. */
export class FileBlockSource implements BlockSource {
  readonly size: bigint;
  private fd: number | undefined;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, "r");
      const st = fstatSync(this.fd, { bigint: true });
      if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "EISDIR" });
      this.size = st.size;
    } catch (err) {
      if (this.fd !== undefined) closeSync(this.fd);
      throw new IochainError(
        "E0901",
        `${path}: cannot read data file: ${(err as NodeJS.ErrnoException).code ?? err}`,
        undefined,
        "check the path and its permissions",
      );
    }
  }

  read(buf: Uint8Array, offset: bigint, length: number): number {
    if (this.fd === undefined) throw new Error(`${this.path}: read after close`);
    let done = 0;
    try {
      while (done < length) {
        const n = readSync(this.fd, buf, done, length - done, offset + BigInt(done));
        if (n === 0) break;
        done += n;
      }
    } catch (err) {
      throw new IochainError("E0901", `${this.path}: read of ${length} bytes at offset ${offset} failed: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    return done;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A file held in memory (tests, generated data). */
export class MemoryBlockSource implements BlockSource {
  readonly size: bigint;
  constructor(private readonly bytes: Uint8Array) {
    this.size = BigInt(bytes.byteLength);
  }
  read(buf: Uint8Array, offset: bigint, length: number): number {
    if (offset >= this.size) return 0;
    const start = Number(offset);
    const part = this.bytes.subarray(start, Math.min(start + length, this.bytes.byteLength));
    buf.set(part, 0);
    return part.byteLength;
  }
  close(): void {}
}

/**
 * A simulated block device holding one file laid out by `layout`: a read at a device address is
 * served from the file offset the layout maps it to. A device address no extent maps is a read
 * the program's checks should have refused, so it is reported rather than served as garbage.
 */
export class ExtentDevice implements Device {
  private readonly byDev: Extent[];
  constructor(
    private readonly file: BlockSource,
    readonly layout: ExtentTable,
  ) {
    this.byDev = [...layout.extents].sort((a, b) => (a.devAddr < b.devAddr ? -1 : a.devAddr > b.devAddr ? 1 : 0));
  }

  read(buf: Uint8Array, devAddr: bigint, length: number): number {
    let done = 0;
    while (done < length) {
      const at = devAddr + BigInt(done);
      const e = findExtent(this.byDev, at, (x) => x.devAddr);
      if (!e) {
        throw new IochainError(
          "E0931",
          `device read at address ${at}: no extent of the file maps it (ctx.next_dev disagrees with the extent table)`,
          undefined,
          "the program's extent translation is wrong; this is a compiler bug if the program was compiled by iochain",
        );
      }
      const inExtent = Number(e.devAddr + e.length - at);
      const want = Math.min(length - done, inExtent);
      const n = this.file.read(buf.subarray(done, done + want), e.fileOffset + (at - e.devAddr), want);
      done += n;
      if (n < want) break; // end of file inside the last extent
    }
    return done;
  }
}
