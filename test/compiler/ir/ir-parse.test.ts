import { describe, expect, it } from "vitest";
import { parseIr } from "../../../src/compiler/ir/parse.js";
import { printModule } from "../../../src/compiler/ir/print.js";
import { randomModule } from "./random-ir.js";

describe("IR text", () => {
  it("round-trips through the printer", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const text = printModule(
        randomModule(seed, { blocks: 5, values: 8, loops: true, calls: true }),
      );
      expect(printModule(parseIr(text))).toBe(text);
    }
  });
  it("reports malformed text with its line", () => {
    expect(() => parseIr("func f() {\n@a0:\n  %1 = frob %2\n  ret\n}\n")).toThrow(
      /<ir>:3: bad IR: unknown instruction `frob`/,
    );
    expect(() => parseIr("func f() {\n@a0:\n  jump @nowhere\n}\n")).toThrow(
      /@nowhere is used but never defined/,
    );
  });
});
