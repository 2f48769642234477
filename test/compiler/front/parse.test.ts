// The parser: AST shapes, precedence, spans, contextual keywords, and syntax errors.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type * as A from "../../../src/compiler/front/ast.js";
import { parseModule } from "../../../src/compiler/front/parse.js";
import { IochainError } from "../../../src/diagnostics.js";

/** The expression of `return EXPR;` in a one-line storage fn. */
function expr(src: string): A.Expr {
  const m = parseModule(`storage fn f() -> u64 { return ${src}; }`, "e.ioc");
  const s = (m.items[0] as A.StorageItem).body.stmts[0];
  if (s.kind !== "return" || !s.value) throw new Error("no return value");
  return s.value;
}

/** A compact rendering of an expression's tree: (op left right). */
function show(e: A.Expr): string {
  switch (e.kind) {
    case "int":
      return e.value.toString();
    case "bool":
      return String(e.value);
    case "name":
      return e.path.map((p) => p.name).join("::");
    case "unary":
      return `(${e.op} ${show(e.operand)})`;
    case "binary":
      return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case "cast":
      return `(as ${show(e.operand)})`;
    case "call":
      return `${show(e.callee)}(${e.args.map(show).join(" ")})`;
    case "field":
      return `${show(e.object)}.${e.field.name}`;
    case "index":
      return `${show(e.object)}[${show(e.index)}]`;
    case "at":
      return `(at ${show(e.offset)})`;
    case "tuple":
      return `(tuple ${e.elems.map(show).join(" ")})`;
    case "sizeof":
      return "sizeof";
  }
}

function syntaxError(src: string): IochainError {
  try {
    parseModule(src, "bad.ioc");
  } catch (err) {
    if (err instanceof IochainError) return err;
    throw err;
  }
  throw new Error("parsed without an error");
}

describe("expressions", () => {
  it("binds by the documented precedence", () => {
    expect(show(expr("a + b * c"))).toBe("(+ a (* b c))");
    expect(show(expr("a << 1 + 2"))).toBe("(<< a (+ 1 2))");
    expect(show(expr("flags & 0x80 == 0"))).toBe("(== (& flags 128) 0)");
    expect(show(expr("a | b ^ c & d"))).toBe("(| a (^ b (& c d)))");
    expect(show(expr("a || b && c == d"))).toBe("(|| a (&& b (== c d)))");
    expect(show(expr("-x as u8 + 1"))).toBe("(+ (as (- x)) 1)");
    expect(show(expr("a - b - c"))).toBe("(- (- a b) c)");
    expect(show(expr("!done && ~mask != 0"))).toBe("(&& (! done) (!= (~ mask) 0))");
  });

  it("extends `at` over + - * / % and stops at other operators", () => {
    expect(show(expr("u8 at p + 1 == 5"))).toBe("(== (at (+ p 1)) 5)");
    expect(show(expr("u16be at 12 + 2 * i"))).toBe("(at (+ 12 (* 2 i)))");
    expect(show(expr("(u8 at p) as u32 << 16"))).toBe("(<< (as (at p)) 16)");
    expect(show(expr("x * u8 at a + b"))).toBe("(* x (at (+ a b)))");
  });

  it("parses calls, module paths, fields, indexes and tuples", () => {
    expect(show(expr("varint::leb128(p + 1)"))).toBe("varint::leb128((+ p 1))");
    expect(show(expr("idx.entry[i].offset"))).toBe("idx.entry[i].offset");
    expect(show(expr("(a, b + 1)"))).toBe("(tuple a (+ b 1))");
    expect(show(expr("(a)"))).toBe("a");
  });

  it("spans an operand from its first prefix to its last postfix, and a cast to its type", () => {
    const e = expr("-!x.y[1] as u8 as u16");
    const col = (x: A.Expr) => [x.span.col, x.span.endCol];
    // `storage fn f() -> u64 { return ` is 31 columns: the expression starts at column 32.
    expect(show(e)).toBe("(as (as (- (! x.y[1]))))");
    expect(col(e)).toEqual([32, 53]);
    const inner = (e as Extract<A.Expr, { kind: "cast" }>).operand;
    expect(col(inner)).toEqual([32, 46]);
    const neg = (inner as Extract<A.Expr, { kind: "cast" }>).operand;
    expect(col(neg)).toEqual([32, 40]);
    const not = (neg as Extract<A.Expr, { kind: "unary" }>).operand;
    expect(col(not)).toEqual([33, 40]);
    expect(col((not as Extract<A.Expr, { kind: "unary" }>).operand)).toEqual([34, 40]);
  });

  it("spans a binary expression over its operands only", () => {
    const e = expr("( a )  +  b * c  ");
    expect(show(e)).toBe("(+ a (* b c))");
    expect([e.span.col, e.span.endCol]).toEqual([32, 47]);
    const right = (e as Extract<A.Expr, { kind: "binary" }>).right;
    expect([right.span.col, right.span.endCol]).toEqual([42, 47]);
  });

  it("reports the outermost chained comparison", () => {
    const e = syntaxError("storage fn f() -> bool { return a == b < c <= d || x; }");
    expect(e.code).toBe("E0308");
    expect(e.pos).toMatchObject({ col: 33, endCol: 48 });
    expect(show(expr("(a < b) == (c < d)"))).toBe("(== (< a b) (< c d))");
  });

  it("treats comments as spaces, but not inside strings", () => {
    const m = parseModule(
      'import "a//b.ioc"; // c\nconst X: u64 = 1/**/+/* 2 */3; /* a\n b */ const Y = X;',
      "c.ioc",
    );
    const imp = m.items[0] as A.ImportItem;
    expect(imp.target).toMatchObject({ path: { value: "a//b.ioc" } });
    const x = m.items[1] as A.ConstItem;
    expect(show(x.value)).toBe("(+ 1 3)");
    expect(x.value.span).toMatchObject({ line: 2, col: 16, endCol: 30 });
    expect(m.items[2].span).toMatchObject({ line: 3, col: 7 });
  });

  it("reads every integer form", () => {
    expect(show(expr("0x2A + 0b101 + 0o17 + 1_000"))).toBe("(+ (+ (+ 42 5) 15) 1000)");
    expect(show(expr("0xffff_ffff_ffff_ffff"))).toBe("18446744073709551615");
  });
});

describe("items and statements", () => {
  it("keeps contextual keywords usable as names", () => {
    const src = `
      fn scan(start: u64, filter: u64, block: u64) -> u64 {
        let state = start + filter;
        let max = block;
        return state + max;
      }
      storage fn f() -> u64 { return scan(1, 2, 3); }`;
    const m = parseModule(src, "ctx.ioc");
    expect(m.items.map((i) => i.kind)).toEqual(["fn", "storage"]);
  });

  it("builds a storage fn with clauses, declarations, stages and scans", () => {
    const m = parseModule(
      readFileSync("examples/range/scan.ioc", "utf8"),
      "examples/range/scan.ioc",
    );
    const s = m.items.find((i): i is A.StorageItem => i.kind === "storage")!;
    expect(s.clauses.map((c) => c.kind)).toEqual(["reads", "block", "start", "max_chain"]);
    expect(s.decls.map((d) => d.kind)).toEqual(["output", "aggregate"]);
    const scan = s.body.stmts.find((x): x is A.ScanStmt => x.kind === "scan")!;
    expect(scan.lets.map((l) => l.name.name)).toEqual(["key"]);
    expect(scan.until).toBeDefined();
    expect(scan.filters).toHaveLength(1);
    expect(scan.emit.map((e) => e.name.name)).toEqual(["key", "ptr"]);
  });

  it("puts a full span on nodes", () => {
    const m = parseModule(
      "const A: u32 = 1;\nstorage fn f() -> u64 {\n  return A + 22;\n}\n",
      "span.ioc",
    );
    const f = m.items[1] as A.StorageItem;
    const ret = f.body.stmts[0] as Extract<A.Stmt, { kind: "return" }>;
    expect(ret.span).toEqual({ file: "span.ioc", line: 3, col: 3, endLine: 3, endCol: 17 });
    expect(ret.value!.span).toEqual({ file: "span.ioc", line: 3, col: 10, endLine: 3, endCol: 16 });
    expect(f.span.line).toBe(2);
    expect(f.span.endLine).toBe(4);
  });

  it("parses every example and stdlib module", () => {
    for (const f of [
      "examples/bptree/lookup.ioc",
      "examples/sstable/lookup.ioc",
      "examples/slotted/lookup.ioc",
      "stdlib/search.ioc",
      "stdlib/varint.ioc",
      "stdlib/endian.ioc",
    ]) {
      expect(parseModule(readFileSync(f, "utf8"), f).items.length).toBeGreaterThan(0);
    }
  });
});

describe("syntax errors", () => {
  it("says what was expected in words, at the right place", () => {
    const e = syntaxError("fn f() {\n  let x = 1\n  return x;\n}");
    expect(e.code).toBe("E0301");
    expect(e.message).toBe("expected `;` at the end of this line");
    expect(e.pos).toMatchObject({ line: 2, col: 11 });
    const eq = syntaxError("fn f() { if x = 1 { } }");
    expect(eq.message).toBe("expected `{`, found `=`");
    expect(eq.diagnostic.hint).toContain("`==`");
    expect(syntaxError("fn f() { let y = 1 + ; }").message).toBe(
      "expected an expression, found `;`",
    );
    expect(syntaxError("fn f( {").message).toMatch(/^expected .*found `\{`$/);
    expect(syntaxError("layout L { a: u8 b: u8 }").diagnostic.hint).toBe(
      "separate the entries with `,`",
    );
  });

  it("reports lexical problems with their own codes", () => {
    expect(syntaxError("fn f() { /* open").code).toBe("E0302");
    expect(syntaxError('import "x.ioc;').code).toBe("E0303");
    expect(syntaxError("fn f() { let a = b @ c; }").code).toBe("E0305");
    expect(syntaxError("fn f() { let a = 12ab; }").code).toBe("E0306");
    expect(syntaxError("fn f() { let a = 0b102; }").code).toBe("E0306");
    expect(syntaxError("fn f() { let a = 0x1_0000_0000_0000_0000; }").code).toBe("E0307");
    expect(syntaxError("fn f() { let a = x == y == z; }").code).toBe("E0308");
    expect(syntaxError("fn f() { let while = 1; }").code).toBe("E0309");
    expect(syntaxError("").code).toBe("E0300");
    expect(syntaxError("  // only a comment\n").code).toBe("E0300");
    expect(syntaxError("fn f() {}\0").code).toBe("E0310");
  });

  it("refuses sources over 1 MiB before parsing them", () => {
    const e = syntaxError(`// ${"y".repeat(1 << 20)}\n`);
    expect(e.code).toBe("E0304");
  });

  it("never throws anything but a diagnostic on arbitrary text", () => {
    const samples = [
      "}}}",
      "storage fn",
      "fn f() -> { }",
      "layout X: middle { a: u8 }",
      "let x = 1;",
      "((((",
      "import std::;",
      "fn f() { scan i in 0 .. 1 emit { ; }",
    ];
    for (const s of samples) expect(syntaxError(s)).toBeInstanceOf(IochainError);
  });
});
