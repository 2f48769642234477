// The helper functions a BPF_PROG_TYPE_SYSCALL program may call, as the VM provides them. A helper
// reads its arguments through a HelperCall and returns r0 (a number or a bigint; negative numbers
// are the kernel's -errno values).
import { BPF_MAX_LOOPS, HelperId } from "../../abi/helpers.js";
import { E2BIG, EFAULT, EINVAL, type VmMap } from "./maps.js";

export interface HelperCall {
  /** Slot index of the calling instruction. */
  readonly pc: number;
  /** Argument register r`i` (1..5) as an unsigned 64-bit value. */
  arg(i: number): bigint;
  /** The low 32 bits of r`i`, unsigned. */
  argU32(i: number): number;
  /** `size` bytes of program memory at the pointer in r`i` (a live view); faults when not there. */
  bytes(i: number, size: number, write: boolean): Uint8Array;
  /** The same for a pointer value, returning why not instead of faulting. */
  tryBytes(address: bigint, size: number, write: boolean): Uint8Array | string;
  /** The map whose handle (lddw map_fd) is in r`i`; faults when it holds none. */
  map(i: number): VmMap;
  /** A pointer the program can use to reach `bytes` until the run ends. */
  pointerTo(bytes: Uint8Array, writable: boolean, name: string): bigint;
  /** Calls the program function whose pointer (lddw func) is in r`i`, with r1..r2; returns its r0. */
  callback(i: number, r1: bigint, r2: bigint): bigint;
  /** Nanoseconds from the VM's clock. */
  now(): bigint;
  /** Emits one line of trace output. */
  trace(line: string): void;
  /** Faults with E0208 (bad helper argument). */
  fail(reason: string): never;
}

export type Helper = (call: HelperCall) => bigint | number;

const mapLookup: Helper = (c) => {
  const map = c.map(1);
  const value = map.lookup(c.bytes(2, map.spec.keySize, false));
  if (!value) return 0;
  const readOnly = ((map.spec.flags ?? 0) & 0x80) !== 0; // BPF_F_RDONLY_PROG
  return c.pointerTo(value, !readOnly, `a value of map ${map.name}`);
};

const mapUpdate: Helper = (c) => {
  const map = c.map(1);
  const key = c.bytes(2, map.spec.keySize, false);
  const value = c.bytes(3, map.spec.valueSize, false);
  return map.update(key, value, c.argU32(4));
};

const mapDelete: Helper = (c) => {
  const map = c.map(1);
  return map.delete(c.bytes(2, map.spec.keySize, false));
};

/** probe_read_kernel / probe_read_user / copy_from_user: on a bad source, zero dst and -EFAULT. */
const copyIn: Helper = (c) => {
  const size = c.argU32(2);
  const dst = c.bytes(1, size, true);
  const src = c.tryBytes(c.arg(3), size, false);
  if (typeof src === "string") {
    dst.fill(0);
    return EFAULT;
  }
  dst.set(src);
  return 0;
};

const loop: Helper = (c) => {
  const count = c.argU32(1);
  if (c.arg(4) !== 0n) return EINVAL;
  if (c.arg(1) > BigInt(BPF_MAX_LOOPS)) return E2BIG;
  const ctx = c.arg(3);
  let i = 0;
  while (i < count) {
    const stop = c.callback(2, BigInt(i), ctx);
    i++;
    if (stop === 1n) break;
    if (stop !== 0n)
      c.fail(`bpf_loop callback returned ${stop}; it must return 0 (go on) or 1 (stop)`);
  }
  return i;
};

const tracePrintk: Helper = (c) => {
  const size = c.argU32(2);
  const fmtBytes = c.bytes(1, size, false);
  const end = fmtBytes.indexOf(0);
  if (end < 0) return EINVAL; // the format must be NUL-terminated inside fmt_size
  const fmt = Buffer.from(fmtBytes.subarray(0, end)).toString("latin1");
  const line = formatPrintk(fmt, [c.arg(3), c.arg(4), c.arg(5)], (address) => {
    const bytes = c.tryBytes(address, 1, false);
    if (typeof bytes === "string") return "(fault)";
    let text = "";
    for (let a = address; ; a++) {
      const b = c.tryBytes(a, 1, false);
      if (typeof b === "string" || b[0] === 0 || text.length >= 256) break;
      text += String.fromCharCode(b[0]);
    }
    return text;
  });
  if (line === undefined) return EINVAL;
  c.trace(line);
  return line.length + 1;
};

/** The kernel's bpf_trace_printk format: %d %i %u %x %X %c %s %p with l/ll, at most 3 arguments. */
export function formatPrintk(
  fmt: string,
  args: bigint[],
  readString: (address: bigint) => string,
): string | undefined {
  let next = 0;
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== "%") {
      out += ch;
      continue;
    }
    const m = /^%(l{0,2})([diuxXcsp%])/.exec(fmt.slice(i));
    if (!m) return undefined;
    i += m[0].length - 1;
    if (m[2] === "%") {
      out += "%";
      continue;
    }
    if (next >= args.length) return undefined;
    const raw = args[next++];
    const bits = m[1] === "" && m[2] !== "p" && m[2] !== "s" ? 32 : 64;
    const unsigned = BigInt.asUintN(bits, raw);
    switch (m[2]) {
      case "d":
      case "i":
        out += BigInt.asIntN(bits, raw).toString();
        break;
      case "u":
        out += unsigned.toString();
        break;
      case "x":
        out += unsigned.toString(16);
        break;
      case "X":
        out += unsigned.toString(16).toUpperCase();
        break;
      case "c":
        out += String.fromCharCode(Number(raw & 0xffn));
        break;
      case "p":
        out += "0x" + unsigned.toString(16);
        break;
      case "s":
        out += readString(raw);
        break;
    }
  }
  return out;
}

export const DEFAULT_HELPERS: Readonly<Record<number, Helper>> = {
  [HelperId.MAP_LOOKUP_ELEM]: mapLookup,
  [HelperId.MAP_UPDATE_ELEM]: mapUpdate,
  [HelperId.MAP_DELETE_ELEM]: mapDelete,
  [HelperId.KTIME_GET_NS]: (c) => c.now(),
  [HelperId.TRACE_PRINTK]: tracePrintk,
  [HelperId.PROBE_READ_USER]: copyIn,
  [HelperId.PROBE_READ_KERNEL]: copyIn,
  [HelperId.COPY_FROM_USER]: copyIn,
  [HelperId.LOOP]: loop,
};
