// BPF maps as the VM sees them. Values are plain Uint8Arrays that user space reads and writes
// directly, as it would an mmapped kernel map; a program reaches them through lddw map_value or
// bpf_map_lookup_elem, and its writes land in the same bytes.
import { IochainError } from "../../diagnostics.js";

export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
/** Map flag: the program may only read the map (user space can still write it). */
export const BPF_F_RDONLY_PROG = 0x80;
/** Map flag: the map can be mmapped (array maps only). */
export const BPF_F_MMAPABLE = 0x400;

// Negative errno values the map helpers return, as in the kernel.
export const ENOENT = -2;
export const E2BIG = -7;
export const EFAULT = -14;
export const EEXIST = -17;
export const EINVAL = -22;

export interface MapSpec {
  type: "array" | "hash";
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
}

export interface VmMap {
  readonly spec: Readonly<MapSpec>;
  readonly name: string;
  /** The value stored under `key` (a live view), or undefined. */
  lookup(key: Uint8Array): Uint8Array | undefined;
  /** 0, or a negative errno as bpf_map_update_elem returns. */
  update(key: Uint8Array, value: Uint8Array, flags: number): number;
  /** 0, or a negative errno as bpf_map_delete_elem returns. */
  delete(key: Uint8Array): number;
}

function checkSpec(spec: MapSpec): void {
  const bad = (why: string) => new IochainError("E0209", `map ${spec.name ?? "(unnamed)"}: ${why}`);
  for (const field of ["keySize", "valueSize", "maxEntries"] as const) {
    if (!Number.isInteger(spec[field]) || spec[field] <= 0)
      throw bad(`${field} must be a positive integer (is ${spec[field]})`);
  }
  if (spec.type === "array" && spec.keySize !== 4)
    throw bad(`array maps have 4-byte keys (keySize is ${spec.keySize})`);
}

export class ArrayMap implements VmMap {
  readonly spec: Readonly<MapSpec>;
  /** All values back to back, `maxEntries * valueSize` bytes (what mmap shows). */
  readonly data: Uint8Array;
  private readonly views = new Map<number, Uint8Array>();

  constructor(spec: Omit<MapSpec, "type" | "keySize"> & { keySize?: number }) {
    this.spec = { ...spec, type: "array", keySize: spec.keySize ?? 4 };
    checkSpec(this.spec as MapSpec);
    this.data = new Uint8Array(this.spec.valueSize * this.spec.maxEntries);
  }

  get name(): string {
    return this.spec.name ?? "array";
  }

  /** The value at `index` (a live view into `data`). */
  value(index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.spec.maxEntries) {
      throw new RangeError(
        `array map ${this.name}: index ${index} is outside 0..${this.spec.maxEntries - 1}`,
      );
    }
    let view = this.views.get(index);
    if (!view) {
      view = this.data.subarray(index * this.spec.valueSize, (index + 1) * this.spec.valueSize);
      this.views.set(index, view);
    }
    return view;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const index = keyU32(key);
    return index < this.spec.maxEntries ? this.value(index) : undefined;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > BPF_EXIST) return EINVAL;
    const index = keyU32(key);
    if (index >= this.spec.maxEntries) return E2BIG;
    if (flags === BPF_NOEXIST) return EEXIST; // every element of an array exists
    this.value(index).set(value.subarray(0, this.spec.valueSize));
    return 0;
  }

  delete(_key: Uint8Array): number {
    return EINVAL; // array elements cannot be deleted
  }
}

export class HashMap implements VmMap {
  readonly spec: Readonly<MapSpec>;
  private readonly entries = new Map<string, { key: Uint8Array; value: Uint8Array }>();

  constructor(spec: Omit<MapSpec, "type">) {
    this.spec = { ...spec, type: "hash" };
    checkSpec(this.spec as MapSpec);
  }

  get name(): string {
    return this.spec.name ?? "hash";
  }

  get size(): number {
    return this.entries.size;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(this.keyString(key))?.value;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > BPF_EXIST) return EINVAL;
    const k = this.keyString(key);
    const existing = this.entries.get(k);
    if (existing) {
      if (flags === BPF_NOEXIST) return EEXIST;
      // In place: a program holding a pointer to the value sees the new bytes.
      existing.value.set(value.subarray(0, this.spec.valueSize));
      return 0;
    }
    if (flags === BPF_EXIST) return ENOENT;
    if (this.entries.size >= this.spec.maxEntries) return E2BIG;
    const stored = new Uint8Array(this.spec.valueSize);
    stored.set(value.subarray(0, this.spec.valueSize));
    this.entries.set(k, { key: key.slice(0, this.spec.keySize), value: stored });
    return 0;
  }

  delete(key: Uint8Array): number {
    return this.entries.delete(this.keyString(key)) ? 0 : ENOENT;
  }

  /** Every (key, value) pair, values as live views. */
  *[Symbol.iterator](): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const { key, value } of this.entries.values()) yield [key, value];
  }

  private keyString(key: Uint8Array): string {
    if (key.length < this.spec.keySize)
      throw new RangeError(
        `hash map ${this.name}: key of ${key.length} bytes, needs ${this.spec.keySize}`,
      );
    return Buffer.from(key.buffer, key.byteOffset, this.spec.keySize).toString("latin1");
  }
}

const keyU32 = (key: Uint8Array): number =>
  (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
