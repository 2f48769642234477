import { readlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
// Importing the whole linux runtime must not load koffi (the VM and compiler run without it).
import "./support/conformance-kernel.js";
import { KernelError } from "../../../src/runtime/linux/errors.js";
import { BpfMap } from "../../../src/runtime/linux/maps.js";
import "../../../src/runtime/linux/program.js";
import {
  bpfAvailable,
  describeErrno,
  enableRunTimeStats,
  NativeBuffer,
  nativeLoaded,
  OwnedFd,
  requireBpf,
} from "../../../src/runtime/linux/syscall.js";
import "../../../src/runtime/linux/test-run.js";

const koffiInRequireCache = (): boolean =>
  Object.keys(createRequire(import.meta.url).cache).some((k) =>
    k.includes(`${"/node_modules/koffi/"}`),
  );

// Taken right after the imports, before anything touches the kernel.
const loadedByImports = { native: nativeLoaded(), requireCache: koffiInRequireCache() };

describe("the bpf() binding", () => {
  it("importing the linux runtime loads no koffi", () => {
    expect(loadedByImports).toEqual({ native: false, requireCache: false });
  });

  const availability = bpfAvailable();
  if (!availability.ok) console.warn(`skipping kernel tests: ${availability.reason}`);

  it.skipIf(!availability.ok)(
    "(the check above can see koffi: it is loaded once bpf() was probed)",
    () => {
      expect(nativeLoaded()).toBe(true);
      expect(koffiInRequireCache()).toBe(true);
    },
  );

  it("bpfAvailable() answers with ok or a reason, and requireBpf() agrees", () => {
    if (availability.ok) {
      expect(() => requireBpf()).not.toThrow();
    } else {
      expect(availability.reason).not.toBe("");
      expect(() => requireBpf()).toThrow(KernelError);
    }
  });

  it.skipIf(!availability.ok)(
    "native buffers: zeroed, little-endian fields, a real address",
    () => {
      const buf = new NativeBuffer(24);
      try {
        expect(buf.bytes.every((b) => b === 0)).toBe(true);
        expect(buf.address).toBeGreaterThan(0n);
        buf.u32(0, 0xdeadbeef);
        buf.u64(8, -1n);
        expect(Array.from(buf.bytes.subarray(0, 4))).toEqual([0xef, 0xbe, 0xad, 0xde]);
        expect(buf.view.getBigUint64(8, true)).toBe(0xffff_ffff_ffff_ffffn);
      } finally {
        buf.free();
        buf.free(); // idempotent
      }
    },
  );

  it.skipIf(!availability.ok)("errno names read like the kernel's", () => {
    expect(describeErrno(22)).toBe("EINVAL (Invalid argument)");
    expect(describeErrno(1)).toMatch(/^EPERM /);
  });

  it.skipIf(!availability.ok)("an owned fd closes once and then refuses to be used", () => {
    const stats = enableRunTimeStats();
    expect(stats.fd).toBeGreaterThan(2);
    stats.close();
    stats.close();
    expect(stats.closed).toBe(true);
    expect(() => stats.fd).toThrow(/closed/);
  });

  it.skipIf(!availability.ok)("`using` closes maps and fds at the end of the scope", () => {
    let fd: number;
    {
      using map = BpfMap.array({ valueSize: 8 });
      using owned = new OwnedFd(-1); // an empty owner: closing it is a no-op
      fd = map.fd;
      expect(owned.closed).toBe(true);
    }
    const open = (() => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    })();
    expect(open.startsWith("anon_inode:bpf-map")).toBe(false);
  });
});
