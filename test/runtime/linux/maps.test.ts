import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelError } from "../../../src/runtime/linux/errors.js";
import { BpfMap } from "../../../src/runtime/linux/maps.js";
import { UpdateFlag } from "../../../src/runtime/linux/syscall.js";
import { bpfFds, noBpf } from "./kernel-fixtures.js";

const u64le = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};

describe.skipIf(noBpf)("BPF maps", () => {
  let before: string[];
  beforeAll(() => {
    before = bpfFds();
  });
  afterAll(() => {
    expect(bpfFds()).toEqual(before);
  });

  it("an mmapable array: syscall writes show in the mapping and mapping writes in lookups", () => {
    const map = BpfMap.array({ valueSize: 4096, name: "block" });
    try {
      const bytes = map.mmap();
      expect(bytes.length).toBe(4096);
      expect(bytes.every((b) => b === 0)).toBe(true);

      const value = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
      map.update(0, value);
      expect(bytes).toEqual(value);

      bytes.fill(0xab, 100, 200);
      const seen = map.lookup(0)!;
      expect(seen.subarray(100, 200).every((b) => b === 0xab)).toBe(true);
      expect(seen[99]).toBe((99 * 7) & 0xff);
      expect(map.mmap()).toBe(bytes); // one mapping per map
    } finally {
      map.close();
    }
  });

  it("several array elements are laid out 8-byte aligned in the mapping", () => {
    const map = BpfMap.array({ valueSize: 12, maxEntries: 3 });
    try {
      const bytes = map.mmap();
      expect(bytes.length).toBe(3 * 16);
      map.update(
        2,
        Uint8Array.from({ length: 12 }, (_, i) => i + 1),
      );
      expect(Array.from(bytes.subarray(32, 44))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(map.lookup(3)).toBeUndefined(); // out of range reads as absent (ENOENT)
    } finally {
      map.close();
    }
  });

  it("a read-only-for-programs array is filled by update(); the kernel refuses a writable mapping", () => {
    const map = BpfMap.array({ valueSize: 64, readOnlyProg: true });
    try {
      expect(() => map.mmap()).toThrow(/BPF_F_RDONLY_PROG.*EACCES/);
      const value = new Uint8Array(64);
      value.set(u64le(0x1122334455667788n), 8);
      map.update(0, value);
      expect(map.lookup(0)!.subarray(8, 16)).toEqual(u64le(0x1122334455667788n));
    } finally {
      map.close();
    }
  });

  it("a hash map: update, lookup, NOEXIST, delete", () => {
    const map = BpfMap.hash({ keySize: 8, valueSize: 8, maxEntries: 16 });
    try {
      map.update(u64le(42n), u64le(4200n));
      expect(map.lookup(u64le(42n))).toEqual(u64le(4200n));
      expect(map.lookup(u64le(43n))).toBeUndefined();
      expect(() => map.update(u64le(42n), u64le(1n), UpdateFlag.NOEXIST)).toThrow(/EEXIST/);
      expect(map.delete(u64le(42n))).toBe(true);
      expect(map.delete(u64le(42n))).toBe(false);
      expect(() => map.mmap()).toThrow(KernelError);
    } finally {
      map.close();
    }
  });

  it("refusals are E08xx errors with the errno, not crashes", () => {
    const err = (() => {
      try {
        BpfMap.array({ valueSize: 0 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe("E0803");
    expect((err as KernelError).errno).toBe(22);
    expect((err as KernelError).message).toMatch(/BPF_MAP_CREATE .* EINVAL/);

    const map = BpfMap.array({ valueSize: 8 });
    try {
      expect(() => map.update(0, new Uint8Array(4))).toThrow(/value is 4 bytes/);
      expect(() => map.lookup(new Uint8Array(2))).toThrow(/key is 2 bytes/);
    } finally {
      map.close();
    }
  });

  it("close() releases the fd and leaves a stale view harmless", () => {
    const map = BpfMap.array({ valueSize: 4096 });
    const bytes = map.mmap();
    bytes[0] = 9;
    const fd = map.fd;
    map.close();
    map.close(); // idempotent
    expect(map.closed).toBe(true);
    expect(() => map.fd).toThrow(/closed/);
    expect(bpfFds().some((l) => l.startsWith(`${fd} ->`))).toBe(false);
    expect(bytes[0]).toBe(0); // private zero pages now, not the map
    bytes[1] = 1; // and writing does not crash
  });
});
