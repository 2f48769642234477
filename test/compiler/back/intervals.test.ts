// Live intervals: instruction n reads at 2n and writes at 2n+1; an interval is a list of ranges.
import { describe, expect, it } from "vitest";
import { layoutBlocks } from "../../../src/compiler/back/block-order.js";
import { buildIntervals } from "../../../src/compiler/back/intervals.js";
import { parse } from "./helpers.js";

const intervals = (text: string): string => {
  const f = parse(text).funcs[0];
  const { intervals: ivs, calls } = buildIntervals(f, layoutBlocks(f));
  const lines = [...ivs.values()]
    .sort((a, b) => a.vreg - b.vreg)
    .map(
      (iv) =>
        `%${iv.vreg}: ${iv.ranges.map((r) => `[${r.start},${r.end}]`).join(" ")} weight ${iv.weight}`,
    );
  for (const c of calls) lines.push(`call at ${c.at}${c.result ? " (result)" : ""}`);
  return lines.join("\n");
};

describe("intervals", () => {
  it("covers each value from its definition to its last use", () => {
    expect(
      intervals(`func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %2 = add %1, 1
        store u64 [%0+40], %2
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "%0: [0,4] weight 2
      %1: [1,2] weight 2
      %2: [3,4] weight 2"
    `);
  });

  it("weighs uses inside a loop more and records call sites", () => {
    expect(
      intervals(`func f(%0) {
      @entry0:
        %1 = mov 0
        jump @head1
      @head1:
        br ult %1, 10 ? @body2 : @exit3
      @body2:
        %2 = call 5()
        %1 = add %1, %2
        jump @head1
      @exit3:
        store u64 [%0+40], %1
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "%0: [0,12] weight 1
      %1: [1,12] weight 32
      %2: [7,8] weight 20
      call at 7 (result)"
    `);
  });
});
