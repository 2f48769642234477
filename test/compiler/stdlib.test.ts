// stdlib/ against plain TypeScript: each function compiled into a small storage fn and run on the
// VM over blocks made by the encoders below, on random values.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProgramArtifact } from "../../src/abi/artifact.js";
import { compile } from "../../src/compiler/pipeline.js";
import type { ArgValue } from "../../src/runtime/args.js";
import { MemoryBlockSource } from "../../src/runtime/block-source.js";
import { runChain } from "../../src/runtime/driver.js";
import { SimTarget } from "../../src/runtime/sim/target.js";

const BLOCK = 256;

function program(
  imports: string,
  body: string,
  result = "u64",
  params = "a: u64, b: u64",
): ProgramArtifact {
  return compile(
    `${imports}\nstorage fn t(${params}) -> ${result} block ${BLOCK} {\n${body}\n}\n`,
    "stdlib-test.ioc",
  );
}

function runner(a: ProgramArtifact) {
  const target = SimTarget.create(a);
  return {
    run(block: Uint8Array, args: Record<string, ArgValue>) {
      const file = new Uint8Array(BLOCK);
      file.set(block.subarray(0, BLOCK));
      const r = runChain(a, target, new MemoryBlockSource(file), { args });
      return r.status === "done" ? r.value : r.error;
    },
    close: () => target.close(),
  };
}

const U64 = fc.bigInt(0n, (1n << 64n) - 1n);

function leb128(v: bigint): number[] {
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? b : b | 0x80);
  } while (v !== 0n);
  return out;
}

function sleb128(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(BigInt.asUintN(7, v));
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

function sqliteVarint(v: bigint): number[] {
  if (v >= 1n << 56n) {
    const out = [Number(v & 0xffn)];
    v >>= 8n;
    for (let i = 0; i < 8; i++) {
      out.unshift(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    return out;
  }
  const out = [Number(v & 0x7fn)];
  v >>= 7n;
  while (v !== 0n) {
    out.unshift(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  return out;
}

const at = (bytes: number[], off: number): Uint8Array => {
  const b = new Uint8Array(BLOCK);
  b.set(bytes, off);
  return b;
};

describe("std::varint", () => {
  it("leb128 decodes every value and says how many bytes it took", () => {
    const r = runner(
      program(
        "import std::varint;",
        "let (v, n) = varint::leb128(a as u32); if b == 0 { return v; } return n as u64;",
      ),
    );
    try {
      fc.assert(
        fc.property(U64, fc.integer({ min: 0, max: 100 }), (v, off) => {
          const enc = leb128(v);
          expect(r.run(at(enc, off), { a: BigInt(off), b: 0n })).toBe(v);
          expect(r.run(at(enc, off), { a: BigInt(off), b: 1n })).toBe(BigInt(enc.length));
        }),
        { numRuns: 200 },
      );
      expect(r.run(at(new Array(10).fill(0x80), 0), { a: 0n, b: 0n })).toBe("bad_varint");
      expect(r.run(at([0x80, 0x80], BLOCK - 2), { a: BigInt(BLOCK - 2), b: 0n })).toBe(
        "out_of_block",
      );
    } finally {
      r.close();
    }
  });

  it("sleb128 sign-extends", () => {
    const r = runner(
      program("import std::varint;", "let (v, n) = varint::sleb128(0); return v;", "i64", ""),
    );
    try {
      fc.assert(
        fc.property(fc.bigInt(-(1n << 63n), (1n << 63n) - 1n), (v) => {
          expect(r.run(at(sleb128(v), 0), {})).toBe(v);
        }),
        { numRuns: 200 },
      );
    } finally {
      r.close();
    }
  });

  it("sqlite varints take 1..9 bytes, the 9th whole", () => {
    const r = runner(
      program(
        "import std::varint;",
        "let (v, n) = varint::sqlite(a as u32); return v ^ (n as u64) << 60;",
      ),
    );
    try {
      fc.assert(
        fc.property(U64, fc.integer({ min: 0, max: 100 }), (v, off) => {
          const enc = sqliteVarint(v);
          expect(r.run(at(enc, off), { a: BigInt(off), b: 0n })).toBe(
            v ^ (BigInt(enc.length) << 60n),
          );
        }),
        { numRuns: 200 },
      );
    } finally {
      r.close();
    }
  });

  it("leb128_len measures without decoding", () => {
    const r = runner(
      program("import std::varint;", "return varint::leb128_len(0) as u64;", "u64", ""),
    );
    try {
      for (const v of [0n, 127n, 128n, 1n << 63n])
        expect(r.run(at(leb128(v), 0), {})).toBe(BigInt(leb128(v).length));
    } finally {
      r.close();
    }
  });
});

describe("std::search", () => {
  const src = `
    import std::search;
    layout Keys: little { key: [u64; 16] }
    storage fn t(which: u64, n: u64, k: u64) -> u64 block ${BLOCK} {
      let ks = (Keys at 0).key;
      if which == 0 { return search::lower_bound(ks, n, k); }
      if which == 1 { return search::upper_bound(ks, n, k); }
      if which == 2 { return search::last_le(ks, n, k); }
      if which == 3 { return search::find(ks, n, k); }
      return search::contains(ks, n, k) as u64;
    }`;

  it("agrees with plain searches over sorted arrays", () => {
    const a = compile(src, "search-test.ioc");
    const r = runner(a);
    try {
      fc.assert(
        fc.property(
          fc.array(fc.bigInt(0n, 50n), { minLength: 0, maxLength: 16 }),
          fc.integer({ min: 0, max: 20 }),
          fc.bigInt(0n, 52n),
          (raw, nRaw, k) => {
            const keys = [...raw].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
            const block = new Uint8Array(BLOCK);
            keys.forEach((v, i) => new DataView(block.buffer).setBigUint64(8 * i, v, true));
            const n = Math.min(nRaw, keys.length);
            const live = keys.slice(0, n);
            const lower = live.findIndex((x) => x >= k);
            const upper = live.findIndex((x) => x > k);
            const lb = BigInt(lower < 0 ? n : lower);
            const ub = BigInt(upper < 0 ? n : upper);
            const found = live.indexOf(k);
            const args = (which: number) => ({ which: BigInt(which), n: BigInt(n), k });
            expect(r.run(block, args(0))).toBe(lb);
            expect(r.run(block, args(1))).toBe(ub);
            expect(r.run(block, args(2))).toBe(ub === 0n ? 0n : ub - 1n);
            expect(r.run(block, args(3))).toBe(BigInt(found < 0 ? n : found));
            expect(r.run(block, args(4))).toBe(found >= 0 ? 1n : 0n);
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      r.close();
    }
  });
});

describe("std::endian", () => {
  it("reads odd widths and swaps bytes", () => {
    const bytes = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06];
    const cases: [string, bigint][] = [
      ["endian::be24(0) as u64", 0x010203n],
      ["endian::le24(0) as u64", 0x030201n],
      ["endian::be48(0)", 0x010203040506n],
      ["endian::le48(0)", 0x060504030201n],
      ["endian::swap32(0x11223344) as u64", 0x44332211n],
      ["endian::swap64(1)", 1n << 56n],
      ["endian::sign_extend(0xfffffe, 24) as u64", BigInt.asUintN(64, -2n)],
      ["endian::sign_extend(0x7ffffe, 24) as u64", 0x7ffffen],
    ];
    for (const [e, want] of cases) {
      const r = runner(program("import std::endian;", `return ${e};`, "u64", ""));
      try {
        expect(r.run(at(bytes, 0), {})).toBe(want);
      } finally {
        r.close();
      }
    }
  });
});
