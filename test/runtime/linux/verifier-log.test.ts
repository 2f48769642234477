// Reading verifier logs needs no kernel: these are logs as 6.18 writes them.
import { describe, expect, it } from "vitest";
import {
  failingInsn,
  failingInsnText,
  verifierReason,
} from "../../../src/runtime/linux/verifier-log.js";

const stats =
  "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";

describe("verifier log", () => {
  it("the reason is the last line that is not a statistic; the insn is the last one printed", () => {
    const log = `0: R1=ctx() R10=fp0\n0: (b7) r0 = 1                        ; R0=1\n1: (37) r0 /= 0\ndiv by zero\n${stats}`;
    expect(verifierReason(log)).toBe("div by zero");
    expect(failingInsn(log)).toBe(1);
  });

  it("skips every statistic line the kernel may append", () => {
    const log = `5: (79) r0 = *(u64 *)(r2 +8184)\ninvalid access to map value, value_size=4096 off=8184 size=8\n${stats}verification time 12 usec\nstack depth 0\n`;
    expect(verifierReason(log)).toBe(
      "invalid access to map value, value_size=4096 off=8184 size=8",
    );
    expect(failingInsn(log)).toBe(5);
  });

  it("a two-line reason after the failing instruction is joined", () => {
    const log = `0: R1=ctx() R10=fp0\n0: (18) r2 = 0xffffc9000753a000       ; R2=map_value(ks=4,vs=4096)\n2: (79) r0 = *(u64 *)(r2 +4092)\ninvalid access to map value, value_size=4096 off=4092 size=8\nR2 min value is outside of the allowed memory range\n${stats}`;
    expect(verifierReason(log)).toBe(
      "invalid access to map value, value_size=4096 off=4092 size=8; R2 min value is outside of the allowed memory range",
    );
    expect(failingInsn(log)).toBe(2);
  });

  it("falls back to an instruction the reason names", () => {
    expect(verifierReason(`unreachable insn 2\n${stats}`)).toBe("unreachable insn 2");
    expect(failingInsn(`infinite loop detected at insn 4\n${stats}`)).toBe(4);
    expect(failingInsn(`unreachable insn 2\n${stats}`)).toBe(2);
    expect(failingInsn(`last insn is not an exit or jmp\n${stats}`)).toBeUndefined();
  });

  it("a log that ends with an instruction has no reason (not the instruction as one)", () => {
    // A load that fails after the walk, or a log cut short: no line explains the failure.
    const log = `189: (bf) r6 = r5\n190: (bf) r6 = r5                     ; R5_w=1 R6_w=1\n${stats}`;
    expect(verifierReason(log)).toBeUndefined();
    expect(failingInsn(log)).toBe(190);
  });

  it("the failing instruction's text, without slot, opcode or register states", () => {
    const log = `0: R1=ctx() R10=fp0\n1: (18) r2 = 0xffffc9000640a000       ; R2=map_value(map=block,ks=4,vs=512)\n3: (0f) r2 += r0\nmath between map_value pointer and register with unbounded min value is not allowed\n${stats}`;
    expect(failingInsnText(log)).toBe("r2 += r0");
    expect(failingInsnText(`1: (18) r2 = 0x1       ; R2=1\n${stats}`)).toBe("r2 = 0x1");
    expect(failingInsnText(`unreachable insn 2\n${stats}`)).toBeUndefined();
  });

  it("source lines a load with line_info interleaves are no reason", () => {
    const log = `; let v = u64le at k; @ peek.ioc:3\n3: (0f) r2 += r0\nmath between map_value pointer and register with unbounded min value is not allowed\n${stats}`;
    expect(verifierReason(log)).toBe(
      "math between map_value pointer and register with unbounded min value is not allowed",
    );
  });

  it("an empty log has no reason", () => {
    expect(verifierReason("")).toBeUndefined();
    expect(failingInsn("")).toBeUndefined();
  });
});
