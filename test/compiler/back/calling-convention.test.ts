// The calling convention made explicit: parameters arrive in r1..r5, call arguments leave in
// r1..r5, results come back in r0; each is a short-lived vreg pinned to its register.
import { describe, expect, it } from "vitest";
import { lowerCallingConvention } from "../../../src/compiler/back/calling-convention.js";
import { printModule } from "../../../src/compiler/ir/print.js";
import { parse } from "./helpers.js";

const run = (text: string): string => {
  const m = parse(text);
  const pins = m.funcs.map((f) =>
    [...lowerCallingConvention(f)].map(([v, r]) => `%${v}=r${r}`).join(" "),
  );
  return `${printModule(m)}pinned: ${pins.join(" | ")}`;
};

describe("calling convention", () => {
  it("pins parameters, helper arguments and the helper's result", () => {
    expect(
      run(`func f(%0) {
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
      pinned: %4=r1 %5=r0 %6=r0"
    `);
  });

  it("pins a local call's arguments and result, and the callee's parameters and return", () => {
    expect(
      run(`func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %2 = call g(%1, 7)
        store u64 [%0+40], %2
        ret 0
      }
      func g(%0, %1) {
      @entry0:
        %2 = add %0, %1
        ret %2
      }`),
    ).toMatchInlineSnapshot(`
      "func f(%3) {
      @entry0:
        %0 = mov %3
        %1 = load u64 [%0+64]
        %4 = mov %1
        %5 = mov 7
        %6 = call g(%4, %5)
        %2 = mov %6
        store u64 [%0+40], %2
        %7 = mov 0
        ret %7
      }

      func g(%3, %4) {
      @entry0:
        %0 = mov %3
        %1 = mov %4
        %2 = add %0, %1
        %5 = mov %2
        ret %5
      }
      pinned: %3=r1 %4=r1 %5=r2 %6=r0 %7=r0 | %3=r1 %4=r2 %5=r0"
    `);
  });
});
