// The data file mapped read-only into this process, for kernel chains: the chain program copies
// blocks from it with bpf_copy_from_user, so the page cache translates file offsets, checks the
// file's permissions (only what this process could read) and caches the tree's upper levels.
// No JavaScript view of the mapping is ever made: a file truncated under it would turn a read
// from JavaScript into SIGBUS, while the kernel's copy just fails with EFAULT.
//
// A file changed under the mapping (truncated, rewritten) could hand a chain bytes of two
// versions, or zeros past a new end inside the last page: `changed()` tells the caller (one fstat,
// after each batch), which maps the file again and runs the batch again (kernel-chain.ts).
import { closeSync, fstatSync } from "node:fs";
import { IochainError } from "../../diagnostics.js";
import { openRegularFile } from "../../files.js";
import {
  describeErrno,
  native,
  NativeBuffer,
  type NativePtr,
  PROT_READ,
  roundUpToPage,
} from "./native.js";

const MAP_SHARED = 0x01;
const MAP_FAILED = (1n << 64n) - 1n;
/** struct stat on x86-64 and arm64 (asm-generic) alike: st_size at 48, st_mtim at 88, st_ctim at 104. */
const STAT_SIZE = 144;
const ST_SIZE = 48;
/** The 32-bit words of st_size, st_mtim and st_ctim: what "the file changed" compares. */
const STAMP_WORDS = [48, 52, 88, 92, 96, 100, 104, 108, 112, 116];

/** madvise advice: MADV_RANDOM reads one page per fault; MADV_NORMAL keeps the kernel's read-around. */
export const Advice = { normal: 0, random: 1 } as const;
export type ReadAhead = keyof typeof Advice;

interface Mapped {
  /** The file's size when it was mapped: the chain program reads nothing past it. */
  size: bigint;
  address: bigint;
  ptr: NativePtr | undefined;
  length: number;
  /** size, mtime and ctime (seconds and nanoseconds) as fstat gave them when mapped. */
  stamp: Uint32Array;
}

export class FileMapping {
  private readonly stat = new NativeBuffer(STAT_SIZE);
  private mapped: Mapped;

  private constructor(
    readonly path: string,
    private fd: number,
    private readonly readAhead: ReadAhead,
  ) {
    this.mapped = this.map();
  }

  static open(path: string, readAhead: ReadAhead = "random"): FileMapping {
    // A regular file, or a one-line error saying what the path is (files.ts, as every input).
    const fd = openRegularFile(path, "data file");
    try {
      return new FileMapping(path, fd, readAhead);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** The file's size when it was (last) mapped. */
  get size(): bigint {
    return this.mapped.size;
  }

  /** The mapping's address in this process (0 for an empty file, which is not mapped). */
  get address(): bigint {
    return this.mapped.address;
  }

  /** Whether the file changed (size, contents or attributes) since it was mapped. One fstat. */
  changed(): boolean {
    this.fstat();
    const v = this.stat.view;
    const stamp = this.mapped.stamp;
    for (let i = 0; i < STAMP_WORDS.length; i++)
      if (v.getUint32(STAMP_WORDS[i], true) !== stamp[i]) return true;
    return false;
  }

  /** Maps the file again as it is now. */
  remap(): void {
    this.unmap();
    this.mapped = this.map();
  }

  close(): void {
    this.unmap();
    this.stat.free();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private fstat(): void {
    if (native().fstat(this.fd, this.stat.ptr) !== 0)
      throw new IochainError(
        "E0901",
        `${this.path}: fstat failed: ${describeErrno(native().koffi.errno())}`,
      );
  }

  private map(): Mapped {
    this.fstat();
    const v = this.stat.view;
    const stamp = Uint32Array.from(STAMP_WORDS, (at) => v.getUint32(at, true));
    const size = this.stat.view.getBigInt64(ST_SIZE, true);
    if (size === 0n) return { size, address: 0n, ptr: undefined, length: 0, stamp };
    if (size > BigInt(Number.MAX_SAFE_INTEGER))
      throw new IochainError("E0901", `${this.path}: ${size} bytes is too large to map`);
    const lib = native();
    const length = roundUpToPage(Number(size));
    const ptr = lib.mmap(null, length, PROT_READ, MAP_SHARED, this.fd, 0);
    const address = lib.koffi.address(ptr);
    if (address === MAP_FAILED) {
      throw new IochainError(
        "E0901",
        `${this.path}: cannot map the data file: ${describeErrno(lib.koffi.errno())}`,
      );
    }
    lib.madvise(ptr, length, Advice[this.readAhead]);
    return { size, address, ptr, length, stamp };
  }

  private unmap(): void {
    const { ptr, length } = this.mapped;
    if (ptr) native().munmap(ptr, length);
    this.mapped = { ...this.mapped, ptr: undefined, address: 0n, size: 0n };
  }
}
