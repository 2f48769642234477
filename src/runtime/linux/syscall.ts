// The bpf(2) system call through koffi: command and type numbers, the raw call with errno, the
// owner of a file descriptor, and a probe telling whether bpf() is usable here (tests skip on it).
// Nothing here loads koffi at import time.
import { KernelError } from "./errors.js";
import { closeFd, describeErrno, NativeBuffer, native } from "./native.js";

export { NativeBuffer, MappedRegion, describeErrno, errnoName, nativeLoaded } from "./native.js";

/** `enum bpf_cmd` values we use. */
export const BpfCmd = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  PROG_LOAD: 5,
  PROG_TEST_RUN: 10,
  OBJ_GET_INFO_BY_FD: 15,
  MAP_FREEZE: 22,
  ENABLE_STATS: 32,
} as const;

export const MapType = { HASH: 1, ARRAY: 2 } as const;

export const MapFlag = {
  NO_PREALLOC: 0x1,
  RDONLY_PROG: 0x80,
  MMAPABLE: 0x400,
} as const;

export const ProgType = { SYSCALL: 31 } as const;
export const ProgFlag = { SLEEPABLE: 0x10 } as const;

/** Map-update flags (`BPF_ANY` creates or replaces). */
export const UpdateFlag = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;

/** Sizes of the bpf_attr parts we fill (checked against linux/bpf.h with offsetof). */
export const AttrSize = {
  MAP_CREATE: 72,
  MAP_ELEM: 32,
  PROG_LOAD: 144, // up to and including log_true_size (kernel ≥ 6.4; older kernels accept zeros)
  TEST_RUN: 80,
  OBJ_INFO: 16,
  ENABLE_STATS: 4,
} as const;

const SYS_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280 };

/** The bpf(2) syscall number of this machine, or undefined where we do not know it. */
export const bpfSyscallNumber = (): number | undefined =>
  process.platform === "linux" ? SYS_BPF[process.arch] : undefined;

const sysBpf = bpfSyscallNumber() ?? -1; // -1: ENOSYS, if bpfAvailable() was not asked first

/** bpf(cmd, attr, size): the result (≥ 0), or -errno. The hot path: no allocation, no throw. */
export function bpf(cmd: number, attr: NativeBuffer, size: number = attr.size): number {
  const lib = native();
  const ret = lib.syscall3(sysBpf, cmd, attr.ptr, size);
  return ret >= 0 ? ret : -lib.koffi.errno();
}

/** bpf() that throws a KernelError (E0803) naming `what` when the kernel refuses. */
export function bpfOrThrow(cmd: number, attr: NativeBuffer, what: string, size?: number): number {
  const ret = bpf(cmd, attr, size);
  if (ret < 0) throw kernelCallError(what, -ret);
  return ret;
}

export function kernelCallError(what: string, errno: number, hint?: string): KernelError {
  return new KernelError(
    "E0803",
    `${what} failed: ${describeErrno(errno)}`,
    errno,
    hint ?? hintFor(errno),
  );
}

function hintFor(errno: number): string | undefined {
  switch (errno) {
    case 1: // EPERM
    case 13: // EACCES
      return "bpf() needs root or CAP_BPF (plus CAP_PERFMON for some programs)";
    case 12: // ENOMEM
      return "the map or program is too large for the locked-memory limit or the kernel's caps";
    default:
      return undefined;
  }
}

/** A file descriptor with one owner. close() is idempotent; `using` closes it too. */
export class OwnedFd {
  private current: number;

  constructor(fd: number) {
    this.current = fd;
  }

  /** The descriptor; throws after close() so a stale fd number is never reused by mistake. */
  get fd(): number {
    if (this.current < 0) throw new KernelError("E0803", "use of a closed bpf file descriptor", 9);
    return this.current;
  }

  get closed(): boolean {
    return this.current < 0;
  }

  close(): void {
    if (this.current < 0) return;
    const fd = this.current;
    this.current = -1;
    closeFd(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): run_time_ns and run_cnt are counted while the fd is open. */
export function enableRunTimeStats(): OwnedFd {
  const attr = new NativeBuffer(AttrSize.ENABLE_STATS);
  try {
    attr.u32(0, 0); // BPF_STATS_RUN_TIME
    return new OwnedFd(bpfOrThrow(BpfCmd.ENABLE_STATS, attr, "BPF_ENABLE_STATS"));
  } finally {
    attr.free();
  }
}

export type Availability = { ok: true } | { ok: false; reason: string };
let availability: Availability | undefined;

/**
 * Whether this process can create mmapable array maps, load a sleepable BPF_PROG_TYPE_SYSCALL
 * program and test-run it: what the linux target needs. Probed once, with a real load and run.
 */
export function bpfAvailable(): Availability {
  return (availability ??= probe());
}

/** bpfAvailable() as a precondition: throws E0802 with the reason when bpf() cannot be used. */
export function requireBpf(): void {
  const a = bpfAvailable();
  if (!a.ok) {
    throw new KernelError(
      "E0802",
      `the linux target cannot run here: ${a.reason}`,
      0,
      "use the sim target, or run as root on Linux ≥ 5.14",
    );
  }
}

function probe(): Availability {
  if (process.platform !== "linux")
    return { ok: false, reason: `bpf() exists only on Linux (this is ${process.platform})` };
  if (bpfSyscallNumber() === undefined)
    return { ok: false, reason: `the bpf() syscall number of ${process.arch} is not known` };
  try {
    native();
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const attr = new NativeBuffer(AttrSize.PROG_LOAD);
  const code = new NativeBuffer(16);
  const license = new NativeBuffer(4);
  const ctx = new NativeBuffer(8);
  const fds: number[] = [];
  try {
    attr.u32(0, MapType.ARRAY);
    attr.u32(4, 4);
    attr.u32(8, 8);
    attr.u32(12, 1);
    attr.u32(16, MapFlag.MMAPABLE);
    const map = bpf(BpfCmd.MAP_CREATE, attr, AttrSize.MAP_CREATE);
    if (map < 0) return refused("BPF_MAP_CREATE of an mmapable array", -map);
    fds.push(map);

    attr.bytes.fill(0);
    code.write(Uint8Array.of(0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0)); // r0 = 7; exit
    license.write(new TextEncoder().encode("GPL\0"));
    attr.u32(0, ProgType.SYSCALL);
    attr.u32(4, 2);
    attr.u64(8, code.address);
    attr.u64(16, license.address);
    attr.u32(44, ProgFlag.SLEEPABLE);
    const prog = bpf(BpfCmd.PROG_LOAD, attr);
    if (prog < 0)
      return refused("BPF_PROG_LOAD of a sleepable BPF_PROG_TYPE_SYSCALL program", -prog);
    fds.push(prog);

    attr.bytes.fill(0);
    attr.u32(0, prog);
    attr.u32(40, ctx.size);
    attr.u64(48, ctx.address);
    const run = bpf(BpfCmd.PROG_TEST_RUN, attr, AttrSize.TEST_RUN);
    if (run < 0) return refused("BPF_PROG_TEST_RUN", -run);
    const retval = attr.view.getUint32(4, true);
    if (retval !== 7)
      return {
        ok: false,
        reason: `BPF_PROG_TEST_RUN returned ${retval} for a program returning 7`,
      };
    return { ok: true };
  } finally {
    for (const fd of fds) closeFd(fd);
    for (const b of [attr, code, license, ctx]) b.free();
  }
}

function refused(what: string, errno: number): Availability {
  const hint = hintFor(errno);
  return {
    ok: false,
    reason: `${what} refused: ${describeErrno(errno)}${hint ? ` — ${hint}` : ""}`,
  };
}
