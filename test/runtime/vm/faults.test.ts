// Faults of the VM, on both engines: what is reported (code, pc, instruction, address, source
// position) for bad memory accesses, read-only regions, budget, bad instructions, call depth.
import { describe, expect, it } from "vitest";
import { assembleUbpf } from "../../../src/bpf/asm/ubpf.js";
import { BpfError } from "../../../src/diagnostics.js";
import {
  ArrayMap,
  createVm,
  FaultCode,
  VmFault,
  type Engine,
  type VmOptions,
  type RunInput,
} from "../../../src/runtime/vm/index.js";

const engines: Engine[] = ["fast", "reference"];
const asm = (text: string) => assembleUbpf(text, "t.s");

function fault(
  text: string,
  input: RunInput = {},
  options: VmOptions = {},
  engine: Engine = "fast",
): VmFault {
  try {
    createVm(asm(text), { ...options, engine }).run(input);
  } catch (err) {
    if (err instanceof VmFault) return err;
    throw err;
  }
  throw new Error("expected a fault");
}

describe.each(engines)("faults (%s engine)", (engine) => {
  const run = (text: string, input: RunInput = {}, options: VmOptions = {}) =>
    createVm(asm(text), { ...options, engine }).run(input);
  const f = (text: string, input: RunInput = {}, options: VmOptions = {}) =>
    fault(text, input, options, engine);

  it("reports an out-of-bounds load with pc, instruction, address and source line", () => {
    const err = f("mov %r0, 0\nldxdw %r0, [%r1+4]\nexit", { mem: new Uint8Array(8) });
    expect(err.code).toBe(FaultCode.OUT_OF_BOUNDS);
    expect(err.pc).toBe(1);
    expect(err.insnText).toBe("r0 = *(u64 *)(r1 + 0x4)");
    expect(err.address).toBe(0x7f00000100000004n);
    expect(err.pos?.line).toBe(2);
    expect(err.message).toMatch(/offset 4 in mem, which is 8 bytes long/);
    expect(err.message).toMatch(/at pc 1/);
  });

  it("reports an out-of-bounds store below the stack frame", () => {
    const err = f("mov %r1, 1\nstxdw [%r10-520], %r1\nexit");
    expect(err.code).toBe(FaultCode.OUT_OF_BOUNDS);
    expect(err.message).toMatch(/8 bytes before the start of the stack of frame 0/);
  });

  it("reports a store past the stack top through a computed pointer", () => {
    const err = f("mov %r1, %r10\nadd %r1, -4\nstxdw [%r1], %r1\nexit");
    expect(err.code).toBe(FaultCode.OUT_OF_BOUNDS);
    expect(err.pc).toBe(2);
  });

  it("reports a null pointer", () => {
    const err = f("mov %r1, 0\nldxb %r0, [%r1+16]\nexit");
    expect(err.code).toBe(FaultCode.OUT_OF_BOUNDS);
    expect(err.message).toMatch(/null pointer/);
  });

  it("reports writes to read-only memory: ctx and a BPF_F_RDONLY_PROG map", () => {
    expect(f("stw [%r1], 1\nexit", { ctx: new Uint8Array(8), ctxWritable: false }).code).toBe(
      FaultCode.READ_ONLY,
    );
    const rodata = new ArrayMap({ valueSize: 16, maxEntries: 1, flags: 0x80, name: "rodata" });
    rodata.value(0)[3] = 42;
    const text = "lddw %r1, 0, map_value\nldxb %r0, [%r1+3]\nstb [%r1], 1\nexit";
    const err = f(text, {}, { maps: [rodata] });
    expect(err.code).toBe(FaultCode.READ_ONLY);
    expect(err.pc).toBe(3); // lddw takes two slots
    expect(err.message).toMatch(/map rodata is read-only/);
    expect(run("lddw %r1, 0, map_value\nldxb %r0, [%r1+3]\nexit", {}, { maps: [rodata] }).r0).toBe(
      42n,
    );
  });

  it("faults when the budget runs out, and runs a program of exactly the budget", () => {
    const err = f("mov %r0, 0\nL: add %r0, 1\nja L\nexit", {}, { budget: 1000 });
    expect(err.code).toBe(FaultCode.BUDGET);
    expect(err.message).toMatch(/budget of 1000/);
    const five = "mov %r0, 1\nadd %r0, 1\nadd %r0, 1\nadd %r0, 1\nexit";
    expect(run(five, { budget: 5 })).toEqual({ r0: 4n, insnCount: 5 });
    expect(() => run(five, { budget: 4 })).toThrow(VmFault);
  });

  it("counts instructions, an lddw as one", () => {
    expect(
      run("lddw %r0, 0x100000000\nmov %r1, 3\nL: sub %r1, 1\njne %r1, 0, L\nexit").insnCount,
    ).toBe(1 + 1 + 2 * 3 + 1);
  });

  it("rejects a bad opcode before running (validate) or faults when reaching it (validate: false)", () => {
    const insns = [
      ...asm("mov %r0, 1\njeq %r0, 1, +1"),
      { code: 0xff, dst: 0, src: 0, off: 0, imm: 0 },
      ...asm("exit"),
    ];
    expect(() => createVm(insns, { engine })).toThrow(BpfError);
    try {
      createVm(insns, { engine }).run();
    } catch (err) {
      expect((err as BpfError).code).toBe("E0103");
    }
    // Not reached: runs fine.
    expect(createVm(insns, { engine, validate: false }).run().r0).toBe(1n);
    const reached = [
      ...asm("mov %r0, 1"),
      { code: 0xff, dst: 0, src: 0, off: 0, imm: 0 },
      ...asm("exit"),
    ];
    let err: unknown;
    try {
      createVm(reached, { engine, validate: false }).run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VmFault);
    expect((err as VmFault).code).toBe(FaultCode.BAD_INSN);
    expect((err as VmFault).pc).toBe(1);
  });

  it("faults on a write to r10 and on a jump into another function (validate: false)", () => {
    const writeFp = [{ code: 0xb7, dst: 10, src: 0, off: 0, imm: 0 }, ...asm("exit")];
    expect(() => createVm(writeFp, { engine, validate: false }).run()).toThrow(
      /r10 is the read-only frame pointer/,
    );
    const crossing = asm("call local f\nja g\nexit\nf:\nmov %r0, 1\ng:\nexit");
    let err: unknown;
    try {
      createVm(crossing, { engine, validate: false }).run();
    } catch (e) {
      err = e;
    }
    expect((err as VmFault).code).toBe(FaultCode.BAD_JUMP);
  });

  it("faults when control falls off the end of a function into the next", () => {
    const err = f(
      "call local f\nexit\nf:\nmov %r0, 1\ng:\nmov %r0, 2\nexit\nh:\ncall local g\nexit",
      {},
      { validate: false },
    );
    expect(err.code).toBe(FaultCode.BAD_JUMP);
    expect(err.message).toMatch(/falls off the end of the function/);
    expect(err.pc).toBe(2);
  });

  it("allows 8 frames and faults on the 9th", () => {
    // f(n) recurses while r1 > 0: depth = 1 + n frames.
    const prog = (n: number) =>
      `mov %r1, ${n}\ncall local f\nexit\nf:\njeq %r1, 0, done\nsub %r1, 1\nmov %r6, %r1\ncall local f\nadd %r0, 1\nexit\ndone:\nmov %r0, 0\nexit`;
    expect(run(prog(6)).r0).toBe(6n); // frames: main + 7 = 8
    const err = f(prog(7));
    expect(err.code).toBe(FaultCode.CALL_DEPTH);
    expect(err.message).toMatch(/frame 9, more than the 8 allowed/);
  });

  it("gives each frame its own stack and preserves r6-r9 across calls", () => {
    const text = `
      mov %r6, 6
      stdw [%r10-8], 100
      mov %r1, %r10
      add %r1, -8
      call local f
      ldxdw %r2, [%r10-8]
      add %r0, %r2
      add %r0, %r6
      exit
    f:
      stdw [%r10-8], 7
      ldxdw %r3, [%r10-8]
      ldxdw %r0, [%r1]
      add %r0, %r3
      stdw [%r1], 1000
      mov %r6, 0
      exit`;
    // 100 (caller's slot, read through r1) + 7 (callee's own slot) + 1000 (written back) + 6.
    expect(run(text).r0).toBe(1113n);
  });

  it("faults on an unknown helper and on a kfunc it was not given; runs a given kfunc", () => {
    expect(f("call 9999\nexit").code).toBe(FaultCode.UNKNOWN_CALL);
    expect(f("call kfunc 77\nexit").code).toBe(FaultCode.UNKNOWN_CALL);
    const kfuncs = { 77: (c: { arg(i: number): bigint }) => c.arg(1) * 2n };
    expect(run("mov %r1, 21\ncall kfunc 77\nexit", {}, { kfuncs }).r0).toBe(42n);
    expect(f("mov %r1, 12345\ncallx %r1\nexit").code).toBe(FaultCode.UNKNOWN_CALL);
  });

  it("faults on a helper argument that is not a map", () => {
    const err = f("mov %r1, 0\nmov %r2, %r10\nadd %r2, -8\ncall 1\nexit");
    expect(err.code).toBe(FaultCode.HELPER_ARG);
    expect(err.message).toMatch(/argument r1 .* is not a map/);
  });

  it("clobbers r1-r5 after a helper call", () => {
    expect(run("mov %r1, 7\nmov %r5, 9\ncall 5\nmov %r0, %r1\nor %r0, %r5\nexit").r0).toBe(0n);
  });
});

describe.each(engines)("division and shifts (%s engine)", (engine) => {
  const r0 = (text: string) => createVm(asm(text + "\nexit"), { engine }).run().r0;
  const U64 = (v: bigint) => BigInt.asUintN(64, v);

  it("divides by zero to 0 and leaves dst on modulo by zero (upper half zeroed for 32-bit)", () => {
    expect(r0("lddw %r0, 0x123456789\nmov %r1, 0\ndiv %r0, %r1")).toBe(0n);
    expect(r0("lddw %r0, 0x123456789\nmov %r1, 0\ndiv32 %r0, %r1")).toBe(0n);
    expect(r0("lddw %r0, 0x123456789\nmov %r1, 0\nmod %r0, %r1")).toBe(0x123456789n);
    expect(r0("lddw %r0, 0x123456789\nmov %r1, 0\nmod32 %r0, %r1")).toBe(0x23456789n);
    expect(r0("lddw %r0, -5\nmov %r1, 0\nsdiv %r0, %r1")).toBe(0n);
    expect(r0("lddw %r0, -5\nmov %r1, 0\nsmod %r0, %r1")).toBe(U64(-5n));
  });

  it("overflows INT_MIN / -1 to INT_MIN and INT_MIN % -1 to 0", () => {
    expect(r0("lddw %r0, 0x8000000000000000\nsdiv %r0, -1")).toBe(0x8000000000000000n);
    expect(r0("lddw %r0, 0x8000000000000000\nsmod %r0, -1")).toBe(0n);
    expect(r0("mov32 %r0, 0x80000000\nsdiv32 %r0, -1")).toBe(0x80000000n);
    expect(r0("mov32 %r0, 0x80000000\nsmod32 %r0, -1")).toBe(0n);
  });

  it("truncates signed quotients toward zero; the remainder takes the dividend's sign", () => {
    expect(r0("mov %r0, -7\nsdiv %r0, 2")).toBe(U64(-3n));
    expect(r0("mov %r0, -7\nsmod %r0, 2")).toBe(U64(-1n));
    expect(r0("mov %r0, 7\nsmod %r0, -2")).toBe(1n);
    expect(r0("mov32 %r0, -7\nsmod32 %r0, 2")).toBe(0xffffffffn);
  });

  it("treats a 64-bit immediate divisor as sign-extended, a 32-bit one as unsigned", () => {
    expect(r0("lddw %r0, 0xffffffffffffffff\ndiv %r0, -1")).toBe(1n);
    expect(r0("mov32 %r0, -1\ndiv32 %r0, -1")).toBe(1n);
    expect(r0("lddw %r0, 0xfffffffffffffff0\ndiv %r0, 3")).toBe(0xfffffffffffffff0n / 3n);
    expect(r0("lddw %r0, 0xfffffffffffffff0\nlddw %r1, 0x100000001\nmod %r0, %r1")).toBe(
      0xfffffffffffffff0n % 0x100000001n,
    );
  });

  it("masks shift counts and zeroes the upper half of 32-bit results", () => {
    expect(r0("mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1")).toBe(2n);
    expect(r0("mov32 %r0, 1\nmov %r1, 33\nlsh32 %r0, %r1")).toBe(2n);
    expect(r0("lddw %r0, 0xffffffffffffffff\nadd32 %r0, 1")).toBe(0n);
    expect(r0("lddw %r0, 0x8000000000000000\narsh %r0, 63")).toBe(U64(-1n));
  });
});
