// Stack frame layout: every slot gets a fixed, aligned offset below r10; 512 bytes at most.
import { describe, expect, it } from "vitest";
import { layoutFrame } from "../../../src/compiler/back/frame.js";
import { parse } from "./helpers.js";

const frame = (text: string): string => {
  const { offsets, size } = layoutFrame(parse(text).funcs[0]);
  return `offsets ${offsets.join(" ")}; size ${size}`;
};

describe("frame", () => {
  it("places the most aligned slots first and rounds the frame to 8 bytes", () => {
    expect(
      frame(`func f(%0) {
      slot0: 3 bytes, align 1
      slot1: 8 bytes, align 8
      slot2: 4 bytes, align 4
      @entry0:
        ret 0
      }`),
    ).toMatchInlineSnapshot(`"offsets -15 -8 -12; size 16"`);
  });

  it("refuses a frame over 512 bytes (E0690)", () => {
    expect(() =>
      frame(`func f(%0) {
      slot0: 520 bytes, align 8
      @entry0:
        ret 0
      }`),
    ).toThrowErrorMatchingInlineSnapshot(
      `[IochainError: function \`f\` needs 520 bytes of stack, more than the 512 eBPF allows]`,
    );
  });
});
