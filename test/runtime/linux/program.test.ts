import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleUbpf } from "../../../src/bpf/asm/ubpf.js";
import { encode } from "../../../src/bpf/insn.js";
import { KernelError, LoadError } from "../../../src/runtime/linux/errors.js";
import { BpfMap } from "../../../src/runtime/linux/maps.js";
import { loadProgram } from "../../../src/runtime/linux/program.js";
import { TestRunner, testRun } from "../../../src/runtime/linux/test-run.js";
import { bpfFds, noBpf } from "./kernel-fixtures.js";

function loadFailure(run: () => unknown): LoadError {
  try {
    run();
  } catch (e) {
    if (e instanceof LoadError) return e;
    throw e;
  }
  throw new Error("the load was expected to fail");
}

describe.skipIf(noBpf)("BPF_PROG_LOAD", () => {
  let before: string[];
  beforeAll(() => {
    before = bpfFds();
  });
  afterAll(() => {
    expect(bpfFds()).toEqual(before);
  });

  it("loads instructions or bytecode and reports the verifier's statistics", () => {
    const insns = assembleUbpf("mov %r0, 1\njeq %r0, 2, +1\nadd %r0, 2\nexit", "ok.asm");
    for (const code of [insns, encode(insns)]) {
      const prog = loadProgram(code, { name: "iochain-ok" });
      try {
        const info = prog.info();
        expect(info.name).toBe("iochain_ok");
        expect(info.tag).toMatch(/^[0-9a-f]{16}$/);
        expect(info.xlatedBytes).toBeGreaterThanOrEqual(4 * 8);
        expect(info.verifiedInsns).toBeGreaterThan(0);
        expect(info.runCount).toBe(0n);
      } finally {
        prog.close();
      }
    }
  });

  it("a rejection carries the errno, the log's reason line, the whole log and the source position", () => {
    const text = "mov %r0, 1\nmov %r1, 0\ndiv %r0, 0\nexit";
    const err = loadFailure(() => loadProgram(assembleUbpf(text, "div.asm"), { file: "div.asm" }));
    expect(err.code).toBe("E0801");
    expect(err.errno).toBe(22); // EINVAL (measured: "div by zero" is a static check)
    expect(err.reason).toBe("div by zero");
    expect(err.log).toMatch(/2: \(37\) r0 \/= 0\ndiv by zero\nprocessed \d+ insns/);
    expect(err.insnIndex).toBe(2);
    expect(err.pos).toMatchObject({ file: "div.asm", line: 3, col: 1 });
    // The message leads with the reason in plain words; the verifier's words and the
    // instruction are a note (the position names the file).
    expect(err.message).toBe("a division or remainder by the constant 0");
    expect(err.diagnostic.notes).toEqual([
      "the verifier stopped at instruction 2 (`r0 /= 0`): div by zero",
    ]);
    expect(err.diagnostic.hint).toMatch(/constant 0 divisor/);
  });

  it("slots after a wide lddw map back to instruction indices", () => {
    const text = "lddw %r0, 0x100000000\nmov %r0, %r5\nexit";
    const err = loadFailure(() => loadProgram(assembleUbpf(text, "wide.asm")));
    expect(err.reason).toBe("R5 !read_ok");
    expect(err.insnIndex).toBe(1); // slot 2
    expect(err.pos?.line).toBe(2);
  });

  it("an out-of-bounds map access gives both lines of the verifier's reason", () => {
    const map = BpfMap.array({ valueSize: 4096 });
    try {
      const text = "lddw %r2, 0, map_value\nldxdw %r0, [%r2+4092]\nexit";
      const err = loadFailure(() => loadProgram(assembleUbpf(text, "oob.asm"), { maps: [map] }));
      expect(err.errno).toBe(13); // EACCES
      expect(err.reason).toBe(
        "invalid access to map value, value_size=4096 off=4092 size=8; R2 min value is outside of the allowed memory range",
      );
      expect(err.insnIndex).toBe(1); // slot 2, after the wide lddw
      expect(err.pos?.line).toBe(2);
    } finally {
      map.close();
    }
  });

  it("a rejection without instruction lines still gives the reason", () => {
    const err = loadFailure(() => loadProgram(assembleUbpf("mov %r0, 0", "noexit.asm")));
    expect(err.reason).toBe("last insn is not an exit or jmp");
    // No plain form for this one, and no position: the verifier's words, after the file.
    expect(err.message).toBe(
      "<program>: the verifier rejected the program: last insn is not an exit or jmp",
    );
    expect(err.log).toContain("processed 0 insns");
  });

  it("a small log buffer still yields the reason (the kernel keeps the log's tail)", () => {
    const lines = Array.from({ length: 200 }, (_, i) => `mov %r${1 + (i % 9)}, ${i}`);
    const err = loadFailure(() =>
      loadProgram(assembleUbpf([...lines, "mov %r0, 1", "div %r0, 0", "exit"].join("\n")), {
        logSize: 256,
      }),
    );
    expect(err.reason).toBe("div by zero");
    expect(err.log.length).toBeLessThan(256);
  });

  it("map references: ld_imm64 map_value carries the map's index, the loader patches the fd", () => {
    // ctx[0] = map0.value[8]; map0.value[8] += 1; ctx[8] = map1 (a second map) .value[0]
    const text = [
      "lddw %r2, 0x0000000800000000, map_value",
      "ldxdw %r0, [%r2]",
      "stxdw [%r1], %r0",
      "add %r0, 1",
      "stxdw [%r2], %r0",
      "lddw %r3, 0x1, map_value",
      "ldxdw %r4, [%r3]",
      "stxdw [%r1+8], %r4",
      "mov %r0, 0",
      "exit",
    ].join("\n");
    const counter = BpfMap.array({ valueSize: 64 });
    const other = BpfMap.array({ valueSize: 8 });
    const prog = loadProgram(assembleUbpf(text, "maps.asm"), { maps: [counter, other] });
    const runner = new TestRunner(prog, 16);
    try {
      const words = new DataView(counter.mmap().buffer, counter.mmap().byteOffset);
      words.setBigUint64(8, 41n, true);
      new DataView(other.mmap().buffer, other.mmap().byteOffset).setBigUint64(0, 0xfeedn, true);
      expect(runner.run()).toBe(0);
      const ctx = new DataView(runner.ctx.buffer, runner.ctx.byteOffset, 16);
      expect(ctx.getBigUint64(0, true)).toBe(41n);
      expect(ctx.getBigUint64(8, true)).toBe(0xfeedn);
      expect(words.getBigUint64(8, true)).toBe(42n); // the program's write, seen through the mapping
    } finally {
      runner.close();
      prog.close();
      counter.close();
      other.close();
    }
  });

  it("a reference to a map that was not given is E0805 at the instruction's position", () => {
    const insns = assembleUbpf("mov %r0, 0\nlddw %r1, 3, map_value\nexit", "nomap.asm");
    const err = (() => {
      try {
        loadProgram(insns, { file: "nomap.asm" });
      } catch (e) {
        return e as KernelError;
      }
    })();
    expect(err).toBeInstanceOf(KernelError);
    expect(err!.code).toBe("E0805");
    expect(err!.message).toMatch(/instruction 1 refers to map #3, but 0 map\(s\) were given/);
    expect(err!.pos?.line).toBe(2);
  });

  it("with stats enabled, runs are counted; the stats fd closes with the program", () => {
    const prog = loadProgram(assembleUbpf("mov %r0, 3\nexit"), { stats: true });
    try {
      expect(bpfFds().some((l) => l.endsWith("bpf-stats"))).toBe(true);
      for (let i = 0; i < 5; i++) expect(testRun(prog, new Uint8Array(8)).retval).toBe(3);
      const info = prog.info();
      expect(info.runCount).toBe(5n);
      expect(info.runTimeNs).toBeGreaterThan(0n);
    } finally {
      prog.close();
    }
    expect(bpfFds().some((l) => l.endsWith("bpf-stats"))).toBe(false);
  });
});
