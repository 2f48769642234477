// The language's run-time semantics, end to end: small programs compiled by compile() and run by
// the chain driver on the VM over a file image. Each test states what docs/language.md promises
// (wrapping arithmetic, byte order, bounds checks, bounded loops, calls, state, stages, scans).
import { describe, expect, it } from "vitest";
import type { ProgramArtifact } from "../../../src/abi/artifact.js";
import { compile } from "../../../src/compiler/pipeline.js";
import type { IochainError } from "../../../src/diagnostics.js";
import type { ArgValue } from "../../../src/runtime/args.js";
import { MemoryBlockSource } from "../../../src/runtime/block-source.js";
import { runChain, type ChainResult, type StepTarget } from "../../../src/runtime/driver.js";
import { LinuxTarget } from "../../../src/runtime/linux/target.js";
import { SimTarget } from "../../../src/runtime/sim/target.js";
import { noBpf } from "../../runtime/linux/kernel-fixtures.js";

function build(src: string): ProgramArtifact {
  return compile(src, "test.ioc");
}

if (noBpf) console.warn(`lower.test: kernel comparison skipped: ${noBpf}`);

/** Runs on the VM and, where bpf() works, in the kernel too: both must agree (and verify). */
function run(
  a: ProgramArtifact,
  file: Uint8Array,
  args: Record<string, ArgValue> = {},
): ChainResult {
  const once = (target: StepTarget): ChainResult => {
    try {
      return runChain(a, target, new MemoryBlockSource(file), { args });
    } finally {
      target.close();
    }
  };
  const vm = once(SimTarget.create(a));
  if (!noBpf) {
    const kernel = once(LinuxTarget.create(a));
    expect({ ...kernel, steps: 0 }).toEqual({ ...vm, steps: 0 });
  }
  return vm;
}

/** A storage fn over one 64-byte block that returns `expr` (a u64 unless `ty` says otherwise). */
function value(
  body: string,
  args: Record<string, ArgValue> = {},
  file = new Uint8Array(64),
  ty = "u64",
  params = "x: u64",
): unknown {
  const a = build(`storage fn t(${params}) -> ${ty} block 64 {\n${body}\n}\n`);
  const r = run(a, file, { x: 0n, ...args });
  return r.status === "done" ? r.value : r.error;
}

const bytes = (...b: number[]): Uint8Array => {
  const out = new Uint8Array(64);
  out.set(b);
  return out;
};

describe("arithmetic", () => {
  it("wraps in the type's width", () => {
    expect(value("let a: u8 = 200; let b: u8 = 100; return (a + b) as u64;")).toBe(44n);
    expect(value("let a: u32 = 0xffff_ffff; return (a + 2) as u64;")).toBe(1n);
    expect(value("return x * 3;", { x: 1n << 63n })).toBe(1n << 63n);
    expect(value("let a: i8 = 127; return (a + 1) as i64;", {}, undefined, "i64")).toBe(-128n);
    expect(value("let a: u16 = 3; return (a - 5) as u64;")).toBe(65534n);
  });

  it("divides by sign, and by zero as eBPF does", () => {
    expect(value("let a: i32 = -7; return (a / 2) as i64;", {}, undefined, "i64")).toBe(-3n);
    expect(value("let a: i32 = -7; return (a % 2) as i64;", {}, undefined, "i64")).toBe(-1n);
    expect(value("return 7 / x;", { x: 0n })).toBe(0n);
    expect(value("return 7 % x;", { x: 0n })).toBe(7n);
    expect(value("let a: u32 = 0xffff_fff0; return (a / 16) as u64;")).toBe(0x0fff_ffffn);
  });

  it("shifts: >> is arithmetic on signed types, counts wrap at the width", () => {
    expect(value("let a: i16 = -256; return (a >> 4) as i64;", {}, undefined, "i64")).toBe(-16n);
    expect(value("let a: u8 = 0x81; return (a >> x) as u64;", { x: 9n })).toBe(0x40n);
    expect(value("return 1 << x;", { x: 63n })).toBe(1n << 63n);
    expect(value("let a: u8 = 0xff; return (a << 4) as u64;")).toBe(0xf0n);
  });

  it("converts with `as`: truncation, sign and zero extension", () => {
    expect(value("return (x as u8) as u64;", { x: 0x1234n })).toBe(0x34n);
    expect(value("return (x as i8) as i64;", { x: 0xffn }, undefined, "i64")).toBe(-1n);
    expect(value("return (x as i8) as u64;", { x: 0x80n })).toBe(0xffff_ffff_ffff_ff80n);
    expect(value("return (x > 3) as u64;", { x: 5n })).toBe(1n);
    expect(value("return ~x;", { x: 0n })).toBe((1n << 64n) - 1n);
  });

  it("short-circuits && and ||", () => {
    // The right operand would read out of the block: it must not run.
    expect(value("if x == 0 || u8 at 1000 + x == 7 { return 1; } return 2;", { x: 0n })).toBe(1n);
    expect(value("if x != 0 && u8 at 1000 + x == 7 { return 1; } return 2;", { x: 0n })).toBe(2n);
  });

  it("min, max and byte swaps", () => {
    expect(value("return min(x, 10) + max(x, 10);", { x: 3n })).toBe(13n);
    expect(value("return bswap64(x);", { x: 0x0102030405060708n })).toBe(0x0807060504030201n);
    expect(value("return bswap16(x as u16) as u64;", { x: 0xabcdn })).toBe(0xcdabn);
  });
});

describe("reading the block", () => {
  it("reads each byte order and sign", () => {
    const b = bytes(0x01, 0x02, 0x03, 0x04, 0xff, 0xfe);
    expect(value("return (u16le at 0) as u64;", {}, b)).toBe(0x0201n);
    expect(value("return (u16be at 0) as u64;", {}, b)).toBe(0x0102n);
    expect(value("return (u32be at 0) as u64;", {}, b)).toBe(0x01020304n);
    expect(value("return (i16be at 4) as i64;", {}, b, "i64")).toBe(-2n);
    expect(value("return (i16le at 4) as i64;", {}, b, "i64")).toBe(-257n);
    expect(value("return (i8 at 4) as i64;", {}, b, "i64")).toBe(-1n);
  });

  it("lays layouts out packed, with per-field byte order and nesting", () => {
    const src = `
      layout Inner: big { a: u16, b: u8 }
      layout Outer: little { tag: u8, inner: Inner, le: u16, arr: [u16be; 2] }
      storage fn t(i: u64) -> u64 block 64 {
        let o = Outer at 1;
        return (o.tag as u64) << 48 | (o.inner.a as u64) << 32 | (o.inner.b as u64) << 24
             | (o.le as u64) << 8 | (o.arr[i] as u64 & 0xff);
      }`;
    const a = build(src);
    const b = bytes(0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa);
    // tag 11; inner.a = 0x2233 (big), inner.b = 44; le = 0x6655; arr = [0x7788, 0x99aa]
    expect(run(a, b, { i: 1n }).value).toBe(
      (0x11n << 48n) | (0x2233n << 32n) | (0x44n << 24n) | (0x6655n << 8n) | 0xaan,
    );
    expect(run(a, b, { i: 2n }).error).toBe("out_of_block");
  });

  it("checks run-time offsets against the block size", () => {
    const a = build("storage fn t(off: u32) -> u64 block 64 { return u64le at off; }");
    const b = bytes(1, 2, 3, 4, 5, 6, 7, 8);
    expect(run(a, b, { off: 0 }).value).toBe(0x0807060504030201n);
    expect(run(a, b, { off: 56 }).status).toBe("done");
    for (const off of [57, 64, 0xffff_ffff]) expect(run(a, b, { off }).error).toBe("out_of_block");
  });

  it("exposes the step: block.offset, block.len, block.size, chain.hop", () => {
    const a = build(`
      storage fn t() -> u64 block 64 start 64 max_chain 4 {
        if chain.hop == 0 { resubmit block.offset + 64; }
        return block.offset << 32 | (block.len as u64) << 16 | (block.size as u64) << 8 | chain.hop as u64;
      }`);
    const r = run(a, new Uint8Array(64 * 2 + 10));
    expect(r.error).toBeNull();
    expect(r.value).toBe((128n << 32n) | (10n << 16n) | (64n << 8n) | 1n);
  });
});

describe("loops and calls", () => {
  it("runs bounded loops and fails with loop_limit past `max`", () => {
    const a = build(`
      storage fn t(n: u64) -> u64 block 64 {
        var s: u64 = 0;
        for i in 0 .. n max 10 { s += i; }
        return s;
      }`);
    expect(run(a, new Uint8Array(64), { n: 10n }).value).toBe(45n);
    const r = run(a, new Uint8Array(64), { n: 11n });
    expect(r.error).toBe("loop_limit");
    expect(a.errors).toEqual([{ code: 16, name: "loop_limit" }]);
  });

  it("while loops with break and continue", () => {
    expect(
      value(
        "var i: u64 = 0; var s: u64 = 0; while true max 100 { i += 1; if i % 2 == 0 { continue; } if i > 9 { break; } s += i; } return s;",
      ),
    ).toBe(25n);
  });

  it("inlines functions with tuples, views and `[T; _]` arrays", () => {
    const a = build(`
      import std::search;
      import std::varint;
      layout Keys: little { n: u32, key: [u64; 4] }
      fn split(x: u64) -> (u64, u64) { return (x >> 32, x & 0xffff_ffff); }
      storage fn t(k: u64) -> u64 block 64 {
        let ks = Keys at 0;
        let (hi, lo) = split(k);
        let (v, used) = varint::leb128(40);
        return search::lower_bound(ks.key, ks.n as u64, lo) << 48 | hi << 32 | v << 8 | used as u64;
      }`);
    const b = new Uint8Array(64);
    const view = new DataView(b.buffer);
    view.setUint32(0, 3, true);
    [10n, 20n, 30n, 40n].forEach((k, i) => view.setBigUint64(4 + 8 * i, k, true));
    b.set([0xe5, 0x8e, 0x26], 40); // LEB128 of 624485
    expect(run(a, b, { k: (7n << 32n) | 25n }).value).toBe(
      (2n << 48n) | (7n << 32n) | (624485n << 8n) | 3n,
    );
    expect(run(a, b, { k: 99n }).value).toBe((3n << 48n) | (624485n << 8n) | 3n); // clamped to n = 3
  });

  it("rejects, naming the call, a loop bound over len() that is out of range for one call", () => {
    const src = (max: string) => `
      layout L: little { a: [u64; 3], b: [u64; 9] }
      fn f2(keys: [u64; _]) -> u64 {
        var i: u64 = 0;
        while i < 2 max ${max} { i += 1; }
        return i;
      }
      storage fn t() -> u64 block 128 { let l = L at 0; return f2(l.b) + f2(l.a); }`;
    const diagnosticOf = (s: string) => {
      try {
        build(s);
      } catch (e) {
        return (e as IochainError).diagnostic;
      }
      throw new Error("compiled");
    };
    expect(run(build(src("len(keys) - 1")), new Uint8Array(128)).value).toBe(4n);
    // max 1 for the 3 keys of l.a: its loop (two iterations) stops the chain
    expect(run(build(src("len(keys) - 2")), new Uint8Array(128)).error).toBe("loop_limit");
    const zero = diagnosticOf(src("len(keys) - 3"));
    expect(zero).toMatchObject({ code: "E0516", pos: { line: 5, col: 25 } });
    expect(zero.message).toContain("is 0");
    expect(zero.notes).toEqual(["in the call at test.ioc:8:74"]);
    expect(diagnosticOf(src("(len(keys) as u64) - 5"))).toMatchObject({
      code: "E0502",
      message: "the constant -2 overflows u64",
    });
  });

  it("calls noinline functions as BPF-to-BPF calls", () => {
    const a = build(`
      noinline fn mix(a: u64, b: u64) -> u64 { return a * 31 + b; }
      storage fn t(x: u64) -> u64 block 64 { return mix(mix(x, 1), 2); }`);
    expect(run(a, new Uint8Array(64), { x: 5n }).value).toBe((5n * 31n + 1n) * 31n + 2n);
  });

  it("numbers user errors from 16 in order of first use", () => {
    const a = build(`
      error second, first;
      storage fn t(x: u64) -> u64 block 64 {
        if x == 1 { fail first; }
        if x == 2 { fail second; }
        return 0;
      }`);
    expect(a.errors).toEqual([
      { code: 16, name: "first" },
      { code: 17, name: "second" },
    ]);
    expect(run(a, new Uint8Array(64), { x: 2n }).error).toBe("second");
  });
});

describe("state, stages and results", () => {
  it("keeps state across blocks and switches stages", () => {
    const a = build(`
      storage fn t() -> u64 block 64 max_chain 5 {
        state sum: u64;
        state visits: u32 = 100;
        stage walk {
          sum += u64le at 0;
          visits += 1;
          if chain.hop < 2 { resubmit block.offset + 64; }
          resubmit 0 -> done;
        }
        stage done { return sum << 16 | visits as u64; }
      }`);
    const file = new Uint8Array(64 * 3);
    [5n, 6n, 7n].forEach((v, i) => new DataView(file.buffer).setBigUint64(64 * i, v, true));
    const r = run(a, file);
    expect(r.error).toBeNull();
    expect(r.value).toBe((18n << 16n) | 103n);
    expect(r.hops).toBe(4);
    expect(a.state.map((s) => s.name)).toEqual(["sum", "visits", "$stage"]);
  });

  it("returns bytes of a fixed and of a run-time length", () => {
    const fixed = build("storage fn t(off: u32) -> [u8; 4] block 64 { return [u8; 4] at off; }");
    const b = bytes(9, 8, 7, 6, 5, 4, 3, 2, 1);
    expect(run(fixed, b, { off: 2 }).value).toEqual(new Uint8Array([7, 6, 5, 4]));
    expect(run(fixed, b, { off: 61 }).error).toBe("out_of_block");
    const dynamic = build(
      "storage fn t(off: u32, n: u32) -> [u8; 8] block 64 { return [u8; n] at off; }",
    );
    expect(run(dynamic, b, { off: 1, n: 3 }).value).toEqual(new Uint8Array([8, 7, 6]));
    expect(run(dynamic, b, { off: 60, n: 4 }).value).toEqual(new Uint8Array(4));
    expect(run(dynamic, b, { off: 61, n: 4 }).error).toBe("out_of_block");
    expect(run(dynamic, b, { off: 0, n: 9 }).error).toBe("out_of_block");
  });

  it("returns signed and bool scalars through ctx.value", () => {
    expect(value("return (x as i64) - 10;", { x: 3n }, undefined, "i64")).toBe(-7n);
    expect(value("return x > 2;", { x: 3n }, undefined, "bool")).toBe(true);
  });
});

describe("scans", () => {
  const src = `
    storage fn t(lo: u64, hi: u64) block 64 max_chain 100 {
      output { key: u64, odd: u8 } capacity 3;
      aggregate { n: count(), total: sum(key), low: min(key), high: max(key), mean: avg(key) };
      scan i in 0 .. 8
        let key = u64le at 8 * i
        until key > hi
        filter key >= lo
        emit { key, odd: (key % 2) as u8 };
      if block.offset >= 128 { return; }
      resubmit block.offset + 64;
    }`;
  const file = new Uint8Array(64 * 3);
  const keys = Array.from({ length: 24 }, (_, i) => BigInt(i * 5 + 1));
  keys.forEach((k, i) => new DataView(file.buffer).setBigUint64(8 * i, k, true));

  it("filters, projects and aggregates across blocks, suspending when the buffer is full", () => {
    const a = build(src);
    const r = run(a, file, { lo: 10n, hi: 80n });
    const want = keys.filter((k) => k >= 10n && k <= 80n);
    expect(r.error).toBeNull();
    expect(r.rows).toEqual(want.map((key) => ({ key, odd: Number(key % 2n) })));
    expect(r.suspensions).toBe(Math.ceil(want.length / 3) - 1);
    const sum = want.reduce((s, k) => s + k, 0n);
    expect(r.aggregates).toEqual({
      n: BigInt(want.length),
      total: sum,
      low: want[0],
      high: want.at(-1),
      mean: sum / BigInt(want.length),
    });
  });

  it("reports no rows and empty aggregates when nothing passes", () => {
    const r = run(build(src), file, { lo: 1000n, hi: 2000n });
    expect(r.rows).toEqual([]);
    expect(r.aggregates).toEqual({ n: 0n, total: 0n, low: null, high: null, mean: null });
  });

  it("tells where the row count is for min, max and avg, not for count and sum", () => {
    const a = build(src);
    const total = a.state.find((s) => s.name === "$rows_total")!.offset;
    expect(a.aggregates.map((g) => [g.name, g.countOffset])).toEqual([
      ["n", undefined],
      ["total", undefined],
      ["low", total],
      ["high", total],
      ["mean", total],
    ]);
  });
});

describe("extent translation", () => {
  it("translates resubmitted offsets through a bound table and checks them", () => {
    const src = `
      storage fn t(next: u64, size: u32) -> u64 block 512 max_chain 2 {
        if chain.hop == 0 { resubmit next, size; }
        return u64le at 0;
      }`;
    const file = new Uint8Array(512 * 4);
    for (let i = 0; i < 4; i++)
      new DataView(file.buffer).setBigUint64(512 * i, BigInt(100 + i), true);
    const extents = {
      generation: 1n,
      extents: [
        { fileOffset: 0n, length: 1024n, devAddr: 8192n },
        { fileOffset: 1536n, length: 512n, devAddr: 0n },
      ],
    };
    const a = compile(src, "t.ioc", { extents });
    expect(a.maps.map((m) => m.name)).toEqual(["block", "scratch", "extents"]);
    const go = (next: bigint, size = 512): ChainResult => run(a, file, { next, size });
    expect(go(512n).value).toBe(101n);
    expect(go(1536n).value).toBe(103n);
    expect(go(1024n).error).toBe("unmapped"); // the hole between the extents
    expect(go(100n).error).toBe("misaligned");
    expect(go(512n, 1024).error).toBe("crosses_extent");
    expect(go(512n, 0).error).toBe("bad_size");
    expect(go(4096n).error).toBe("out_of_file");
  });
});

describe("shift counts", () => {
  it("are taken modulo the type's width, for every width", () => {
    const cases: [string, string, bigint, bigint][] = [
      ["u8", "0x80", 9n, 0x40n],
      ["i8", "-128", 9n, BigInt.asUintN(64, -64n)],
      ["u16", "0x8000", 17n, 0x4000n],
      ["i16", "-32768", 17n, BigInt.asUintN(64, -16384n)],
      ["u32", "0x8000_0000", 33n, 0x4000_0000n],
      ["i32", "-2147483648", 33n, BigInt.asUintN(64, -1073741824n)],
      ["u64", "0x8000_0000_0000_0000", 65n, 0x4000_0000_0000_0000n],
    ];
    for (const [ty, lit, count, want] of cases) {
      const a = compile(
        `storage fn t(n: u64) -> u64 block 64 { let v: ${ty} = ${lit}; return (v >> n) as u64; }`,
        "t.ioc",
      );
      expect([ty, run(a, new Uint8Array(64), { n: count }).value]).toEqual([ty, want]);
      const l = compile(
        `storage fn t(n: u64) -> u64 block 64 { let v: ${ty} = 1; return (v << n) as u64; }`,
        "t.ioc",
      );
      expect([ty, run(l, new Uint8Array(64), { n: count }).value]).toEqual([ty, 2n]);
    }
  });
});
