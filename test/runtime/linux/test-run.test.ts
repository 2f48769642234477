import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleUbpf } from "../../../src/bpf/asm/ubpf.js";
import { KernelError } from "../../../src/runtime/linux/errors.js";
import { loadProgram } from "../../../src/runtime/linux/program.js";
import { TestRunner, testRun } from "../../../src/runtime/linux/test-run.js";
import { bpfFds, noBpf } from "./kernel-fixtures.js";

describe.skipIf(noBpf)("BPF_PROG_TEST_RUN", () => {
  let before: string[];
  beforeAll(() => {
    before = bpfFds();
  });
  afterAll(() => {
    expect(bpfFds()).toEqual(before);
  });

  // ctx[8..16] = ctx[0..8] * 3; returns the 64-bit product (only its low half comes back as retval).
  const triple = "ldxdw %r0, [%r1]\nmul %r0, 3\nstxdw [%r1+8], %r0\nexit";

  it("copies the program's ctx writes back and returns the low 32 bits of r0", () => {
    const prog = loadProgram(assembleUbpf(triple));
    try {
      const ctx = new Uint8Array(16);
      new DataView(ctx.buffer).setBigUint64(0, 0x1_0000_0005n, true);
      const out = testRun(prog, ctx);
      expect(out.retval).toBe(15); // 0x3_0000_000f: the upper half is lost
      expect(new DataView(out.ctx.buffer).getBigUint64(8, true)).toBe(0x3_0000_000fn);
      expect(new DataView(ctx.buffer).getBigUint64(8, true)).toBe(0n); // the caller's copy is untouched
    } finally {
      prog.close();
    }
  });

  it("retval is unsigned", () => {
    const prog = loadProgram(assembleUbpf("mov %r0, -1\nexit"));
    try {
      expect(testRun(prog, new Uint8Array(1)).retval).toBe(0xffffffff);
    } finally {
      prog.close();
    }
  });

  it("a TestRunner reuses its buffers across many runs", () => {
    const prog = loadProgram(assembleUbpf(triple));
    const runner = new TestRunner(prog, 16);
    try {
      const view = new DataView(runner.ctx.buffer, runner.ctx.byteOffset, 16);
      for (let i = 0n; i < 1000n; i++) {
        view.setBigUint64(0, i, true);
        expect(runner.run()).toBe(Number(i * 3n));
        expect(view.getBigUint64(8, true)).toBe(i * 3n);
      }
    } finally {
      runner.close();
      prog.close();
    }
  });

  it("a ctx smaller than the program reads is refused by the kernel as an E0803 error", () => {
    const prog = loadProgram(assembleUbpf(triple));
    try {
      const err = (() => {
        try {
          testRun(prog, new Uint8Array(8));
        } catch (e) {
          return e as KernelError;
        }
      })();
      expect(err).toBeInstanceOf(KernelError);
      expect(err!.code).toBe("E0803");
      expect(err!.message).toMatch(/BPF_PROG_TEST_RUN failed: EINVAL/);
      expect(() => new TestRunner(prog, 0)).toThrow(/1\.\.65535 bytes/);
      expect(() => new TestRunner(prog, 65536)).toThrow(/1\.\.65535 bytes/);
    } finally {
      prog.close();
    }
  });

  it("runs after close are refused, not issued with a stale fd", () => {
    const prog = loadProgram(assembleUbpf("mov %r0, 0\nexit"));
    const runner = new TestRunner(prog, 8);
    prog.close();
    expect(() => runner.run()).toThrow(/closed/);
    runner.close();
  });
});
