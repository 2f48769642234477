// The checker: every error of a file at once, imports (stdlib and relative), the conversion rules,
// and the facts it attaches for the lowering (types, constants, layouts, storage info).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as A from "../../../src/compiler/front/ast.js";
import { checkProgram, type CheckedProgram } from "../../../src/compiler/check/check.js";
import { commonInt, widens } from "../../../src/compiler/check/types.js";
import { DiagnosticsError, toDiagnostics } from "../../../src/diagnostics.js";

function codes(src: string, file = "c.ioc", files: Record<string, string> = {}): string[] {
  try {
    checkProgram(src, file, { readFile: (p) => lookup(files, p) });
  } catch (err) {
    return toDiagnostics(err).map((d) => d.code);
  }
  return [];
}

function lookup(files: Record<string, string>, abs: string): string {
  for (const [name, text] of Object.entries(files)) if (abs === path.resolve(name)) return text;
  return readFileSync(abs, "utf8");
}

function ok(src: string, files: Record<string, string> = {}): CheckedProgram {
  return checkProgram(src, "ok.ioc", { readFile: (p) => lookup(files, p) });
}

describe("reporting", () => {
  it("reports every error of a program, in source order", () => {
    const src = `
      layout H: little { a: u16, b: bool }
      storage fn f(k: u64) -> u64 block 512 {
        let x: u8 = 256;
        let y = nope + 1;
        while k > 0 { }
        return k + true;
      }`;
    let err: unknown;
    try {
      checkProgram(src, "many.ioc");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DiagnosticsError);
    const ds = (err as DiagnosticsError).diagnostics;
    expect(ds.map((d) => d.code)).toEqual(["E0510", "E0501", "E0401", "E0601", "E0414"]);
    expect(ds.map((d) => d.pos!.line)).toEqual([2, 4, 5, 6, 7]);
  });

  it("does not cascade from one bad declaration", () => {
    expect(
      codes("storage fn f(k: u64) -> u64 { let v = missing; let w = v + 1; return w + v; }"),
    ).toEqual(["E0401"]);
  });
});

describe("modules", () => {
  it("imports stdlib modules and user modules relative to the importing file", () => {
    const files = {
      "lib/util.ioc":
        'import "./deeper/more.ioc";\npub fn triple(x: u64) -> u64 { return more::double(x) + x; }\n',
      "lib/deeper/more.ioc": "pub fn double(x: u64) -> u64 { return x * 2; }\n",
    };
    const p = ok(
      'import "./lib/util.ioc" as u;\nimport std::search;\nstorage fn f(k: u64) -> u64 { return u::triple(k); }',
      files,
    );
    expect([...p.modules.values()].map((m) => m.file).sort()).toEqual(
      ["lib/deeper/more.ioc", "lib/util.ioc", "ok.ioc", "stdlib/search.ioc"].sort(),
    );
  });

  it("reports unknown modules, private items and cycles", () => {
    expect(codes('import "./nope.ioc";\nstorage fn f() -> u64 { return 0; }')).toEqual(["E0403"]);
    expect(codes("import std::nothing;\nstorage fn f() -> u64 { return 0; }")).toEqual(["E0403"]);
    const files = { "m.ioc": "fn hidden() -> u64 { return 1; }\npub error oops;\nerror quiet;\n" };
    expect(
      codes('import "./m.ioc";\nstorage fn f() -> u64 { return m::hidden(); }', "c.ioc", files),
    ).toEqual(["E0406"]);
    expect(
      codes('import "./m.ioc";\nstorage fn f() -> u64 { fail m::quiet; }', "c.ioc", files),
    ).toEqual(["E0406"]);
    expect(
      codes('import "./m.ioc";\nstorage fn f() -> u64 { fail m::oops; }', "c.ioc", files),
    ).toEqual([]);
    const cyc = {
      "a.ioc": 'import "./b.ioc";\npub const A: u64 = 1;\n',
      "b.ioc": 'import "./a.ioc";\n',
    };
    expect(
      codes('import "./a.ioc";\nstorage fn f() -> u64 { return a::A; }', "c.ioc", cyc),
    ).toContain("E0405");
  });

  it("keeps a program to one storage fn, in the compiled file", () => {
    expect(codes("fn g() {}")).toEqual(["E0613"]);
    expect(
      codes("storage fn a() -> u64 { return 0; }\nstorage fn b() -> u64 { return 0; }"),
    ).toEqual(["E0613"]);
  });
});

describe("types", () => {
  it("widens only where no value can change", () => {
    const t = (n: A.IntName) => A.intType(n);
    expect(widens(t("u8"), t("u64"))).toBe(true);
    expect(widens(t("u8"), t("i16"))).toBe(true);
    expect(widens(t("u32"), t("i32"))).toBe(false);
    expect(widens(t("i8"), t("u64"))).toBe(false);
    expect(widens(t("i16"), t("i64"))).toBe(true);
    expect(commonInt(t("u16"), t("i32"))?.name).toBe("i32");
    expect(commonInt(t("u64"), t("i64"))).toBeUndefined();
  });

  it("gives literals the type they meet, range-checked", () => {
    expect(codes("storage fn f(k: u8) -> u64 { return (k + 255) as u64; }")).toEqual([]);
    expect(codes("storage fn f(k: u8) -> u64 { return (k + 256) as u64; }")).toEqual(["E0501"]);
    expect(codes("storage fn f(k: i8) -> u64 { return (k + -128) as u64; }")).toEqual([]);
    expect(codes("storage fn f(k: u64) -> u64 { return k & ~0xff; }")).toEqual(["E0501"]);
    expect(codes("storage fn f(k: u64) -> u64 { return k & ~(0xff as u64); }")).toEqual([]);
    expect(codes("const BIG: u64 = 1 << 63; storage fn f() -> u64 { return BIG; }")).toEqual([]);
    expect(codes("const C: u8 = 200 + 100; storage fn f() -> u64 { return C as u64; }")).toEqual([
      "E0501",
    ]);
    expect(
      codes("const A: u8 = 200; const C: u8 = A + 100; storage fn f() -> u64 { return C as u64; }"),
    ).toEqual(["E0502"]);
    expect(codes("storage fn f(k: u64) -> u64 { return k / 0; }")).toEqual([]);
    expect(codes("const Z: u64 = 1 / 0; storage fn f() -> u64 { return Z; }")).toEqual(["E0502"]);
  });

  it("requires explicit conversions between signedness and to narrower types", () => {
    expect(codes("storage fn f(a: u32, b: i32) -> u64 { return (a + b) as u64; }")).toEqual([
      "E0410",
    ]);
    expect(codes("storage fn f(a: u64) -> u32 { return a; }")).toEqual(["E0411"]);
    expect(codes("storage fn f(a: u16) -> u64 { return a; }")).toEqual([]);
    expect(codes("storage fn f(a: u64) -> bool { return a; }")).toEqual(["E0411"]);
    expect(codes("storage fn f(a: u64) -> u64 { if a { return 1; } return 0; }")).toEqual([
      "E0411",
    ]);
  });

  it("attaches types, constant values and layouts", () => {
    const p = ok(`
      const N = 4;
      layout L: big { a: u16, b: [u32le; N], c: u8 }
      storage fn f(k: u64) -> u64 { let v = L at 2; return v.b[1] as u64 + sizeof(L) + k; }`);
    const layout = p.main.ast.items.find((i): i is A.LayoutItem => i.kind === "layout")!;
    expect(layout.info!.size).toBe(19);
    expect(layout.info!.fields.map((f) => [f.name, f.offset, A.storageTypeName(f.type)])).toEqual([
      ["a", 0, "u16be"],
      ["b", 2, "[u32le; 4]"],
      ["c", 18, "u8"],
    ]);
    const ret = p.storage.item.body.stmts[1] as Extract<A.Stmt, { kind: "return" }>;
    expect(ret.value!.ty).toEqual(A.U64);
    const sizeofExpr = (ret.value as { left: { right: A.Expr } }).left.right;
    expect(sizeofExpr.constValue).toBe(19n);
  });

  it("passes arrays of any length and byte order to `[u64; _]` parameters", () => {
    expect(
      codes(`
      import std::search;
      layout L: big { k: [u32; 7] }
      storage fn f(x: u64) -> u64 { return search::find((L at 0).k, 7, x); }`),
    ).toEqual([]);
  });
});

describe("the storage function", () => {
  it("collects the header, state, output and aggregates", () => {
    const p = ok(`
      storage fn f(lo: u64, hi: u32) reads "a.db", "b.db" block 1024 start 2048 max_chain 9 {
        state seen: u32 = 7;
        output { k: u64, small: u8 } capacity 5;
        aggregate { n: count(), s: sum(k), m: max(small) };
        scan i in 0 .. 4 emit { k: u64le at 8 * i, small: 1 };
        return;
      }`);
    const s = p.storage;
    expect([s.blockSize, s.start, s.maxChain, s.files]).toEqual([1024, 2048n, 9, ["a.db", "b.db"]]);
    expect(s.params.map((x) => `${x.name}:${A.typeName(x.type)}`)).toEqual(["lo:u64", "hi:u32"]);
    expect(s.state.map((x) => [x.decl.name.name, x.init])).toEqual([["seen", 7n]]);
    expect(s.output).toEqual({
      fields: [
        { name: "k", type: A.U64 },
        { name: "small", type: A.U8 },
      ],
      capacity: 5,
    });
    expect(s.aggregates.map((a) => [a.name, a.kind, a.type.name])).toEqual([
      ["n", "count", "u64"],
      ["s", "sum", "u64"],
      ["m", "max", "u8"],
    ]);
  });

  it("checks every path ends in an action", () => {
    expect(
      codes("storage fn f(k: u64) -> u64 { if k > 1 { return 1; } else { fail out_of_block; } }"),
    ).toEqual([]);
    expect(codes("storage fn f(k: u64) -> u64 { for i in 0 .. 3 { return 1; } }")).toEqual([
      "E0610",
    ]);
    expect(
      codes(
        "fn g(k: u64) -> u64 { if k > 1 { return 1; } }\nstorage fn f() -> u64 { return g(1); }",
      ),
    ).toEqual(["E0610"]);
  });

  it("finds recursion through other functions", () => {
    expect(
      codes(
        "fn a(x: u64) -> u64 { return b(x); }\nfn b(x: u64) -> u64 { return a(x); }\nstorage fn f() -> u64 { return a(1); }",
      ),
    ).toEqual(["E0602"]);
  });

  it("allows effects before a scan only on paths that end first", () => {
    const scan = "scan i in 0 .. 2 emit { k: u64le at 8 * i };";
    const head = "storage fn f(x: u64) { state n: u64; output { k: u64 };";
    expect(codes(`${head} if x == 0 { n = 1; resubmit 512; } ${scan} return; }`)).toEqual([]);
    expect(codes(`${head} if x == 0 { n = 1; } ${scan} return; }`)).toEqual(["E0632"]);
    expect(codes(`${head} ${scan} n = 1; return; }`)).toEqual([]);
    expect(codes(`${head} ${scan} ${scan} return; }`)).toEqual(["E0632"]);
  });

  it("checks the examples and the stdlib without errors", () => {
    for (const f of [
      "examples/bptree/lookup.ioc",
      "examples/range/scan.ioc",
      "examples/sstable/lookup.ioc",
      "examples/slotted/lookup.ioc",
    ]) {
      expect(() => checkProgram(readFileSync(f, "utf8"), f)).not.toThrow();
    }
  });
});
