// BPF maps: create (ARRAY, optionally mmapable and read-only for programs; HASH), update, lookup,
// delete, freeze, and an mmap of an array's values that user space reads and writes directly.
import { KernelError } from "./errors.js";
import { describeErrno, MappedRegion, NativeBuffer } from "./native.js";
import {
  AttrSize,
  BpfCmd,
  bpf,
  bpfOrThrow,
  kernelCallError,
  MapFlag,
  MapType,
  OwnedFd,
  UpdateFlag,
} from "./syscall.js";

export interface MapSpec {
  type: number; // MapType.*
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number; // MapFlag.* ORed
  /** Shown by bpftool; at most 15 characters of [A-Za-z0-9_.]. */
  name?: string;
}

export interface ArrayMapOptions {
  valueSize: number;
  maxEntries?: number; // default 1
  /** BPF_F_MMAPABLE (default true): user space can mmap the values. */
  mmapable?: boolean;
  /** BPF_F_RDONLY_PROG: programs may only read it (user space still writes). */
  readOnlyProg?: boolean;
  name?: string;
}

export interface HashMapOptions {
  keySize: number;
  valueSize: number;
  maxEntries: number;
  name?: string;
}

/** A map key: bytes of exactly keySize, or a number taken as a little-endian u32 (array index). */
export type MapKey = Uint8Array | number;

export class BpfMap {
  private readonly owner: OwnedFd;
  private region: MappedRegion | undefined;
  private attr: NativeBuffer | undefined;
  private keyValue: NativeBuffer | undefined;
  private frozenFlag = false;

  private constructor(
    fd: number,
    readonly spec: Required<MapSpec>,
  ) {
    this.owner = new OwnedFd(fd);
  }

  static create(spec: MapSpec): BpfMap {
    const full: Required<MapSpec> = { ...spec, flags: spec.flags ?? 0, name: spec.name ?? "" };
    const attr = new NativeBuffer(AttrSize.MAP_CREATE);
    try {
      attr.u32(0, full.type);
      attr.u32(4, full.keySize);
      attr.u32(8, full.valueSize);
      attr.u32(12, full.maxEntries);
      attr.u32(16, full.flags);
      attr.write(mapName(full.name), 28);
      const fd = bpf(BpfCmd.MAP_CREATE, attr);
      if (fd < 0) {
        throw kernelCallError(
          `BPF_MAP_CREATE (type ${full.type}, key ${full.keySize} B, value ${full.valueSize} B, ${full.maxEntries} entries, flags 0x${full.flags.toString(16)})`,
          -fd,
        );
      }
      return new BpfMap(fd, full);
    } finally {
      attr.free();
    }
  }

  /** A BPF_MAP_TYPE_ARRAY with u32 keys, by default one mmapable element. */
  static array(options: ArrayMapOptions): BpfMap {
    const flags =
      ((options.mmapable ?? true) ? MapFlag.MMAPABLE : 0) |
      (options.readOnlyProg ? MapFlag.RDONLY_PROG : 0);
    return BpfMap.create({
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: options.valueSize,
      maxEntries: options.maxEntries ?? 1,
      flags,
      name: options.name,
    });
  }

  static hash(options: HashMapOptions): BpfMap {
    return BpfMap.create({ type: MapType.HASH, ...options });
  }

  get fd(): number {
    return this.owner.fd;
  }

  get closed(): boolean {
    return this.owner.closed;
  }

  /** BPF_MAP_UPDATE_ELEM; `flags` is UpdateFlag.ANY (default), NOEXIST or EXIST. */
  update(key: MapKey, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
    if (value.length !== this.spec.valueSize) {
      throw new KernelError(
        "E0803",
        `map update: value is ${value.length} bytes, the map's values are ${this.spec.valueSize}`,
        22,
      );
    }
    const { attr, kv } = this.elemAttr(key);
    kv.write(value, this.spec.keySize);
    attr.u64(16, kv.address + BigInt(this.spec.keySize));
    attr.u64(24, flags);
    bpfOrThrow(BpfCmd.MAP_UPDATE_ELEM, attr, "BPF_MAP_UPDATE_ELEM");
  }

  /** BPF_MAP_LOOKUP_ELEM: a copy of the value, or undefined if the key is absent. */
  lookup(key: MapKey): Uint8Array | undefined {
    const { attr, kv } = this.elemAttr(key);
    attr.u64(16, kv.address + BigInt(this.spec.keySize));
    const ret = bpf(BpfCmd.MAP_LOOKUP_ELEM, attr);
    if (ret === -2) return undefined; // ENOENT
    if (ret < 0) throw kernelCallError("BPF_MAP_LOOKUP_ELEM", -ret);
    return kv.bytes.slice(this.spec.keySize, this.spec.keySize + this.spec.valueSize);
  }

  /** BPF_MAP_DELETE_ELEM: true if the key was present. (Array maps refuse deletes with EINVAL.) */
  delete(key: MapKey): boolean {
    const { attr } = this.elemAttr(key);
    const ret = bpf(BpfCmd.MAP_DELETE_ELEM, attr);
    if (ret === -2) return false;
    if (ret < 0) throw kernelCallError("BPF_MAP_DELETE_ELEM", -ret);
    return true;
  }

  /**
   * BPF_MAP_FREEZE: from now on user space cannot change the map either. A map that is also
   * BPF_F_RDONLY_PROG is then constant, and the verifier reads its contents as known values when
   * it checks a program that uses it (a table lookup over it is followed like constant code).
   */
  freeze(): void {
    const attr = new NativeBuffer(4);
    try {
      attr.u32(0, this.fd);
      bpfOrThrow(BpfCmd.MAP_FREEZE, attr, "BPF_MAP_FREEZE");
      this.frozenFlag = true;
    } finally {
      attr.free();
    }
  }

  /** Whether freeze() was called: writes from user space fail with EPERM. */
  get frozen(): boolean {
    return this.frozenFlag;
  }

  /**
   * The values of an mmapable array, mapped shared: writes are seen by the next program run, and
   * the program's writes are seen here, with no copy. Element i starts at i * round_up(valueSize, 8).
   * The view stays valid until close(); after that it reads zeros (never crashes).
   * Maps that are read-only for programs cannot be mapped: fill those with update().
   */
  mmap(): Uint8Array {
    if (this.region) return this.region.bytes;
    if (this.spec.type !== MapType.ARRAY || !(this.spec.flags & MapFlag.MMAPABLE)) {
      throw new KernelError(
        "E0804",
        "only array maps created with BPF_F_MMAPABLE can be mmapped",
        22,
      );
    }
    if (this.spec.flags & MapFlag.RDONLY_PROG) {
      // Measured on 6.18: a writable mapping of such a map fails with EACCES, and a read-only one
      // would crash the process on the first write through the view.
      throw new KernelError(
        "E0804",
        "a map created with BPF_F_RDONLY_PROG cannot be mapped writable (the kernel answers EACCES)",
        13,
        "fill it with update() instead",
      );
    }
    const length = roundUp8(this.spec.valueSize) * this.spec.maxEntries;
    const mapped = MappedRegion.map(this.fd, length, true);
    if (!(mapped instanceof MappedRegion)) {
      throw new KernelError(
        "E0804",
        `mmap of map fd ${this.fd} (${length} bytes) failed: ${describeErrno(mapped.errno)}`,
        mapped.errno,
      );
    }
    this.region = mapped;
    return mapped.bytes;
  }

  close(): void {
    this.region?.unmap();
    this.region = undefined;
    this.attr?.free();
    this.keyValue?.free();
    this.attr = this.keyValue = undefined;
    this.owner.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The reused attr (map_fd, key set) and key+value buffer of an element command. */
  private elemAttr(key: MapKey): { attr: NativeBuffer; kv: NativeBuffer } {
    const attr = (this.attr ??= new NativeBuffer(AttrSize.MAP_ELEM));
    const kv = (this.keyValue ??= new NativeBuffer(this.spec.keySize + this.spec.valueSize));
    if (typeof key === "number") {
      if (this.spec.keySize !== 4) {
        throw new KernelError(
          "E0803",
          `a numeric key needs 4-byte keys; this map's keys are ${this.spec.keySize} bytes`,
          22,
        );
      }
      kv.u32(0, key);
    } else {
      if (key.length !== this.spec.keySize) {
        throw new KernelError(
          "E0803",
          `map key is ${key.length} bytes, the map's keys are ${this.spec.keySize}`,
          22,
        );
      }
      kv.write(key, 0);
    }
    attr.bytes.fill(0);
    attr.u32(0, this.fd);
    attr.u64(8, kv.address);
    return { attr, kv };
  }
}

const roundUp8 = (n: number): number => (n + 7) & ~7;

function mapName(name: string): Uint8Array {
  const out = new Uint8Array(16);
  const clean = name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, 15);
  out.set(new TextEncoder().encode(clean));
  return out;
}
