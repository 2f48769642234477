// The data file mapped read-only into this process, for kernel chains: the chain program copies
// blocks from it with bpf_copy_from_user, so the page cache translates file offsets, checks the
// file's permissions (only what this process could read) and caches the tree's upper levels.
// No JavaScript view of the mapping is ever made: a file truncated under it would turn a read
// from JavaScript into SIGBUS, while the kernel's copy just fails with EFAULT.
import { closeSync, fstatSync, openSync } from "node:fs";
import { IochainError } from "../../diagnostics.js";
import { describeErrno, native, type NativePtr, PROT_READ, roundUpToPage } from "./native.js";

const MAP_SHARED = 0x01;
const MAP_FAILED = (1n << 64n) - 1n;

/** madvise advice: MADV_RANDOM reads one page per fault; MADV_NORMAL keeps the kernel's read-around. */
export const Advice = { normal: 0, random: 1 } as const;
export type ReadAhead = keyof typeof Advice;

export class FileMapping {
  private constructor(
    readonly path: string,
    /** The file's size when it was mapped: the chain program reads nothing past it. */
    readonly size: bigint,
    /** The mapping's address in this process (0 for an empty file, which is not mapped). */
    readonly address: bigint,
    private ptr: NativePtr | undefined,
    private readonly length: number,
  ) {}

  static open(path: string, readAhead: ReadAhead = "random"): FileMapping {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (err) {
      throw new IochainError(
        "E0901",
        `${path}: cannot open data file: ${(err as NodeJS.ErrnoException).code ?? err}`,
        undefined,
        "check the path and its permissions",
      );
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      if (!st.isFile()) {
        throw new IochainError(
          "E0901",
          `${path}: kernel chains map the data file, and this is not a regular file`,
          undefined,
          "give a regular file as --data",
        );
      }
      if (st.size === 0n) return new FileMapping(path, 0n, 0n, undefined, 0);
      if (st.size > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new IochainError("E0901", `${path}: ${st.size} bytes is too large to map`);
      }
      const lib = native();
      const length = roundUpToPage(Number(st.size));
      const ptr = lib.mmap(null, length, PROT_READ, MAP_SHARED, fd, 0);
      const address = lib.koffi.address(ptr);
      if (address === MAP_FAILED) {
        throw new IochainError(
          "E0901",
          `${path}: cannot map the data file: ${describeErrno(lib.koffi.errno())}`,
        );
      }
      lib.madvise(ptr, length, Advice[readAhead]);
      return new FileMapping(path, st.size, address, ptr, length);
    } finally {
      closeSync(fd); // the mapping keeps the file open
    }
  }

  close(): void {
    if (this.ptr) native().munmap(this.ptr, this.length);
    this.ptr = undefined;
  }
}
