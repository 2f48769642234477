// Arguments are checked against the declared parameter types before anything runs.
import { describe, expect, it } from "vitest";
import { IochainError } from "../../src/diagnostics.js";
import { encodeArgs } from "../../src/runtime/args.js";

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof IochainError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return "no error";
}

describe("encodeArgs", () => {
  it("refuses true/false for an integer parameter (it was silently 1/0)", () => {
    expect(codeOf(() => encodeArgs([{ name: "key", type: "u64" }], { key: true }))).toBe(
      "E0930: argument `key` = true is a boolean, but `key` is u64",
    );
    expect(codeOf(() => encodeArgs([{ name: "n", type: "i32" }], { n: false }))).toMatch(/^E0930/);
  });

  it("takes true/false for a bool parameter and integers for integer ones", () => {
    expect(encodeArgs([{ name: "b", type: "bool" }], { b: true })).toEqual([1n]);
    expect(encodeArgs([{ name: "k", type: "u64" }], { k: 2n ** 64n - 1n })).toEqual([
      2n ** 64n - 1n,
    ]);
  });
});
