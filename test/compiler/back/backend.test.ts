// The back end on small hand-written IR: exact listings where the code shape matters.
import { describe, expect, it } from "vitest";
import { disassemble } from "../../../src/bpf/disasm.js";
import { generate } from "../../../src/compiler/back/backend.js";
import { parseIr } from "../../../src/compiler/ir/parse.js";
import { printModule } from "../../../src/compiler/ir/print.js";
import { optimize } from "../../../src/compiler/pipeline.js";

const listing = (text: string, opt = true): string => {
  const m = parseIr(text);
  if (opt) optimize(m);
  return (
    disassemble(generate(m))
      .split("\n")
      // "   addr:\tbytes\tinstruction": keep the instruction, whose mnemonic may be followed by a
      // tab of its own (`ld_pseudo\tr0, 0x2, 0x1`).
      .map((l) => l.split("\t").slice(2).join(" ").trim())
      .filter((l) => l !== "")
      .join("\n")
  );
};

describe("back end", () => {
  it("keeps ctx where it arrives and writes results through it", () => {
    expect(
      listing(`func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %2 = add %1, 1
        store u64 [%0+40], %2
        store u32 [%0+20], 1
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "r0 = *(u64 *)(r1 + 0x40)
      r0 += 0x1
      *(u64 *)(r1 + 0x28) = r0
      r0 = 0x1
      *(u32 *)(r1 + 0x14) = w0
      r0 = 0x0
      exit"
    `);
  });

  it("puts values that live across a call in callee-saved registers", () => {
    expect(
      listing(`func f(%0) {
      @entry0:
        %1 = load u64 [%0+64]
        %2 = call 5()
        %3 = add %2, %1
        store u64 [%0+40], %3
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "r6 = r1
      r7 = *(u64 *)(r6 + 0x40)
      call 0x5
      r0 += r7
      *(u64 *)(r6 + 0x28) = r0
      r0 = 0x0
      exit"
    `);
  });

  it("guards a computed offset with a compare on the indexing register", () => {
    expect(
      listing(`func f(%0) {
      @entry0:
        %1 = load u32 [%0+64]
        check %1 <= 504 ok @ok1 fail @oob2
      @ok1:
        %2 = addr [map0]
        %3 = add %2, %1
        %4 = load u64 [%3]
        store u64 [%0+40], %4
        ret 0
      @oob2:
        store u32 [%0+20], 2
        store u32 [%0+36], 6
        ret 0
      }`),
    ).toMatchInlineSnapshot(`
      "w0 = *(u32 *)(r1 + 0x40)
      if r0 > 0x1f8 goto +0x7
      ld_pseudo r2, 0x2, 0x0
      r2 += r0
      r0 = *(u64 *)(r2 + 0x0)
      *(u64 *)(r1 + 0x28) = r0
      r0 = 0x0
      exit
      r0 = 0x2
      *(u32 *)(r1 + 0x14) = w0
      r0 = 0x6
      *(u32 *)(r1 + 0x24) = w0
      goto -0x7"
    `);
  });

  it("spills when more than r0..r9 are live and keeps the frame within 512 bytes", () => {
    const loads = Array.from(
      { length: 14 },
      (_, k) => `%${k + 1} = load u64 [%0+${8 * (k % 8) + 64}]`,
    ).join("\n");
    const sum = Array.from(
      { length: 13 },
      (_, k) => `%${k + 21} = add %${k === 0 ? 1 : k + 20}, %${k + 2}`,
    ).join("\n");
    const out = listing(
      `func f(%0) {\n@entry0:\n${loads}\n${sum}\nstore u64 [%0+40], %33\nret 0\n}`,
      false,
    );
    expect(out).toMatch(/\*\(u64 \*\)\(r10 - 0x8\) = r\d/);
    expect(out).toMatch(/r\d = \*\(u64 \*\)\(r10 - 0x8\)/);
  });

  it("passes a bpf_loop callback's address in r2, resolved like a call (and keeps the callee)", () => {
    const text = `func f(%0) {
      slot0: 8 bytes, align 8
    @entry0:
      store u64 [slot0], 0
      %1 = addr [slot0]
      %2 = call 181(10, &f.cb, %1, 0)
      %3 = load u64 [slot0]
      store u64 [%0+40], %3
      ret 0
    }
    func f.cb(%0, %1) {
    @entry0:
      %2 = load u64 [%1]
      %3 = add %2, %0
      store u64 [%1], %3
      ret 0
    }
    `;
    expect(printModule(parseIr(text))).toContain("call 181(10, &f.cb, %1, 0)");
    expect(listing(text)).toMatchInlineSnapshot(`
      "r6 = r1
      *(u64 *)(r10 - 0x8) = 0x0
      r3 = r10
      r3 += -0x8
      r1 = 0xa
      r4 = 0x0
      ld_pseudo r2, 0x4, 0x6
      call 0xb5
      r0 = *(u64 *)(r10 - 0x8)
      *(u64 *)(r6 + 0x28) = r0
      r0 = 0x0
      exit
      r0 = *(u64 *)(r2 + 0x0)
      r0 += r1
      *(u64 *)(r2 + 0x0) = r0
      r0 = 0x0
      exit"
    `);
  });

  it("refuses a frame larger than 512 bytes (E0690)", () => {
    const m = parseIr(
      `func f(%0) {\n  slot0: 520 bytes, align 8\n@entry0:\n  store u64 [slot0], 0\n  ret 0\n}`,
    );
    expect(() => generate(m)).toThrow(expect.objectContaining({ code: "E0690" }));
  });
});
