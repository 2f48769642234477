// Where the chain's blocks come from: a file read with pread (or O_DIRECT), a buffer in memory, a
// simulated device that serves reads at device addresses through the file's current extent
// layout, and a real device (or file-system image) read at those addresses.
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { openRegularFile } from "../files.js";
import { internalError, IochainError } from "../diagnostics.js";
import type { BlockSource, Device } from "./driver.js";
import { findExtent } from "./extents.js";
import { type Extent, type ExtentTable } from "../abi/extents.js";
import { DIRECT_IO_ALIGNMENT, DirectReader, preadFully } from "./linux/direct-read.js";

export interface ReadOptions {
  /**
   * O_DIRECT: bypass the page cache (reads go to the device, as a storage function's would).
   * Offsets and lengths need no alignment: reads are widened and copied through an aligned buffer.
   */
  direct?: boolean;
  /** O_DIRECT alignment (default 4096: any logical block size up to 4 KiB). */
  alignment?: number;
}

function openDevice(path: string, flags: number): number {
  try {
    return openSync(path, constants.O_RDONLY | flags);
  } catch (err) {
    throw new IochainError(
      "E0901",
      `${path}: cannot open device: ${(err as NodeJS.ErrnoException).code ?? err}`,
      undefined,
      "check the path and its permissions",
    );
  }
}

/** Opens a regular file for reading (optionally O_DIRECT); E0902 for anything else, E0901 with
 * the system's reason if the open fails. */
function openForRead(
  path: string,
  what: string,
  options: ReadOptions,
): { fd: number; reader?: DirectReader } {
  let fd: number;
  try {
    const flags = options.direct ? constants.O_DIRECT : 0;
    // A device (or file-system image) is read at device addresses: it need not be a regular file.
    fd = what === "device" ? openDevice(path, flags) : openRegularFile(path, what, flags);
  } catch (err) {
    if (options.direct && err instanceof IochainError && err.message.endsWith("EINVAL"))
      throw new IochainError(
        "E0901",
        `${path}: cannot open ${what} with O_DIRECT: EINVAL`,
        undefined,
        "this file system does not support O_DIRECT; read without it",
      );
    throw err;
  }
  return {
    fd,
    reader: options.direct
      ? new DirectReader(fd, options.alignment ?? DIRECT_IO_ALIGNMENT)
      : undefined,
  };
}

/** pread on an open file; one descriptor for the whole chain. */
export class FileBlockSource implements BlockSource {
  readonly size: bigint;
  private fd: number | undefined;

  private readonly direct: DirectReader | undefined;

  constructor(
    readonly path: string,
    options: ReadOptions = {},
  ) {
    const opened = openForRead(path, "data file", options);
    this.fd = opened.fd;
    this.direct = opened.reader;
    try {
      this.size = fstatSync(this.fd, { bigint: true }).size;
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
    if (this.fd === undefined) throw internalError(`${this.path}: read after close`);
    try {
      return this.direct
        ? this.direct.read(buf, offset, length)
        : preadFully(this.fd, buf, offset, length);
    } catch (err) {
      throw new IochainError(
        "E0901",
        `${this.path}: read of ${length} bytes at offset ${offset} failed: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
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
    this.byDev = [...layout.extents].sort((a, b) =>
      a.devAddr < b.devAddr ? -1 : a.devAddr > b.devAddr ? 1 : 0,
    );
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
      const n = this.file.read(
        buf.subarray(done, done + want),
        e.fileOffset + (at - e.devAddr),
        want,
      );
      done += n;
      if (n < want) break; // end of file inside the last extent
    }
    return done;
  }
}

/**
 * The real device under a file: a block device, or the file-system image behind a loop device,
 * read at device addresses (FIEMAP's physical offsets). `layout` is the file's current extent
 * table (src/runtime/linux/fiemap.ts); the driver translates and checks every read against the
 * program's table before it gets here, so this class only reads. Use `direct` on a block device:
 * its page cache is not the file's and may hold blocks from before the file was last written.
 */
export class RawDevice implements Device {
  private fd: number | undefined;
  private readonly direct: DirectReader | undefined;

  constructor(
    readonly path: string,
    readonly layout: ExtentTable,
    options: ReadOptions = {},
  ) {
    const opened = openForRead(path, "device", options);
    this.fd = opened.fd;
    this.direct = opened.reader;
  }

  read(buf: Uint8Array, devAddr: bigint, length: number): number {
    if (this.fd === undefined) throw internalError(`${this.path}: read after close`);
    try {
      return this.direct
        ? this.direct.read(buf, devAddr, length)
        : preadFully(this.fd, buf, devAddr, length);
    } catch (err) {
      throw new IochainError(
        "E0901",
        `${this.path}: device read of ${length} bytes at address ${devAddr} failed: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
