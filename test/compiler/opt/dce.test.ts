import { describe, expect, it } from "vitest";
import { dce } from "../../../src/compiler/opt/dce.js";
import { ir, runPass } from "./helpers.js";

describe("dce", () => {
  it("removes chains of unused values, keeps stores and calls, drops unused call results", () => {
    expect(
      runPass(
        dce,
        `func f(%0) {
        @entry0:
          %1 = load u64 [%0+8]
          %2 = add %1, 1
          %3 = mul %2, 3
          %4 = call 5(%1)
          store u32 [map1+4], %1
          %5 = mov %5
          ret 0
        }`,
      ),
    ).toBe(
      ir(`func f(%0) {
        @entry0:
          %1 = load u64 [%0+8]
          call 5(%1)
          store u32 [map1+4], %1
          ret 0
        }`),
    );
  });

  it("keeps a value a loop reads back", () => {
    const out = runPass(
      dce,
      `func f() {
      @entry0:
        %1 = mov 0
        jump @head1
      @head1:
        br ult %1, 10 ? @body2 : @done3
      @body2:
        %1 = add %1, 1
        jump @head1
      @done3:
        ret 0
      }`,
    );
    expect(out).toContain("%1 = add %1, 1");
  });
});
