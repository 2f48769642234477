// Maps and helpers as a BPF_PROG_TYPE_SYSCALL program sees them, on both engines.
import { describe, expect, it } from "vitest";
import { assembleUbpf } from "../../../src/bpf/asm/ubpf.js";
import {
  ArrayMap,
  HashMap,
  createVm,
  FaultCode,
  VmFault,
  type Engine,
  type VmOptions,
} from "../../../src/runtime/vm/index.js";
import { formatPrintk } from "../../../src/runtime/vm/helpers.js";

const engines: Engine[] = ["fast", "reference"];
const asm = (text: string) => assembleUbpf(text, "t.s");
const u32le = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

describe.each(engines)("maps and helpers (%s engine)", (engine) => {
  const vm = (text: string, options: VmOptions = {}) => createVm(asm(text), { ...options, engine });

  it("reads and writes ctx in place, run after run", () => {
    const prog = vm("ldxdw %r2, [%r1+0]\nadd %r2, 1\nstxdw [%r1+0], %r2\nldxw %r0, [%r1+8]\nexit");
    const ctx = new Uint8Array(16);
    const view = new DataView(ctx.buffer);
    view.setUint32(8, 77, true);
    for (let i = 1; i <= 3; i++) {
      expect(prog.run({ ctx }).r0).toBe(77n);
      expect(view.getBigUint64(0, true)).toBe(BigInt(i));
    }
  });

  it("reaches a one-element array map through lddw map_value; user space sees the writes", () => {
    const scratch = new ArrayMap({ valueSize: 64, maxEntries: 1, name: "scratch" });
    const prog = vm(
      "lddw %r1, 0x0000001000000000, map_value\nldxdw %r0, [%r1+0]\nadd %r0, 5\nstxdw [%r1+8], %r0\nexit",
      { maps: [scratch] },
    );
    const value = new DataView(scratch.value(0).buffer, scratch.value(0).byteOffset);
    value.setBigUint64(16, 10n, true); // offset 16 = the lddw's upper half
    expect(prog.run().r0).toBe(15n);
    expect(value.getBigUint64(24, true)).toBe(15n);
  });

  it("refuses lddw map_value into a missing map or past the value", () => {
    const small = new ArrayMap({ valueSize: 8, maxEntries: 1 });
    expect(() => vm("lddw %r1, 1, map_value\nexit", { maps: [small] })).toThrow(
      expect.objectContaining({ code: FaultCode.BAD_MAP }),
    );
    expect(() => vm("lddw %r1, 0x0000000800000000, map_value\nexit", { maps: [small] })).toThrow(
      /past the 8-byte value/,
    );
  });

  it("looks up, updates and deletes hash map elements", () => {
    const hash = new HashMap({ keySize: 4, valueSize: 8, maxEntries: 2, name: "h" });
    // key 5 on the stack; update with value 42 (BPF_NOEXIST); look it up; add 1 through the
    // returned pointer; return the looked-up value.
    const prog = vm(
      `stw [%r10-4], 5
       stdw [%r10-16], 42
       lddw %r1, 0, map_fd
       mov %r2, %r10
       add %r2, -4
       mov %r3, %r10
       add %r3, -16
       mov %r4, 1
       call 2
       jne %r0, 0, fail
       lddw %r1, 0, map_fd
       mov %r2, %r10
       add %r2, -4
       call 1
       jeq %r0, 0, fail
       ldxdw %r1, [%r0]
       add %r1, 1
       stxdw [%r0], %r1
       mov %r0, %r1
       exit
     fail:
       lsh %r0, 32
       arsh %r0, 32
       exit`,
      { maps: [hash] },
    );
    expect(prog.run().r0).toBe(43n);
    expect(hash.lookup(u32le(5))).toEqual(new Uint8Array([43, 0, 0, 0, 0, 0, 0, 0]));
    expect(BigInt.asIntN(64, prog.run().r0)).toBe(-17n); // -EEXIST: NOEXIST on an existing key
    const del = vm(
      "stw [%r10-4], 5\nlddw %r1, 0, map_fd\nmov %r2, %r10\nadd %r2, -4\ncall 3\nexit",
      { maps: [hash] },
    );
    expect(del.run().r0).toBe(0n);
    expect(BigInt.asIntN(64, del.run().r0)).toBe(-2n); // -ENOENT
    expect(hash.size).toBe(0);
  });

  it("returns null for an array lookup past max_entries and a pointer into the value otherwise", () => {
    const arr = new ArrayMap({ valueSize: 4, maxEntries: 3 });
    arr.value(2).set([9, 0, 0, 0]);
    const lookup = (key: number) =>
      vm(
        `stw [%r10-4], ${key}\nlddw %r1, 0, map_fd\nmov %r2, %r10\nadd %r2, -4\ncall 1\njeq %r0, 0, +1\nldxw %r0, [%r0]\nexit`,
        { maps: [arr] },
      ).run().r0;
    expect(lookup(2)).toBe(9n);
    expect(lookup(3)).toBe(0n);
    // The value pointer covers that value only.
    const over = vm(
      "stw [%r10-4], 0\nlddw %r1, 0, map_fd\nmov %r2, %r10\nadd %r2, -4\ncall 1\nldxw %r0, [%r0+4]\nexit",
      { maps: [arr] },
    );
    expect(() => over.run()).toThrow(expect.objectContaining({ code: FaultCode.OUT_OF_BOUNDS }));
  });

  it("runs bpf_loop callbacks (lddw func) until they stop", () => {
    // Sums i for i in 0..9 into a stack slot through the callback context; stops when i == 7.
    const text = `
      stdw [%r10-8], 0
      mov %r1, 10
      lddw %r2, 9, func
      mov %r3, %r10
      add %r3, -8
      mov %r4, 0
      call 181
      ldxdw %r1, [%r10-8]
      lsh %r0, 32
      or %r0, %r1
      exit
    cb:
      ldxdw %r3, [%r2]
      add %r3, %r1
      stxdw [%r2], %r3
      mov %r0, 0
      jne %r1, 7, +1
      mov %r0, 1
      exit`;
    // The lddw is at slot 2; cb starts at slot 12 = 2 + 9 + 1.
    const { r0 } = vm(text).run();
    expect(r0 >> 32n).toBe(8n); // iterations
    expect(r0 & 0xffffffffn).toBe(28n); // 0 + 1 + ... + 7
  });

  it("copies with probe_read_kernel, zeroing the destination and returning -EFAULT on a bad source", () => {
    const mem = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const text = (src: string) =>
      `mov %r6, %r1\nstdw [%r10-8], -1\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\n${src}\ncall 113\nldxdw %r1, [%r10-8]\nlsh %r0, 32\nxor %r0, %r1\nexit`;
    expect(vm(text("mov %r3, %r6")).run({ mem }).r0).toBe(0x0807060504030201n);
    expect(vm(text("mov %r3, %r6\nadd %r3, 4")).run({ mem }).r0).toBe(
      BigInt.asUintN(64, -14n << 32n),
    );
  });

  it("reads the injected clock and writes bpf_trace_printk lines", () => {
    const lines: string[] = [];
    const text = `
      stdw [%r10-16], 0
      lddw %r1, 0x203d782520642500
      rsh %r1, 8
      stxdw [%r10-16], %r1
      mov %r1, %r10
      add %r1, -16
      mov %r2, 8
      mov %r3, -3
      mov %r4, 255
      call 6
      call 5
      exit`;
    const { r0 } = vm(text, { clock: () => 123456789n, trace: (l) => lines.push(l) }).run();
    expect(r0).toBe(123456789n);
    expect(lines).toEqual(["-3 ff= "]); // the format is "%d %x= " (little-endian bytes of the lddw)
  });
});

describe("printk formatting", () => {
  it("formats the kernel's conversions", () => {
    const s = (address: bigint) => `str@${address}`;
    expect(formatPrintk("%d %u %x %lld %llx %c %s %%", [-1n, -1n, 255n, -5n], s)).toBeUndefined(); // 5 args needed
    expect(
      formatPrintk("%d %u %x", [BigInt.asUintN(64, -1n), BigInt.asUintN(64, -1n), 255n], s),
    ).toBe("-1 4294967295 ff");
    expect(formatPrintk("%lld %llx %s", [BigInt.asUintN(64, -5n), 0xabcn, 7n], s)).toBe(
      "-5 abc str@7",
    );
  });
});

describe("map values from user space", () => {
  it("exposes an array map's bytes and validates specs", () => {
    const arr = new ArrayMap({ valueSize: 8, maxEntries: 4 });
    arr.value(3)[0] = 1;
    expect(arr.data[24]).toBe(1);
    expect(arr.update(u32le(4), new Uint8Array(8), 0)).toBe(-7);
    expect(arr.delete(u32le(0))).toBe(-22);
    expect(() => new ArrayMap({ valueSize: 0, maxEntries: 1 })).toThrow(/valueSize/);
  });

  it("limits a hash map to max_entries", () => {
    const h = new HashMap({ keySize: 2, valueSize: 1, maxEntries: 1 });
    expect(h.update(Uint8Array.of(1, 0), Uint8Array.of(5), 0)).toBe(0);
    expect(h.update(Uint8Array.of(2, 0), Uint8Array.of(6), 0)).toBe(-7);
    expect(h.update(Uint8Array.of(1, 0), Uint8Array.of(7), 2)).toBe(0);
    expect([...h]).toEqual([[Uint8Array.of(1, 0), Uint8Array.of(7)]]);
  });
});

it("keeps VmFault distinct from other errors", () => {
  expect(new VmFault("E0201", "x", 3, "exit").message).toBe("x at pc 3 (`exit`)");
});
