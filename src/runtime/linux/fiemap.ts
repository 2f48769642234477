// A real file's extent map through the FS_IOC_FIEMAP ioctl (linux/fiemap.h), in the shape of the
// simulator's extent table (src/abi/extents.ts) plus the kernel's per-extent flags, and the
// generation the runtime compares to notice that the layout changed (docs/extents.md).
import { createHash } from "node:crypto";
import { closeSync, fstatSync, statfsSync, type BigIntStats } from "node:fs";
import { IochainError } from "../../diagnostics.js";
import { openRegularFile } from "../../files.js";
import type { Extent, ExtentTable } from "../../abi/extents.js";
import { describeErrno, type Libc, native, NativeBuffer } from "./native.js";

/** One extent as FIEMAP reports it: the table's three numbers plus `FIEMAP_EXTENT_*` flags. */
export interface FiemapExtent extends Extent {
  flags: number;
}

/** A file's layout now. It is an ExtentTable, so it can be encoded or translated as it is. */
export interface FileExtentMap extends ExtentTable {
  extents: FiemapExtent[];
  path: string;
  /** File size in bytes (the last extent may run past it to the end of its block). */
  size: bigint;
  /** The file system's block size (st_blksize): extents start and end on it. */
  blockSize: number;
  /** The device the addresses are on (st_dev). */
  device: { major: number; minor: number };
  /** The file system's name, from statfs's magic number ("ext4", "tmpfs", "0x1234" if unknown). */
  fsType: string;
}

/** `FIEMAP_EXTENT_*` bits, named as `filefrag -v` prints them. */
export const ExtentFlag = {
  last: 0x1,
  unknown_loc: 0x2,
  delalloc: 0x4,
  encoded: 0x8,
  encrypted: 0x80,
  not_aligned: 0x100,
  inline: 0x200,
  tail_packed: 0x400,
  unwritten: 0x800,
  merged: 0x1000,
  shared: 0x2000,
} as const;

/** Extents whose device bytes are not the file's bytes, or which have no device address. */
export const UNUSABLE_FLAGS =
  ExtentFlag.unknown_loc |
  ExtentFlag.delalloc |
  ExtentFlag.encoded |
  ExtentFlag.encrypted |
  ExtentFlag.not_aligned |
  ExtentFlag.inline |
  ExtentFlag.tail_packed |
  ExtentFlag.unwritten;

export function extentFlagNames(flags: number): string[] {
  const names = Object.entries(ExtentFlag)
    .filter(([, bit]) => flags & bit)
    .map(([name]) => name);
  const known = Object.values(ExtentFlag).reduce((a, b) => a | b, 0);
  if (flags & ~known) names.push(`0x${(flags & ~known).toString(16)}`);
  return names;
}

const FS_MAGIC: Record<number, string> = {
  0xef53: "ext4",
  0x58465342: "xfs",
  0x9123683e: "btrfs",
  0xf2f52010: "f2fs",
  0x2fc12fc1: "zfs",
  0x01021994: "tmpfs",
  0x794c7630: "overlayfs",
  0x6969: "nfs",
  0xff534d42: "cifs",
  0x65735546: "fuse",
  0x9fa0: "proc",
  0x62656572: "sysfs",
  0x4d44: "vfat",
  0x2011bab0: "exfat",
  0x5346544e: "ntfs",
  0x73717368: "squashfs",
  0xe0f5e1e2: "erofs",
};
const fsName = (magic: number): string =>
  FS_MAGIC[magic >>> 0] ?? `0x${(magic >>> 0).toString(16)}`;

// _IOWR('f', 11, struct fiemap): the asm-generic ioctl encoding (x86-64, arm64, riscv).
const FS_IOC_FIEMAP = 0xc020660b;
const FIEMAP_FLAG_SYNC = 0x1;
const HEADER_BYTES = 32; // struct fiemap: start, length, flags, mapped, count, reserved
const EXTENT_BYTES = 56; // struct fiemap_extent: logical, physical, length, 2×u64, flags, 3×u32
const BATCH = 256;
const ENOTTY = 25;
const EOPNOTSUPP = 95;
const EBADR = 53;

export interface ReadExtentsOptions {
  /**
   * Flush the file's dirty data first (FIEMAP_FLAG_SYNC, default true): delayed-allocation extents
   * get their device address, and the device holds the bytes the file's page cache holds.
   */
  sync?: boolean;
}

/** The file's extents now, through FIEMAP. Throws E0901/E0902 (the file), E0806 (no FIEMAP). */
export function readFileExtents(path: string, options: ReadExtentsOptions = {}): FileExtentMap {
  const fd = openRegularFile(path, "file to map");
  try {
    const st = fstatSync(fd, { bigint: true });
    const fsType = fsName(Number(statfsSync(path).type));
    const extents = fiemap(fd, st.size, options.sync ?? true, path, fsType);
    return {
      path,
      generation: layoutGeneration(st, extents),
      extents,
      size: st.size,
      blockSize: Number(st.blksize),
      device: { major: deviceMajor(st.dev), minor: deviceMinor(st.dev) },
      fsType,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * The generation: the first 8 bytes of SHA-256 over st_dev, st_ino and every extent's four numbers.
 * It changes exactly when a read at a translated address could return other bytes: the extent
 * list moved (defragmentation, copy-on-write, btrfs balance, a rewrite through a new file), the
 * file is another inode, or it sits on another device (the same image on another loop device).
 * Times are left out on purpose: every write in place changes mtime/ctime without moving a block,
 * and taking them would send every written-to database file down the fallback path.
 */
function layoutGeneration(st: BigIntStats, extents: FiemapExtent[]): bigint {
  const words = new BigUint64Array(2 + extents.length * 4);
  words[0] = st.dev;
  words[1] = st.ino;
  extents.forEach((e, i) =>
    words.set([e.fileOffset, e.length, e.devAddr, BigInt(e.flags)], 2 + i * 4),
  );
  const digest = createHash("sha256").update(new Uint8Array(words.buffer)).digest();
  const g = digest.readBigUInt64LE(0);
  return g === 0n ? 1n : g; // 0 is the generation of tables made up without a file
}

/** FIEMAP over [0, size), BATCH extents per call, until the kernel says the last one came. */
function fiemap(
  fd: number,
  size: bigint,
  sync: boolean,
  path: string,
  fsType: string,
): FiemapExtent[] {
  const lib = libcOrThrow(path);
  const buf = new NativeBuffer(HEADER_BYTES + BATCH * EXTENT_BYTES);
  const extents: FiemapExtent[] = [];
  try {
    let start = 0n;
    for (;;) {
      buf.bytes.fill(0);
      buf.u64(0, start);
      buf.u64(8, size > start ? size - start : 1n);
      buf.u32(16, sync ? FIEMAP_FLAG_SYNC : 0);
      buf.u32(24, BATCH);
      if (lib.ioctl(fd, FS_IOC_FIEMAP, "void *", buf.ptr) < 0) {
        throw fiemapError(path, fsType, lib.koffi.errno());
      }
      const mapped = buf.view.getUint32(20, true);
      for (let i = 0; i < mapped; i++) {
        const at = HEADER_BYTES + i * EXTENT_BYTES;
        extents.push({
          fileOffset: buf.view.getBigUint64(at, true),
          devAddr: buf.view.getBigUint64(at + 8, true),
          length: buf.view.getBigUint64(at + 16, true),
          flags: buf.view.getUint32(at + 40, true),
        });
      }
      const last = extents[extents.length - 1];
      if (mapped < BATCH || !last || last.flags & ExtentFlag.last) return extents;
      const next = last.fileOffset + last.length;
      if (next <= start || next >= size) return extents;
      start = next;
    }
  } finally {
    buf.free();
  }
}

function libcOrThrow(path: string): Libc {
  const hint = "use --data-extents FILE.json or the sim target";
  if (process.platform !== "linux")
    throw new IochainError("E0806", `${path}: FIEMAP is a Linux ioctl`, undefined, hint);
  try {
    return native();
  } catch (err) {
    throw new IochainError(
      "E0806",
      `${path}: cannot call ioctl: ${(err as Error).message}`,
      undefined,
      hint,
    );
  }
}

function fiemapError(path: string, fsType: string, errno: number): IochainError {
  const noFiemap = errno === ENOTTY || errno === EOPNOTSUPP;
  const why = noFiemap
    ? `the file system (${fsType}) does not report extents (FIEMAP: ${describeErrno(errno)})`
    : errno === EBADR
      ? `the file system (${fsType}) refuses FIEMAP_FLAG_SYNC (${describeErrno(errno)})`
      : `FIEMAP failed: ${describeErrno(errno)}`;
  return new IochainError(
    "E0806",
    `${path}: ${why}`,
    undefined,
    "put the file on a block file system (ext4, xfs), or use --data-extents FILE.json or the sim target",
  );
}

/**
 * The table a program can be bound to: the extents whose device bytes are the file's bytes.
 * Throws E0807 naming the first extent that is not (unwritten, delalloc, unknown, encoded,
 * encrypted, inline or tail-packed), or when the file system's addresses are not device offsets.
 */
export function bindableExtents(map: FileExtentMap): ExtentTable {
  if (map.fsType === "btrfs") {
    throw new IochainError(
      "E0807",
      `${map.path}: on btrfs, FIEMAP's physical addresses are btrfs logical addresses, not offsets on one device`,
      undefined,
      "put the file on ext4 or xfs, or use --data-extents FILE.json or the sim target",
    );
  }
  const bad = map.extents.find((e) => e.flags & UNUSABLE_FLAGS);
  if (bad) {
    const names = extentFlagNames(bad.flags & UNUSABLE_FLAGS).join(",");
    throw new IochainError(
      "E0807",
      `${map.path}: the extent at file offset ${bad.fileOffset} (${bad.length} bytes) is ${names}: its device bytes are not the file's bytes`,
      undefined,
      unusableHint(bad.flags),
    );
  }
  return {
    generation: map.generation,
    extents: map.extents.map(({ fileOffset, length, devAddr }) => ({
      fileOffset,
      length,
      devAddr,
    })),
  };
}

function unusableHint(flags: number): string {
  if (flags & ExtentFlag.unwritten)
    return "the range is preallocated but never written (reads give zeros): write it, or use the sim target";
  if (flags & ExtentFlag.delalloc)
    return "the data is not on the device yet: fsync the file and read its extents again";
  if (flags & (ExtentFlag.encoded | ExtentFlag.encrypted))
    return "the file is compressed or encrypted on the device: store it without, or use the sim target";
  return "the data is not block-addressable on the device: use --data-extents FILE.json or the sim target";
}

/** The simulator's extent JSON (parseExtentJson reads it) with each extent's flag names added. */
export function fileExtentMapToJson(map: FileExtentMap): string {
  const n = (v: bigint): number | string =>
    v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  const extents = map.extents.map((e) => ({
    file_offset: n(e.fileOffset),
    length: n(e.length),
    dev_addr: n(e.devAddr),
    flags: extentFlagNames(e.flags),
  }));
  // One extent a line: readable, and diffs of two layouts line up.
  const lines = extents.map((e) => `  ${JSON.stringify(e)}`).join(",\n");
  return `{"generation": ${JSON.stringify(n(map.generation))}, "extents": [${lines ? `\n${lines}\n` : ""}]}\n`;
}

// Linux's dev_t encoding (glibc gnu_dev_major/minor).
const deviceMajor = (dev: bigint): number =>
  Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n));
const deviceMinor = (dev: bigint): number => Number((dev & 0xffn) | ((dev >> 12n) & 0xffffff00n));
