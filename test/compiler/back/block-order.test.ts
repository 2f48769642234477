// Block order: chains of fall-throughs grown from the reverse postorder, so each block is
// followed by the successor it most likely goes to.
import { describe, expect, it } from "vitest";
import { layoutBlocks } from "../../../src/compiler/back/block-order.js";
import { labels, parse } from "./helpers.js";

const order = (text: string): string => labels(layoutBlocks(parse(text).funcs[0]));

describe("block order", () => {
  it("puts a check's ok block right after it and its failure last", () => {
    expect(
      order(`func f(%0) {
      @entry0:
        %1 = load u32 [%0+64]
        check %1 <= 504 ok @ok1 fail @oob2
      @oob2:
        ret 1
      @ok1:
        ret 0
      }`),
    ).toMatchInlineSnapshot(`"@entry0 @ok1 @oob2"`);
  });

  it("lays a loop out as head, body, then the exit", () => {
    expect(
      order(`func f(%0) {
      @entry0:
        %1 = mov 0
        jump @head1
      @exit3:
        ret 0
      @head1:
        br ult %1, 10 ? @body2 : @exit3
      @body2:
        %1 = add %1, 1
        jump @head1
      }`),
    ).toMatchInlineSnapshot(`"@entry0 @head1 @body2 @exit3"`);
  });
});
