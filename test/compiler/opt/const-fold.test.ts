import { describe, expect, it } from "vitest";
import { constFold } from "../../../src/compiler/opt/const-fold.js";
import { ir, runPass } from "./helpers.js";

describe("const-fold", () => {
  it("folds arithmetic on constants and the branch it decides", () => {
    expect(
      runPass(
        constFold,
        `func f(%0) {
        @entry0:
          %1 = mov 6
          %2 = mul %1, 7
          br eq %2, 42 ? @yes1 : @no2
        @yes1:
          ret %2
        @no2:
          ret 0
        }`,
      ),
    ).toBe(
      ir(`func f(%0) {
        @entry0:
          %1 = mov 6
          %2 = mov 42
          jump @yes1
        @yes1:
          ret 42
        }`),
    );
  });

  it("keeps a value that differs between paths, merges one that agrees", () => {
    expect(
      runPass(
        constFold,
        `func f(%0) {
        @entry0:
          %1 = load u8 [%0]
          br eq %1, 0 ? @a1 : @b2
        @a1:
          %2 = mov 5
          %3 = mov 1
          jump @join3
        @b2:
          %2 = mov 5
          %3 = mov 2
          jump @join3
        @join3:
          %4 = add %2, %3
          ret %4
        }`,
      ),
    ).toContain("%4 = add %3, 5");
  });

  it("applies eBPF semantics: division by zero is 0, 32-bit results are zero-extended", () => {
    const out = runPass(
      constFold,
      `func f() {
      @entry0:
        %1 = mov 10
        %2 = udiv %1, 0
        %3 = mov -1
        %4 = add32 %3, 2
        %5 = umod %1, 0
        ret %4
      }`,
    );
    expect(out).toContain("%2 = mov 0");
    expect(out).toContain("%4 = mov 1");
    expect(out).toContain("%5 = mov 10");
  });

  it("simplifies identities with one constant operand", () => {
    const out = runPass(
      constFold,
      `func f(%0) {
      @entry0:
        %1 = add %0, 0
        %2 = mul %0, 1
        %3 = and %0, 0
        %4 = or32 %0, 0
        %5 = shl %0, 64
        ret %1
      }`,
    );
    expect(out).toContain("%1 = mov %0");
    expect(out).toContain("%2 = mov %0");
    expect(out).toContain("%3 = mov 0");
    expect(out).toContain("%4 = zext32 %0");
    expect(out).toContain("%5 = mov %0");
  });

  it("decides checks of constants and prunes what they cannot reach", () => {
    expect(
      runPass(
        constFold,
        `func f(%0) {
        @entry0:
          %1 = mov 100
          check %1 <= 504 ok @ok1 fail @oob2
        @ok1:
          ret 1
        @oob2:
          ret 6
        }`,
      ),
    ).toBe(
      ir(`func f(%0) {
        @entry0:
          %1 = mov 100
          jump @ok1
        @ok1:
          ret 1
        }`),
    );
  });

  it("does not propagate through a loop-carried vreg", () => {
    const out = runPass(
      constFold,
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
        ret %1
      }`,
    );
    expect(out).toContain("br ult %1, 10");
    expect(out).toContain("ret %1");
  });
});
