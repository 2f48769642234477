import { describe, expect, it } from "vitest";
import { removeRedundantChecks } from "../../../src/compiler/opt/bounds-checks.js";
import { runPass } from "./helpers.js";

const checks = (text: string): number => (text.match(/check /g) ?? []).length;

describe("redundant bounds checks", () => {
  it("drops a check dominated by a tighter check of the same vreg", () => {
    const out = runPass(
      removeRedundantChecks,
      `func f(%0) {
      @entry0:
        %1 = load u32 [%0+64]
        check %1 <= 500 ok @a1 fail @oob9
      @a1:
        %2 = addr [map0]
        %3 = add %2, %1
        %4 = load u8 [%3]
        check %1 <= 504 ok @b2 fail @oob9
      @b2:
        %5 = load u64 [%3]
        ret %5
      @oob9:
        ret 6
      }`,
    );
    expect(checks(out)).toBe(1);
    expect(out).toContain("check %1 <= 500");
  });

  it("uses what the definition implies: narrow loads, masks, 32-bit results, shifts", () => {
    const out = runPass(
      removeRedundantChecks,
      `func f(%0) {
      @entry0:
        %1 = load u8 [%0+64]
        check %1 <= 504 ok @a1 fail @oob9
      @a1:
        %2 = load u64 [%0+72]
        %3 = and %2, 511
        check %3 <= 504 ok @b2 fail @oob9
      @b2:
        %4 = lshr %2, 56
        check %4 <= 504 ok @c3 fail @oob9
      @c3:
        ret 0
      @oob9:
        ret 6
      }`,
    );
    // 255 ≤ 504 and 255 (the shift) ≤ 504, but `and 511` may exceed 504.
    expect(checks(out)).toBe(1);
    expect(out).toContain("check %3 <= 504");
  });

  it("learns from unsigned branches on the path", () => {
    const out = runPass(
      removeRedundantChecks,
      `func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        br ult %1, 100 ? @small1 : @big2
      @small1:
        check %1 <= 504 ok @a3 fail @oob9
      @a3:
        ret 1
      @big2:
        check %1 <= 504 ok @a4 fail @oob9
      @a4:
        ret 2
      @oob9:
        ret 6
      }`,
    );
    expect(checks(out)).toBe(1);
    expect(out).toMatch(/@big2:\n {2}check %1 <= 504/);
  });

  it("keeps checks of vregs that are redefined (a loop's offset)", () => {
    const out = runPass(
      removeRedundantChecks,
      `func f(%0) {
      @entry0:
        %1 = mov 0
        jump @head1
      @head1:
        check %1 <= 100 ok @body2 fail @oob9
      @body2:
        %1 = add %1, 8
        check %1 <= 504 ok @head1 fail @oob9
      @oob9:
        ret 6
      }`,
    );
    expect(checks(out)).toBe(2);
  });
});
