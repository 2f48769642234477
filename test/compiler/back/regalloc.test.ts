// Register allocation by linear scan onto r0..r9, after the calling convention pinned its vregs.
import { describe, expect, it } from "vitest";
import { layoutBlocks } from "../../../src/compiler/back/block-order.js";
import { lowerCallingConvention } from "../../../src/compiler/back/calling-convention.js";
import { allocateRegisters } from "../../../src/compiler/back/regalloc.js";
import { printModule } from "../../../src/compiler/ir/print.js";
import { parse } from "./helpers.js";

const allocate = (text: string): string => {
  const m = parse(text);
  const f = m.funcs[0];
  const fixed = lowerCallingConvention(f);
  const reg = allocateRegisters(f, fixed, layoutBlocks(f));
  const map = [...reg]
    .sort((a, b) => a[0] - b[0])
    .map(([v, r]) => `%${v}=r${r}`)
    .join(" ");
  return `${printModule(m)}${map}`;
};

describe("regalloc", () => {
  it("lets a result take the register of an operand that dies there", () => {
    expect(
      allocate(`func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %2 = add %1, 1
        store u64 [%0+40], %2
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "func f(%3) {
      @entry0:
        %0 = mov %3
        %1 = load u64 [%0+64]
        %2 = add %1, 1
        store u64 [%0+40], %2
        %4 = mov 0
        ret %4
      }
      %0=r1 %1=r0 %2=r0 %3=r1 %4=r0"
    `);
  });

  it("keeps values live across a helper call in callee-saved r6..r9", () => {
    expect(
      allocate(`func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %2 = call 5()
        %3 = add %1, %2
        store u64 [%0+40], %3
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "func f(%4) {
      @entry0:
        %0 = mov %4
        %1 = load u64 [%0+64]
        %5 = call 5()
        %2 = mov %5
        %3 = add %1, %2
        store u64 [%0+40], %3
        %6 = mov 0
        ret %6
      }
      %0=r6 %1=r7 %2=r0 %3=r7 %4=r1 %5=r0 %6=r0"
    `);
  });
});
