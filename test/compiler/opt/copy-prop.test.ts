import { describe, expect, it } from "vitest";
import { copyProp } from "../../../src/compiler/opt/copy-prop.js";
import { runPass } from "./helpers.js";

describe("copy-prop", () => {
  it("reads the source of a copy instead of the copy", () => {
    const out = runPass(
      copyProp,
      `func f(%0) {
      @entry0:
        %1 = load u64 [%0+8]
        %2 = mov %1
        %3 = add %2, 1
        ret %3
      }`,
    );
    expect(out).toContain("%3 = add %1, 1");
  });

  it("stops where the source is redefined", () => {
    const out = runPass(
      copyProp,
      `func f(%0) {
      @entry0:
        %1 = load u64 [%0+8]
        %2 = mov %1
        %1 = add %1, 1
        %3 = add %2, 1
        ret %3
      }`,
    );
    expect(out).toContain("%3 = add %2, 1");
  });

  it("needs the copy on every path into a block", () => {
    const out = runPass(
      copyProp,
      `func f(%0) {
      @entry0:
        %1 = load u64 [%0+8]
        %4 = load u64 [%0+16]
        br eq %1, 0 ? @a1 : @b2
      @a1:
        %2 = mov %1
        jump @join3
      @b2:
        %2 = mov %4
        jump @join3
      @join3:
        ret %2
      }`,
    );
    expect(out).toContain("ret %2");
  });
});
