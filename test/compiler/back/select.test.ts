// Instruction selection: one IR instruction, registers assigned, becomes one or two eBPF
// instructions (eBPF is two-address: `d = a op b` needs `mov d, a` unless d is a).
import { describe, expect, it } from "vitest";
import { selectInst } from "../../../src/compiler/back/select.js";
import { asm, parse } from "./helpers.js";

/** Selects every instruction of the entry block with %n in register n mod 10. */
const select = (text: string): string => {
  const f = parse(text).funcs[0];
  const ctx = { reg: (v: number) => v % 10, slotOffset: (slot: number) => -8 * (slot + 1) };
  return asm(f.blocks[0].insns.flatMap((i) => selectInst(i, ctx, () => {})));
};

describe("select", () => {
  it("selects loads, stores, moves and three-address ALU operations", () => {
    expect(
      select(`func f(%1) {
      @entry0:
        %2 = load u32 [%1+64]
        %3 = add %2, 5
        %4 = sub %3, %2
        %5 = mov 4294967296
        store u64 [%1+40], %4
        store u32 [%1+20], 1
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "w2 = *(u32 *)(r1 + 0x40)
      r3 = r2
      r3 += 0x5
      r4 = r3
      r4 -= r2
      r5 = 0x100000000 ll
      *(u64 *)(r1 + 0x28) = r4
      *(u32 *)(r1 + 0x14) = 0x1"
    `);
  });

  it("selects stack addresses and helper calls", () => {
    expect(
      select(`func f(%1) {
      slot0: 8 bytes, align 8
      @entry0:
        store u64 [slot0], 0
        %3 = addr [slot0]
        %0 = call 5()
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "*(u64 *)(r10 - 0x8) = 0x0
      r3 = r10
      r3 += -0x8
      call 0x5"
    `);
  });
});
