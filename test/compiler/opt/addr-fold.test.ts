import { describe, expect, it } from "vitest";
import { foldAddresses } from "../../../src/compiler/opt/addr-fold.js";
import { reassociate } from "../../../src/compiler/opt/reassociate.js";
import { runPass } from "./helpers.js";

describe("addr-fold", () => {
  it("moves constant pointer arithmetic into the access's offset", () => {
    const out = runPass(
      foldAddresses,
      `func f(%0) {
      @entry0:
        %1 = addr [map0+16]
        %2 = load u64 [%1+8]
        %3 = load u64 [%0+64]
        %4 = add %1, %3
        %5 = add %4, 8
        %6 = load u32 [%5+4]
        store u64 [%1], %6
        ret %2
      }`,
    );
    expect(out).toContain("%2 = load u64 [map0+24]");
    expect(out).toContain("%6 = load u32 [%4+12]");
    expect(out).toContain("store u64 [map0+16], %6");
  });

  it("does not look through a pointer that is reassigned", () => {
    const out = runPass(
      foldAddresses,
      `func f(%0) {
      @entry0:
        %1 = add %0, 8
        %1 = add %1, 8
        %2 = load u64 [%1]
        ret %2
      }`,
    );
    expect(out).toContain("%2 = load u64 [%1]");
  });
});

describe("reassociate", () => {
  it("combines constant chains and canonicalises subtraction", () => {
    const out = runPass(
      reassociate,
      `func f(%0) {
      @entry0:
        %1 = add %0, 8
        %2 = add %1, 16
        %3 = xor %2, 3
        %4 = xor %3, 5
        %5 = sub %4, 2
        %6 = shl %5, 3
        %7 = shl %6, 2
        ret %7
      }`,
    );
    expect(out).toContain("%2 = add %0, 24");
    expect(out).toContain("%4 = xor %2, 6");
    expect(out).toContain("%5 = add %4, -2");
    expect(out).toContain("%7 = shl %5, 5");
  });
});
