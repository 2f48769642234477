// The verifier's common complaints in plain words (no kernel needed: reasons as 6.18 words them).
import { describe, expect, it } from "vitest";
import { explainVerifierReason } from "../../../src/runtime/linux/verifier-messages.js";

describe("verifier reasons in plain words", () => {
  it("an unchecked offset added to a map value pointer", () => {
    const p = explainVerifierReason(
      "math between map_value pointer and register with unbounded min value is not allowed",
    )!;
    expect(p.message).toBe(
      "an offset with no known lower bound is added to a pointer into a map value (the block, scratch or extents map): the access could land anywhere",
    );
    expect(p.hint).toMatch(/check the offset .* before the access/);
  });

  it("a two-line out-of-bounds access: the map line, with its numbers, wins", () => {
    const p = explainVerifierReason(
      "invalid access to map value, value_size=512 off=508 size=8; R2 max value is outside of the allowed memory range",
    )!;
    expect(p.message).toBe(
      "an access of 8 bytes at offset 508 may fall outside a 512-byte map value",
    );
    expect(p.hint).toMatch(/offset \+ 8 must stay within 512$/);
    expect(
      explainVerifierReason("R2 min value is outside of the allowed memory range")!.message,
    ).toBe("the offset in r2 may be below the start of the memory it points into");
  });

  it("registers, division, size and loops", () => {
    expect(explainVerifierReason("R5 !read_ok")!.message).toBe(
      "register r5 is read before anything was written to it",
    );
    expect(explainVerifierReason("div by zero")!.message).toBe(
      "a division or remainder by the constant 0",
    );
    expect(
      explainVerifierReason("BPF program is too large. Processed 1000001 insn")!.message,
    ).toMatch(/^the verifier gave up after walking 1000001 instructions/);
    expect(explainVerifierReason("infinite loop detected at insn 4")!.message).toBe(
      "a loop the verifier cannot prove to end",
    );
    expect(explainVerifierReason("R1 invalid mem access 'scalar'")!.message).toBe(
      "memory is accessed through a register that holds a number, not a pointer",
    );
    expect(explainVerifierReason("R0 invalid mem access 'map_value_or_null'")!.hint).toBe(
      "compare the pointer with 0 before the access",
    );
  });

  it("leaves what it does not know alone", () => {
    expect(explainVerifierReason("last insn is not an exit or jmp")).toBeUndefined();
    expect(explainVerifierReason("")).toBeUndefined();
  });
});
