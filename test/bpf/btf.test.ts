import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BtfBuilder,
  BtfStrings,
  encodeBtf,
  FuncLinkage,
  IntEncoding,
  type BtfType,
} from "../../src/bpf/btf.js";
import { encodeBtfExt, readBtfExt, type BtfExt } from "../../src/bpf/btf-ext.js";
import { dumpBtf, readBtf } from "../../src/bpf/btf-read.js";
import { readElf } from "../../src/bpf/elf/reader.js";
import { BpfError } from "../../src/diagnostics.js";
import { run, toolsOrWarn } from "./support/tools.js";

const FIXTURES = path.resolve(__dirname, "../fixtures/btf");

/** One type of every kind, each referring only to earlier ids. */
const EVERY_KIND: BtfType[] = [
  { kind: "int", name: "unsigned int", size: 4, bits: 32, offset: 0, encoding: IntEncoding.NONE }, // 1
  { kind: "int", name: "_Bool", size: 1, bits: 1, offset: 0, encoding: IntEncoding.BOOL }, // 2
  { kind: "ptr", name: "", type: 1 }, // 3
  { kind: "array", type: 1, indexType: 1, nelems: 7 }, // 4
  {
    kind: "struct",
    name: "s",
    size: 16,
    members: [
      { name: "a", type: 1, bitOffset: 0, bitfieldSize: 3 },
      { name: "b", type: 1, bitOffset: 3, bitfieldSize: 29 },
      { name: "c", type: 3, bitOffset: 64, bitfieldSize: 0 },
    ],
  }, // 5
  {
    kind: "union",
    name: "u",
    size: 8,
    members: [{ name: "p", type: 3, bitOffset: 0, bitfieldSize: 0 }],
  }, // 6
  {
    kind: "enum",
    name: "e",
    size: 4,
    signed: true,
    values: [
      { name: "A", value: -1n },
      { name: "B", value: 7n },
    ],
  }, // 7
  {
    kind: "enum64",
    name: "e64",
    size: 8,
    signed: false,
    values: [{ name: "BIG", value: 0xfedcba9876543210n }],
  }, // 8
  { kind: "fwd", name: "later", union: true }, // 9
  { kind: "typedef", name: "u32", type: 1 }, // 10
  { kind: "volatile", name: "", type: 10 }, // 11
  { kind: "const", name: "", type: 11 }, // 12
  { kind: "restrict", name: "", type: 3 }, // 13
  {
    kind: "func_proto",
    returnType: 10,
    params: [
      { name: "x", type: 10 },
      { name: "", type: 3 },
    ],
  }, // 14
  { kind: "func", name: "f", type: 14, linkage: FuncLinkage.STATIC }, // 15
  { kind: "var", name: "v", type: 4, linkage: 1 }, // 16
  { kind: "datasec", name: ".data.v", size: 28, vars: [{ type: 16, offset: 0, size: 28 }] }, // 17
  { kind: "float", name: "double", size: 8 }, // 18
  { kind: "decl_tag", name: "tag", type: 15, componentIdx: -1 }, // 19
  { kind: "type_tag", name: "user", type: 1 }, // 20
];

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof BpfError) return `${err.code} ${err.message}`;
    throw err;
  }
  return "no error";
}

describe("BTF writer and reader", () => {
  it("round-trips a type of every kind", () => {
    const btf = readBtf(encodeBtf(EVERY_KIND));
    expect(btf.types).toEqual(EVERY_KIND);
    expect(btf.find("f", "func")).toBe(15);
    expect(btf.find("f", "var")).toBeUndefined();
    expect(btf.type(0)).toBeUndefined();
  });

  it("shares equal strings and starts the table with the empty string", () => {
    const strings = new BtfStrings();
    expect(strings.add("")).toBe(0);
    const a = strings.add("abc");
    expect(strings.add("abc")).toBe(a);
    expect(strings.add("a\0b")).toBe(strings.add("a\uFFFDb"));
    expect(Array.from(strings.bytes().subarray(0, 5))).toEqual([0, 97, 98, 99, 0]);
  });

  it("the builder emits each int, pointer and array once", () => {
    const b = new BtfBuilder();
    const u32 = b.int("unsigned int", 4);
    expect(b.int("unsigned int", 4)).toBe(u32);
    expect(b.ptr(u32)).toBe(b.ptr(u32));
    expect(b.array(u32, 4)).toBe(b.array(u32, 4));
    expect(b.array(u32, 5)).not.toBe(b.array(u32, 4));
    const s = b.struct("pair", 8, [
      { name: "lo", type: u32, offset: 0 },
      { name: "hi", type: u32, offset: 4 },
    ]);
    const btf = readBtf(b.encode());
    expect(btf.type(s)).toEqual({
      kind: "struct",
      name: "pair",
      size: 8,
      members: [
        { name: "lo", type: u32, bitOffset: 0, bitfieldSize: 0 },
        { name: "hi", type: u32, bitOffset: 32, bitfieldSize: 0 },
      ],
    });
  });

  it("refuses to encode a reference to a type that does not exist", () => {
    expect(() => encodeBtf([{ kind: "ptr", name: "", type: 2 }])).toThrow(/refers to type 2/);
  });

  it("reports malformed sections as E0133", () => {
    const good = encodeBtf(EVERY_KIND);
    expect(errorOf(() => readBtf(good.subarray(0, 10), "x.o"))).toMatch(
      /^E0133 x.o: .BTF is 10 bytes/,
    );
    const badMagic = good.slice();
    badMagic[0] = 0;
    expect(errorOf(() => readBtf(badMagic))).toMatch(/E0133 .*magic/);
    const cut = good.slice();
    new DataView(cut.buffer).setUint32(12, 100000, true); // type_len past the end
    expect(errorOf(() => readBtf(cut))).toMatch(/E0133 .*type section/);
    const unknownKind = encodeBtf([
      { kind: "int", name: "i", size: 4, bits: 32, offset: 0, encoding: 0 },
    ]);
    unknownKind[24 + 7] = 30; // info's kind byte
    expect(errorOf(() => readBtf(unknownKind))).toMatch(/E0133 .*unknown kind 30/);
    const badName = encodeBtf([{ kind: "typedef", name: "t", type: 0 }]);
    new DataView(badName.buffer).setUint32(24, 999, true);
    expect(errorOf(() => readBtf(badName))).toMatch(/E0133 .*string offset 999/);
    const badRef = encodeBtf([{ kind: "ptr", name: "", type: 0 }]);
    new DataView(badRef.buffer).setUint32(24 + 8, 5, true);
    expect(errorOf(() => readBtf(badRef))).toMatch(/E0133 .*refers to type 5/);
  });

  it("never fails with anything but E0133 on damaged input", () => {
    const good = encodeBtf(EVERY_KIND);
    fc.assert(
      fc.property(
        fc.nat(good.length),
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(255)), { maxLength: 6 }),
        (len, flips) => {
          const bytes = good.slice(0, len);
          for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
          const result = errorOf(() => readBtf(bytes));
          expect(result === "no error" || result.startsWith("E0133")).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe(".BTF.ext", () => {
  const ext: BtfExt = {
    funcInfo: [
      { section: "syscall", records: [{ insnOff: 0, typeId: 3 }] },
      {
        section: ".text",
        records: [
          { insnOff: 0, typeId: 5 },
          { insnOff: 64, typeId: 5 },
        ],
      },
    ],
    lineInfo: [
      {
        section: "syscall",
        records: [
          { insnOff: 0, file: "a.ioc", lineText: "fn f() {", line: 1, col: 1 },
          { insnOff: 16, file: "a.ioc", lineText: "  x = 1", line: 2, col: 1023 },
        ],
      },
      {
        section: ".text",
        records: [{ insnOff: 0, file: "lib.ioc", lineText: "", line: 4000000, col: 0 }],
      },
    ],
  };

  it("round-trips func_info and line_info through the .BTF string table", () => {
    const b = new BtfBuilder();
    b.int("int", 4, true);
    const bytes = encodeBtfExt(ext, b.strings);
    const btf = readBtf(b.encode());
    expect(readBtfExt(bytes, btf)).toEqual(ext);
  });

  it("clamps a column past 1023 and a line past 2^22-1 into line_col", () => {
    const b = new BtfBuilder();
    const big: BtfExt = {
      funcInfo: [],
      lineInfo: [
        {
          section: "s",
          records: [{ insnOff: 0, file: "f", lineText: "", line: 1 << 23, col: 5000 }],
        },
      ],
    };
    const back = readBtfExt(encodeBtfExt(big, b.strings), readBtf(b.encode()));
    expect(back.lineInfo[0].records[0]).toMatchObject({ line: (1 << 22) - 1, col: 1023 });
  });

  it("reports malformed sections as E0133", () => {
    const b = new BtfBuilder();
    const bytes = encodeBtfExt(ext, b.strings);
    const btf = readBtf(b.encode());
    expect(errorOf(() => readBtfExt(bytes.subarray(0, 8), btf))).toMatch(
      /E0133 .*shorter than its header/,
    );
    const tooMany = bytes.slice();
    new DataView(tooMany.buffer).setUint32(32 + 8, 1000, true); // num_info of the first func_info section
    expect(errorOf(() => readBtfExt(tooMany, btf))).toMatch(/E0133 .*1000 records/);
    const otherStrings = readBtf(new BtfBuilder().encode());
    expect(errorOf(() => readBtfExt(bytes, otherStrings))).toMatch(
      /E0133 .*past the .BTF string table/,
    );
  });
});

describe("clang-19's BTF (test/fixtures/btf)", () => {
  const obj = readElf(new Uint8Array(readFileSync(path.join(FIXTURES, "globals.o"))), "globals.o");
  const btf = readBtf(obj.section(".BTF")!.data, "globals.o");

  it("reads like the committed `bpftool btf dump file` output", () => {
    expect(dumpBtf(btf)).toBe(readFileSync(path.join(FIXTURES, "globals.btf"), "utf8"));
  });

  it.skipIf(!toolsOrWarn("comparison with the installed bpftool", "bpftool"))(
    "reads like the installed bpftool",
    () => {
      expect(dumpBtf(btf)).toBe(
        run("bpftool", ["btf", "dump", "file", path.join(FIXTURES, "globals.o")]),
      );
    },
  );

  it("its line_info points at the lines of globals.c, with their text", () => {
    const ext = readBtfExt(obj.section(".BTF.ext")!.data, btf, "globals.o");
    const source = readFileSync(path.join(FIXTURES, "globals.c"), "utf8").split("\n");
    expect(ext.funcInfo.map((s) => s.section).sort()).toEqual([".text", "syscall"]);
    const records = ext.lineInfo.flatMap((s) => s.records);
    expect(records.length).toBeGreaterThan(5);
    for (const r of records) {
      expect(r.file).toMatch(/globals\.c$/);
      expect(r.lineText).toBe(source[r.line - 1]); // whole line, indentation kept
    }
    const prog = btf.type(ext.funcInfo.find((s) => s.section === "syscall")!.records[0].typeId);
    expect(prog).toMatchObject({ kind: "func", name: "prog" });
  });
});
