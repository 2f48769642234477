// Positional reads for the block sources: pread until done, and O_DIRECT reads, which need the
// buffer's address, the offset and the length all aligned to the device's logical block. Node's
// own buffers give no alignment guarantee, so the bytes land in an aligned slice of malloc'd
// memory (a NativeBuffer) and are copied out: one copy of a block is cheap next to a device read.
import { readSync } from "node:fs";
import { NativeBuffer } from "./native.js";

/**
 * The alignment used for O_DIRECT unless the caller knows better: 4096 satisfies every logical
 * block size of common devices (512 or 4096) and ext4/xfs with 4 KiB blocks.
 */
export const DIRECT_IO_ALIGNMENT = 4096;

/** Reads `length` bytes at `offset` into `buf`, retrying short reads; returns fewer only at EOF. */
export function preadFully(
  fd: number,
  buf: Uint8Array,
  offset: bigint,
  length = buf.byteLength,
): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + BigInt(done));
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** `size` bytes starting at an address that is a multiple of `alignment`, cut from one malloc. */
export class AlignedBuffer {
  readonly bytes: Uint8Array;
  private readonly backing: NativeBuffer;

  constructor(
    readonly size: number,
    readonly alignment: number,
  ) {
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new RangeError(`alignment ${alignment} is not a power of two`);
    }
    // Freed by the collector once no view is left: a stale view can never reach freed memory.
    this.backing = new NativeBuffer(size + alignment, { freeWhenUnreachable: true });
    const pad = Number(
      (BigInt(alignment) - (this.backing.address % BigInt(alignment))) % BigInt(alignment),
    );
    this.bytes = this.backing.bytes.subarray(pad, pad + size);
  }

  get address(): bigint {
    return this.backing.address + BigInt(this.bytes.byteOffset);
  }
}

/**
 * Reads any byte range of a file opened with O_DIRECT: the range is widened to aligned bounds, read
 * into an aligned bounce buffer (grown on demand) and the asked-for part copied out.
 */
export class DirectReader {
  private bounce: AlignedBuffer | undefined;

  constructor(
    private readonly fd: number,
    readonly alignment = DIRECT_IO_ALIGNMENT,
  ) {}

  read(buf: Uint8Array, offset: bigint, length: number): number {
    const align = BigInt(this.alignment);
    const start = offset - (offset % align);
    const end = ((offset + BigInt(length) + align - 1n) / align) * align;
    const span = Number(end - start);
    if (!this.bounce || this.bounce.size < span)
      this.bounce = new AlignedBuffer(span, this.alignment);
    // A short read ends the loop: it means EOF, and a retry at an unaligned offset would be EINVAL.
    let got = 0;
    while (got < span) {
      const n = readSync(this.fd, this.bounce.bytes, got, span - got, start + BigInt(got));
      got += n;
      if (n === 0 || got % this.alignment !== 0) break;
    }
    const skip = Number(offset - start);
    const n = Math.max(0, Math.min(length, got - skip));
    buf.set(this.bounce.bytes.subarray(skip, skip + n), 0);
    return n;
  }
}
