import { describe, expect, it } from "vitest";
import { at, ModuleBuilder } from "../../../src/compiler/ir/builder.js";
import { printModule } from "../../../src/compiler/ir/print.js";
import { imm } from "../../../src/compiler/ir/ir.js";

const pos = { file: "t.ioc", line: 1, col: 1 };

describe("IR builder and printer", () => {
  it("builds and prints a small function", () => {
    const m = new ModuleBuilder();
    const f = m.func("lookup", 1, pos);
    const size = f.load(4, at.reg(f.params[0], 8));
    const big = f.block("big");
    const small = f.block("small");
    f.br("ult", 256n, size, big, small);
    f.setBlock(big);
    const off = f.alu("and", size, 0xffn);
    f.store(8, at.map(1, 16), off);
    f.ret(0n);
    f.setBlock(small);
    f.ret(-1n);
    expect(printModule(m.finish())).toBe(
      [
        "func lookup(%0) {",
        "@entry0:",
        "  %1 = load u32 [%0+8]",
        "  br ugt %1, 256 ? @big1 : @small2",
        "@big1:",
        "  %2 = and %1, 255",
        "  store u64 [map1+16], %2",
        "  ret 0",
        "@small2:",
        "  ret -1",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("keeps constants canonical as signed 64-bit", () => {
    expect(imm(0xffffffffffffffffn)).toBe(-1n);
    expect(imm(1n << 63n)).toBe(-(1n << 63n));
  });

  it("refuses an unterminated block", () => {
    const m = new ModuleBuilder();
    const f = m.func("f", 0, pos);
    f.block("dangling");
    f.ret();
    expect(() => m.finish()).toThrow(/no terminator/);
  });
});
