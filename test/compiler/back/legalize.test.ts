// legalize: optimised IR → the subset the emitter maps 1:1 onto eBPF (map bases in registers,
// offsets and immediates that fit their fields).
import { describe, expect, it } from "vitest";
import { legalize } from "../../../src/compiler/back/legalize.js";
import { printModule } from "../../../src/compiler/ir/print.js";
import { parse } from "./helpers.js";

const run = (text: string): string => {
  const m = parse(text);
  for (const f of m.funcs) legalize(f);
  return printModule(m);
};

describe("legalize", () => {
  it("gives map accesses a pointer register, shared by the accesses it dominates", () => {
    expect(
      run(`func f(%0) {
      @entry0:
        %1 = load u64 [map1+8]
        %2 = load u32 [map1+16]
        %3 = add %1, %2
        store u64 [%0+40], %3
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "func f(%0) {
      @entry0:
        %4 = addr [map1]
        %1 = load u64 [%4+8]
        %2 = load u32 [%4+16]
        %3 = add %1, %2
        store u64 [%0+40], %3
        ret 0
      }
      "
    `);
  });

  it("moves a 64-bit immediate that does not fit 32 bits into a register", () => {
    expect(
      run(`func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %2 = add %1, 4294967296
        store u64 [%0+40], %2
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %3 = mov 4294967296
        %2 = add %1, %3
        store u64 [%0+40], %2
        ret 0
      }
      "
    `);
  });
});
