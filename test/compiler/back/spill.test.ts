// Spill code: a spilled vreg lives in a stack slot (stored after its definition, reloaded before
// each use), or is recomputed where needed when it is a constant or an address.
import { describe, expect, it } from "vitest";
import { insertSpillCode, SpillState } from "../../../src/compiler/back/spill.js";
import { printModule } from "../../../src/compiler/ir/print.js";
import { parse } from "./helpers.js";

const spill = (text: string, vregs: number[]): string => {
  const m = parse(text);
  insertSpillCode(m.funcs[0], new Set(vregs), new SpillState());
  return printModule(m);
};

describe("spill", () => {
  it("stores a spilled value to a new slot after its definition; its block uses a block-local copy", () => {
    expect(
      spill(
        `func f(%0) {
        @entry0:
          %1 = load u64 [%0+64]
          %2 = add %1, 1
          %3 = add %1, %2
          store u64 [%0+40], %3
          ret 0
        }`,
        [1],
      ),
    ).toMatchInlineSnapshot(`
      "func f(%0) {
        slot0: 8 bytes, align 8        ; spill %1
      @entry0:
        %4 = load u64 [%0+64]
        store u64 [slot0], %4
        %2 = add %4, 1
        %3 = add %4, %2
        store u64 [%0+40], %3
        ret 0
      }
      "
    `);
  });

  it("recomputes a constant instead of storing it", () => {
    expect(
      spill(
        `func f(%0) {
        @entry0:
          %1 = mov 42
          %2 = load u64 [%0+64]
          %3 = add %2, %1
          store u64 [%0+40], %3
          ret 0
        }`,
        [1],
      ),
    ).toMatchInlineSnapshot(`
      "func f(%0) {
      @entry0:
        %2 = load u64 [%0+64]
        %4 = mov 42
        %3 = add %2, %4
        store u64 [%0+40], %3
        ret 0
      }
      "
    `);
  });
});
