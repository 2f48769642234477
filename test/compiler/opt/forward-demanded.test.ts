import { describe, expect, it } from "vitest";
import { parseIr } from "../../../src/compiler/ir/parse.js";
import { printModule } from "../../../src/compiler/ir/print.js";
import { demandedBits } from "../../../src/compiler/opt/demanded-bits.js";
import { forwardLoads } from "../../../src/compiler/opt/load-forward.js";
import { ir, runPass } from "./helpers.js";

describe("demanded-bits", () => {
  it("looks through extensions and masks a narrower consumer does not need", () => {
    const out = runPass(
      demandedBits,
      `func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %2 = zext32 %1
        store u32 [map1], %2
        %3 = and %1, 65535
        %4 = be16 %3
        %5 = zext16 %1
        %6 = add32 %5, 1
        %7 = zext8 %1
        store u16 [map1+8], %7
        ret %4
      }`,
    );
    expect(out).toContain("store u32 [map1], %1");
    expect(out).toContain("%4 = be16 %1");
    expect(out).toContain("%6 = add32 %5, 1"); // zext16 keeps only 16 bits: add32 needs 32
    expect(out).toContain("store u16 [map1+8], %7"); // zext8 keeps only 8 of the 16 stored
  });
});

describe("load-forward", () => {
  it("forwards ctx fields every predecessor just stored to the block that reads them back", () => {
    const m = parseIr(
      ir(`func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        br eq %1, 0 ? @a1 : @b2
      @a1:
        store u64 [%0+24], %1
        store u32 [%0+32], 512
        jump @tail3
      @b2:
        %2 = add %1, 512
        store u64 [%0+24], %2
        store u32 [%0+32], 512
        jump @tail3
      @tail3:
        %3 = load u64 [%0+24]
        %4 = load u32 [%0+32]
        %5 = add %3, %4
        ret %5
      }`),
    );
    forwardLoads(m.funcs[0], true);
    const out = printModule(m);
    expect(out).toContain("%3 = mov %6");
    expect(out).toContain("%4 = mov %7");
    expect(out).toMatch(
      /store u32 \[%0\+32\], 512\n {2}%6 = mov %1\n {2}%7 = mov 512\n {2}jump @tail3/,
    );
  });

  it("leaves map memory and functions other than the storage function alone", () => {
    const text = ir(`func f(%0) {
    @entry0:
      store u64 [map1+8], 5
      jump @b1
    @b1:
      %1 = load u64 [map1+8]
      ret %1
    }`);
    const m = parseIr(text);
    forwardLoads(m.funcs[0], true);
    expect(printModule(m)).toBe(text);
  });
});

describe("dead-stores", () => {
  it("drops a store overwritten before anything can read it", async () => {
    const { removeDeadStores } = await import("../../../src/compiler/opt/dead-stores.js");
    const out = runPass(
      removeDeadStores,
      `func f(%0) {
      @entry0:
        store u64 [map1+64], %0
        store u64 [map1+64], 9
        store u32 [map1+8], %0
        %1 = load u64 [map1+8]
        store u32 [map1+8], 1
        store u16 [map1+16], 1
        store u8 [map1+16], 2
        ret %1
      }`,
    );
    expect(out).not.toContain("store u64 [map1+64], %0");
    expect(out).toContain("store u32 [map1+8], %0"); // read back before the next store
    expect(out).toContain("store u16 [map1+16], 1"); // only partly overwritten
  });
});
