import { describe, expect, it } from "vitest";
import { coalesceCopies } from "../../../src/compiler/opt/coalesce.js";
import { cse } from "../../../src/compiler/opt/cse.js";
import { simplifyCfg } from "../../../src/compiler/opt/simplify-cfg.js";
import { mergeTails } from "../../../src/compiler/opt/tail-merge.js";
import type { Func } from "../../../src/compiler/ir/ir.js";

const tailsThenCfg = (f: Func): void => {
  mergeTails(f);
  simplifyCfg(f);
};
import { ir, runPass } from "./helpers.js";

describe("cse", () => {
  it("reuses a dominating computation and a load not separated by a store", () => {
    const out = runPass(
      cse,
      `func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %2 = add %1, 16
        %3 = load u64 [%0+64]
        br eq %1, 0 ? @a1 : @b2
      @a1:
        %4 = add %1, 16
        %5 = load u64 [%0+64]
        ret %4
      @b2:
        store u64 [%0+40], 1
        %6 = load u64 [%0+64]
        ret %6
      }`,
    );
    expect(out).toContain("%3 = mov %1");
    expect(out).toContain("%4 = mov %2");
    expect(out).toContain("%5 = load u64 [%0+64]"); // other block
    expect(out).toContain("%6 = load u64 [%0+64]"); // after a store
  });
});

describe("coalesce", () => {
  it("computes straight into the variable a temporary was copied to", () => {
    expect(
      runPass(
        coalesceCopies,
        `func f(%0) {
        @entry0:
          %1 = mov 0
          jump @head1
        @head1:
          %2 = add %1, 1
          %1 = mov %2
          br ult %1, 10 ? @head1 : @done2
        @done2:
          ret %1
        }`,
      ),
    ).toBe(
      ir(`func f(%0) {
        @entry0:
          %1 = mov 0
          jump @head1
        @head1:
          %1 = add %1, 1
          br ult %1, 10 ? @head1 : @done2
        @done2:
          ret %1
        }`),
    );
  });

  it("leaves it when the variable is read in between", () => {
    const out = runPass(
      coalesceCopies,
      `func f(%0) {
      @entry0:
        %2 = add %0, 1
        store u64 [map1], %0
        %0 = mov %2
        ret %0
      }`,
    );
    expect(out).toContain("%0 = mov %2");
  });
});

describe("tail-merge", () => {
  it("merges identical tails and shares a return", () => {
    expect(
      runPass(
        tailsThenCfg,
        `func f(%0) {
        @entry0:
          br eq %0, 0 ? @a1 : @b2
        @a1:
          br eq %0, 1 ? @fail3 : @fail4
        @b2:
          store u32 [map1], 5
          ret 0
        @fail3:
          store u32 [map1], 9
          ret 0
        @fail4:
          store u32 [map1], 9
          ret 0
        }`,
      ),
    ).toBe(
      ir(`func f(%0) {
        @entry0:
          br eq %0, 0 ? @a1 : @b2
        @a1:
          store u32 [map1], 9
          jump @ret5
        @b2:
          store u32 [map1], 5
          jump @ret5
        @ret5:
          ret 0
        }`),
    );
  });

  it("merges failure paths that differ in one constant", () => {
    const out = runPass(
      mergeTails,
      `func f(%0) {
      @entry0:
        br eq %0, 0 ? @a1 : @b2
      @a1:
        store u32 [%0+36], 16
        store u32 [%0+20], 2
        ret 0
      @b2:
        br eq %0, 1 ? @c3 : @d4
      @c3:
        store u32 [%0+36], 17
        store u32 [%0+20], 2
        ret 0
      @d4:
        store u32 [%0+36], 18
        store u32 [%0+20], 2
        ret 0
      }`,
    );
    expect(out).toContain("@a1:\n  %1 = mov 16\n  jump @tail");
    expect(out).toContain("store u32 [%0+36], %1\n  store u32 [%0+20], 2");
  });
});
