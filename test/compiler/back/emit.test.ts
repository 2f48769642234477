// Emission: allocated IR → eBPF, blocks in layout order, jump and call offsets resolved in
// 8-byte slots (an ld_imm64 takes two).
import { describe, expect, it } from "vitest";
import { layoutBlocks } from "../../../src/compiler/back/block-order.js";
import { emitProgram } from "../../../src/compiler/back/emit.js";
import { layoutFrame } from "../../../src/compiler/back/frame.js";
import { asm, parse } from "./helpers.js";

/** Emits the module with %n in register n (the IR is written already allocated). */
const emit = (text: string): string => {
  const m = parse(text);
  const funcs = m.funcs.map((func) => {
    const reg = new Map<number, number>();
    for (let v = 0; v < func.nextReg; v++) reg.set(v, v % 10);
    return { func, order: layoutBlocks(func), reg, frame: layoutFrame(func) };
  });
  return asm(emitProgram(funcs));
};

describe("emit", () => {
  it("resolves branches in layout order and drops jumps to the next block", () => {
    expect(
      emit(`func f(%1) {
      @entry0:
        %2 = load u32 [%1+64]
        br ult %2, 10 ? @small1 : @big2
      @small1:
        store u32 [%1+20], 1
        jump @done3
      @big2:
        store u32 [%1+20], 2
        jump @done3
      @done3:
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "w2 = *(u32 *)(r1 + 0x40)
      if r2 >= 0xa goto +0x2
      *(u32 *)(r1 + 0x14) = 0x1
      exit
      *(u32 *)(r1 + 0x14) = 0x2
      goto -0x3"
    `);
  });

  it("resolves a local call to the callee's slot", () => {
    expect(
      emit(`func f(%1) {
      @entry0:
        %0 = call g(%1)
        ret %0
      }
      func g(%1) {
      @entry0:
        %0 = add %1, 1
        ret %0
      }`),
    ).toMatchInlineSnapshot(`
      "call 0x1
      exit
      r0 = r1
      r0 += 0x1
      exit"
    `);
  });
});
