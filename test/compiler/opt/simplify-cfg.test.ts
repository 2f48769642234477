import { describe, expect, it } from "vitest";
import { simplifyCfg } from "../../../src/compiler/opt/simplify-cfg.js";
import { ir, runPass } from "./helpers.js";

describe("simplify-cfg", () => {
  it("threads jumps through empty blocks and merges straight lines", () => {
    expect(
      runPass(
        simplifyCfg,
        `func f(%0) {
        @entry0:
          br eq %0, 0 ? @empty1 : @work2
        @empty1:
          jump @empty3
        @empty3:
          jump @out4
        @work2:
          %1 = add %0, 1
          jump @more5
        @more5:
          %2 = add %1, 2
          ret %2
        @out4:
          ret 0
        }`,
      ),
    ).toBe(
      ir(`func f(%0) {
        @entry0:
          br eq %0, 0 ? @out4 : @work2
        @work2:
          %1 = add %0, 1
          %2 = add %1, 2
          ret %2
        @out4:
          ret 0
        }`),
    );
  });

  it("decides branches with equal targets or equal operands", () => {
    expect(
      runPass(
        simplifyCfg,
        `func f(%0) {
        @entry0:
          br ne %0, 3 ? @a1 : @a1
        @a1:
          br uge %0, %0 ? @b2 : @c3
        @b2:
          ret 1
        @c3:
          ret 2
        }`,
      ),
    ).toBe(
      ir(`func f(%0) {
        @entry0:
          ret 1
        }`),
    );
  });
});
