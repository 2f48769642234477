// The FFI layer: koffi, loaded on first use (so that importing the linux runtime costs nothing on
// machines without koffi), the few libc functions we call, and native memory whose address can go
// into a bpf_attr (koffi.address refuses Node Buffers, so such memory is malloc'd or mmap'd).
import { createRequire } from "node:module";

// Only the parts of koffi we use, typed loosely: koffi's pointers are opaque External objects.
export type NativePtr = object;
interface KoffiLib {
  func(signature: string): (...args: unknown[]) => unknown;
}
interface Koffi {
  load(path: string): KoffiLib;
  address(ptr: NativePtr): bigint;
  view(ptr: NativePtr, len: number): ArrayBuffer;
  errno(): number;
  os: { errno: Record<string, number> };
}

export interface Libc {
  koffi: Koffi;
  /** `long syscall(long nr, long a, void *b, long c)`: fixed arity, cheaper than the variadic form. */
  syscall3: (nr: number, a: number, b: NativePtr | null, c: number) => number;
  calloc: (count: number, size: number) => NativePtr | null;
  free: (ptr: NativePtr) => void;
  mmap: (
    addr: NativePtr | null,
    len: number,
    prot: number,
    flags: number,
    fd: number,
    off: number,
  ) => NativePtr;
  munmap: (addr: NativePtr, len: number) => number;
  madvise: (addr: NativePtr, len: number, advice: number) => number;
  /** `int fstat(int fd, struct stat *buf)` (glibc ≥ 2.33 exports it). */
  fstat: (fd: number, buf: NativePtr) => number;
  close: (fd: number) => number;
  strerror: (errnum: number) => string;
  sysconf: (name: number) => number;
  /** `int ioctl(int fd, unsigned long request, ...)`: called as `ioctl(fd, req, "void *", ptr)`. */
  ioctl: (fd: number, request: number, argType: string, arg: NativePtr) => number;
}

let libc: Libc | undefined;
let loadFailure: string | undefined;

/** Whether koffi has been loaded by this process (importing this module does not load it). */
export const nativeLoaded = (): boolean => libc !== undefined;

/** Loads koffi and libc once. Throws a plain Error with the reason if that is impossible. */
export function native(): Libc {
  if (libc) return libc;
  if (loadFailure !== undefined) throw new Error(loadFailure);
  try {
    const koffi = createRequire(import.meta.url)("koffi") as Koffi;
    const lib = koffi.load("libc.so.6");
    libc = {
      koffi,
      syscall3: lib.func("long syscall(long nr, long a, void *b, long c)") as Libc["syscall3"],
      calloc: lib.func("void *calloc(size_t count, size_t size)") as Libc["calloc"],
      free: lib.func("void free(void *ptr)") as Libc["free"],
      mmap: lib.func(
        "void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)",
      ) as Libc["mmap"],
      munmap: lib.func("int munmap(void *addr, size_t len)") as Libc["munmap"],
      madvise: lib.func("int madvise(void *addr, size_t len, int advice)") as Libc["madvise"],
      fstat: lib.func("int fstat(int fd, void *buf)") as Libc["fstat"],
      close: lib.func("int close(int fd)") as Libc["close"],
      strerror: lib.func("const char *strerror(int errnum)") as Libc["strerror"],
      sysconf: lib.func("long sysconf(int name)") as Libc["sysconf"],
      ioctl: lib.func("int ioctl(int fd, unsigned long request, ...)") as Libc["ioctl"],
    };
    return libc;
  } catch (err) {
    loadFailure = `cannot load koffi and libc.so.6: ${(err as Error).message}`;
    throw new Error(loadFailure);
  }
}

let errnoNames: Map<number, string> | undefined;
/** `EPERM`, `EINVAL`, … for an errno number (`errno 123` if unknown). */
export function errnoName(errno: number): string {
  if (!errnoNames) {
    errnoNames = new Map();
    for (const [name, value] of Object.entries(native().koffi.os.errno)) {
      if (!errnoNames.has(value)) errnoNames.set(value, name);
    }
  }
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** `EACCES (Permission denied)`. */
export const describeErrno = (errno: number): string =>
  `${errnoName(errno)} (${native().strerror(errno)})`;

/**
 * Zeroed native memory with a DataView over it. Owned by whoever allocated it: `free()` it once its
 * views can no longer be used. Memory whose views are handed to callers is created with
 * `{ freeWhenUnreachable: true }` instead: it is freed only after the garbage collector has dropped
 * every view, so a view kept past its owner's close() can never touch freed memory.
 */
export class NativeBuffer {
  readonly ptr: NativePtr;
  readonly address: bigint;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  private freed = false;

  constructor(
    readonly size: number,
    private readonly options: { freeWhenUnreachable?: boolean } = {},
  ) {
    const lib = native();
    const ptr = lib.calloc(1, Math.max(1, size));
    if (ptr === null) throw new Error(`calloc(${size}) failed`);
    this.ptr = ptr;
    this.address = lib.koffi.address(ptr);
    const ab = lib.koffi.view(ptr, Math.max(1, size));
    this.bytes = new Uint8Array(ab, 0, size);
    this.view = new DataView(ab, 0, size);
    if (options.freeWhenUnreachable) freeOnCollect.register(ab, ptr);
  }

  /** Copies `data` into this buffer at `at` (bounds-checked by the typed array). */
  write(data: Uint8Array, at = 0): void {
    this.bytes.set(data, at);
  }

  u32(at: number, value: number): void {
    this.view.setUint32(at, value >>> 0, true);
  }

  u64(at: number, value: bigint | number): void {
    this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
  }

  free(): void {
    if (this.freed || this.options.freeWhenUnreachable) return;
    this.freed = true;
    native().free(this.ptr);
  }

  [Symbol.dispose](): void {
    this.free();
  }
}

const freeOnCollect = new FinalizationRegistry<NativePtr>((ptr) => native().free(ptr));

export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_FAILED = (1n << 64n) - 1n;

const SC_PAGESIZE = 30; // Linux's _SC_PAGESIZE
let pageSizeCache: number | undefined;
/** The page size mmap lengths are rounded to (4 KiB on x86-64; some arm64 kernels use 64 KiB). */
export const pageSize = (): number => (pageSizeCache ??= native().sysconf(SC_PAGESIZE));
export const roundUpToPage = (n: number): number =>
  Math.ceil(Math.max(1, n) / pageSize()) * pageSize();

/**
 * A shared mapping of a file descriptor (here: a BPF map). `bytes` views it directly. unmap()
 * releases the mapping (and with it the mapping's hold on the BPF map) by laying private zero
 * pages over the same addresses; those are unmapped only when no view of them is left, so a stale
 * view reads zeros instead of crashing the process.
 */
export class MappedRegion {
  readonly bytes: Uint8Array;
  private readonly ptr: NativePtr;
  private mapped = true;

  private constructor(
    ptr: NativePtr,
    readonly length: number,
    view: Uint8Array,
  ) {
    this.ptr = ptr;
    this.bytes = view;
  }

  /** mmap(fd) shared; returns the errno on failure. */
  static map(fd: number, length: number, writable: boolean): MappedRegion | { errno: number } {
    const lib = native();
    const len = roundUpToPage(length);
    const prot = PROT_READ | (writable ? PROT_WRITE : 0);
    const ptr = lib.mmap(null, len, prot, MAP_SHARED, fd, 0);
    if (lib.koffi.address(ptr) === MAP_FAILED) return { errno: lib.koffi.errno() };
    const ab = lib.koffi.view(ptr, len);
    const region = new MappedRegion(ptr, len, new Uint8Array(ab, 0, length));
    unmapOnCollect.register(ab, { ptr, len }, region);
    return region;
  }

  unmap(): void {
    if (!this.mapped) return;
    this.mapped = false;
    const lib = native();
    const placeholder = lib.mmap(
      this.ptr,
      this.length,
      PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
      -1,
      0,
    );
    // If even that fails (no memory), unmapping is the only way to let go of the BPF map.
    if (lib.koffi.address(placeholder) === MAP_FAILED) {
      unmapOnCollect.unregister(this);
      lib.munmap(this.ptr, this.length);
    }
  }

  [Symbol.dispose](): void {
    this.unmap();
  }
}

const unmapOnCollect = new FinalizationRegistry<{ ptr: NativePtr; len: number }>(({ ptr, len }) => {
  native().munmap(ptr, len);
});

/** close(2); returns 0 or the errno. */
export function closeFd(fd: number): number {
  const lib = native();
  return lib.close(fd) === 0 ? 0 : lib.koffi.errno();
}
