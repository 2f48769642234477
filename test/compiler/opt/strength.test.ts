import { describe, expect, it } from "vitest";
import { strengthReduce } from "../../../src/compiler/opt/strength.js";
import { ir, runPass } from "./helpers.js";

describe("strength reduction", () => {
  it("turns mul/udiv/umod by powers of two into shifts and masks", () => {
    expect(
      runPass(
        strengthReduce,
        `func f(%0) {
        @entry0:
          %1 = mul %0, 8
          %2 = udiv %1, 16
          %3 = umod %2, 4096
          %4 = mul32 %3, 2
          %5 = and %4, 4294967295
          %6 = mul %5, 12
          %7 = sdiv %6, 4
          ret %7
        }`,
      ),
    ).toBe(
      ir(`func f(%0) {
        @entry0:
          %1 = shl %0, 3
          %2 = lshr %1, 4
          %3 = and %2, 4095
          %4 = shl32 %3, 1
          %5 = zext32 %4
          %6 = mul %5, 12
          %7 = sdiv %6, 4
          ret %7
        }`),
    );
  });
});
