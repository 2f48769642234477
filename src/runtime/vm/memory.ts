// Checked memory. A pointer is a 64-bit value whose upper half selects a region and whose lower half
// is the byte offset inside it, so a bounds check is one table lookup and one compare, and pointer
// arithmetic that leaves a region (below 0 or past 4 GiB) lands in no region at all.
//
// Regions: ctx, the caller's buffer `mem`, one 512-byte stack per call frame, and map values.
// Each has a readable length and a writable length (0 when read-only).
import { internalError } from "../../diagnostics.js";
import { hex64 } from "./faults.js";

/** Upper half of the first region's addresses: region i lives at (REGION_HI_BASE + i) << 32. */
export const REGION_HI_BASE = 0x7f000000;
/** Upper half of map handles (what lddw map_fd yields): the lower half is the map's index. */
export const MAP_HANDLE_HI = 0x7e000000;
/** Upper half of function pointers (lddw func): the lower half is the function's entry slot. */
export const FUNC_HI = 0x7d000000;

export const STACK_SIZE = 512;
export const MAX_FRAMES = 8;

export const CTX_REGION = 0;
export const MEM_REGION = 1;
export const STACK_REGION = 2; // frame i uses region STACK_REGION + i
const FIRST_STATIC = STACK_REGION + MAX_FRAMES;

export const regionHi = (index: number): number => (REGION_HI_BASE + index) | 0;
export const regionPointer = (index: number, offset = 0): bigint =>
  (BigInt(REGION_HI_BASE + index) << 32n) + BigInt(offset);

export class Memory {
  // Parallel arrays indexed by region, read directly by the translated code.
  readonly len: number[] = [];
  readonly wlen: number[] = [];
  readonly dv: DataView[] = [];
  readonly bytes: Uint8Array[] = [];
  readonly names: string[] = [];

  private readonly stack = new Uint8Array(STACK_SIZE * MAX_FRAMES);
  private readonly staticRegions = new Map<Uint8Array, number>();
  private readonly runRegions = new Map<Uint8Array, number>();
  private readonly views = new WeakMap<Uint8Array, DataView>();
  private staticEnd = FIRST_STATIC;
  /** The deepest frame index used since the stacks were last cleared. */
  deepestFrame = MAX_FRAMES - 1;

  constructor() {
    this.set(CTX_REGION, new Uint8Array(0), true, "ctx");
    this.set(MEM_REGION, new Uint8Array(0), true, "mem");
    for (let f = 0; f < MAX_FRAMES; f++) {
      const frame = this.stack.subarray(f * STACK_SIZE, (f + 1) * STACK_SIZE);
      this.set(STACK_REGION + f, frame, true, `the stack of frame ${f}`);
    }
  }

  /** Binds the caller's ctx / mem buffer (no copy: the program's writes land in it). */
  bind(index: typeof CTX_REGION | typeof MEM_REGION, bytes: Uint8Array, writable: boolean): void {
    if (this.bytes[index] === bytes && (this.wlen[index] !== 0) === writable) return;
    let view = this.views.get(bytes);
    if (!view) {
      view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.views.set(bytes, view);
    }
    this.len[index] = bytes.length;
    this.wlen[index] = writable ? bytes.length : 0;
    this.dv[index] = view;
    this.bytes[index] = bytes;
  }

  /** A region that lives as long as the VM (map values named by lddw map_value). */
  addStatic(bytes: Uint8Array, writable: boolean, name: string): number {
    const known = this.staticRegions.get(bytes);
    if (known !== undefined) return known;
    if (this.runRegions.size > 0)
      throw internalError("static regions are added before the first run");
    const index = this.staticEnd++;
    this.set(index, bytes, writable, name);
    this.staticRegions.set(bytes, index);
    return index;
  }

  /** The region of a buffer handed to the program during this run (a map value from a lookup). */
  regionOf(bytes: Uint8Array, writable: boolean, name: string): number {
    const known = this.staticRegions.get(bytes) ?? this.runRegions.get(bytes);
    if (known !== undefined) return known;
    const index = this.len.length;
    this.set(index, bytes, writable, name);
    this.runRegions.set(bytes, index);
    return index;
  }

  /** Forgets the previous run's regions and clears the stacks it used. */
  startRun(): void {
    if (this.runRegions.size > 0) {
      this.runRegions.clear();
      for (const a of [this.len, this.wlen, this.dv, this.bytes, this.names] as unknown[][])
        a.length = this.staticEnd;
    }
    this.stack.fill(0, 0, (this.deepestFrame + 1) * STACK_SIZE);
    this.deepestFrame = 0;
  }

  /** Notes that frame `frame` is in use (so the next run clears its stack). */
  useFrame(frame: number): void {
    if (frame > this.deepestFrame) this.deepestFrame = frame;
  }

  /**
   * The region index if `size` bytes at (hi, lo) are inside one region (and writable when asked),
   * else -1. The offset inside the region is `lo`.
   */
  locate(hi: number, lo: number, size: number, write: boolean): number {
    const index = (hi - REGION_HI_BASE) >>> 0;
    const limit = (write ? this.wlen : this.len)[index];
    return limit !== undefined && (lo >>> 0) + size <= limit ? index : -1;
  }

  /** A view of `size` bytes at `address`, or why there is none. */
  slice(address: bigint, size: number, write: boolean): Uint8Array | string {
    const hi = Number(BigInt.asUintN(64, address) >> 32n) | 0;
    const lo = Number(BigInt.asUintN(32, address));
    const index = this.locate(hi, lo, size, write);
    if (index < 0) return this.problem(address, size, write).reason;
    return this.bytes[index].subarray(lo, lo + size);
  }

  /** Why an access of `size` bytes at `address` is refused, and which fault code that is. */
  problem(address: bigint, size: number, write: boolean): { readOnly: boolean; reason: string } {
    const what = `${write ? "store to" : "load from"} ${hex64(address)} (${size} byte${size === 1 ? "" : "s"})`;
    const a = BigInt.asUintN(64, address);
    const index = Number(a >> 32n) - REGION_HI_BASE;
    const offset = Number(a & 0xffffffffn);
    if (a === 0n || (a < 4096n && a >= 0n))
      return { readOnly: false, reason: `${what}: a null pointer` };
    if (index < 0 || index >= this.len.length) {
      return { readOnly: false, reason: `${what}: no region there (${this.nearest(a)})` };
    }
    const name = this.names[index];
    const len = this.len[index];
    if (offset >= 0x80000000 && index + 1 < this.len.length) {
      // A negative offset borrowed from the upper half: it was meant for the next region.
      return {
        readOnly: false,
        reason: `${what}: ${2 ** 32 - offset} bytes before the start of ${this.names[index + 1]}`,
      };
    }
    if (offset + size > len) {
      return {
        readOnly: false,
        reason: `${what}: offset ${offset} in ${name}, which is ${len} bytes long`,
      };
    }
    return { readOnly: true, reason: `${what}: ${name} is read-only` };
  }

  /** Says where a stray address is relative to the region it most likely came from. */
  private nearest(a: bigint): string {
    const hi = Number(a >> 32n);
    const index = hi - REGION_HI_BASE;
    if (index === -1 || (index >= 0 && index <= this.len.length)) {
      // Just below a region start, or just past the last region: pointer arithmetic overflowed.
      const owner = index === -1 ? 0 : Math.min(index, this.len.length - 1);
      const delta = a - regionPointer(owner);
      return `${delta < 0n ? `${-delta} bytes before` : `${delta} bytes past the start of`} ${this.names[owner]}`;
    }
    if (hi === MAP_HANDLE_HI) return "a map handle, not a pointer to memory";
    if (hi === FUNC_HI) return "a function pointer, not a pointer to memory";
    return "not a pointer the program was given";
  }

  private set(index: number, bytes: Uint8Array, writable: boolean, name: string): void {
    this.len[index] = bytes.length;
    this.wlen[index] = writable ? bytes.length : 0;
    this.dv[index] = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.bytes[index] = bytes;
    this.names[index] = name;
  }
}
