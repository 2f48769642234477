// std::leveldb's pieces against plain TypeScript on the VM: the branch-free varint32, the key
// masks and order, and the crc32c check (the whole lookup is examples/leveldb, over files LevelDB
// wrote).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/pipeline.js";
import type { ArgValue } from "../../src/runtime/args.js";
import { MemoryBlockSource } from "../../src/runtime/block-source.js";
import { runChain } from "../../src/runtime/driver.js";
import { SimTarget } from "../../src/runtime/sim/target.js";

const BLOCK = 512;

/** A storage fn around `body` (std::leveldb imported) on one block of bytes. */
function runner(body: string, result = "u64") {
  const a = compile(
    `import std::leveldb;\nstorage fn t(a: u64, b: u64) -> ${result} block ${BLOCK} {\n${body}\n}\n`,
    "stdlib-leveldb-test.ioc",
  );
  const target = SimTarget.create(a);
  return {
    run(bytes: Uint8Array, args: Record<string, ArgValue>) {
      const r = runChain(a, target, new MemoryBlockSource(bytes), { args });
      return r.status === "done" ? r.value : r.error;
    },
    close: () => target.close(),
  };
}

const block = (bytes: number[], off: number): Uint8Array => {
  const b = new Uint8Array(BLOCK);
  b.set(bytes, off);
  return b;
};

function leb128(v: number): number[] {
  const out: number[] = [];
  do {
    const b = v & 0x7f;
    v = Math.floor(v / 128);
    out.push(v === 0 ? b : b | 0x80);
  } while (v !== 0);
  return out;
}

/** CRC-32C of `bytes` (bitwise), masked as LevelDB stores it. */
function maskedCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  crc = ~crc >>> 0;
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

describe("std::leveldb", () => {
  it("varint32 decodes 1..5-byte varints without a loop, followed by any bytes", () => {
    const r = runner(
      "let (v, n) = leveldb::varint32(a as u32); return (v as u64) << 8 | n as u64;",
    );
    try {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 0xffffffff }),
          fc.integer({ min: 0, max: 400 }),
          fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }),
          (v, off, after) => {
            const enc = leb128(v);
            const got = r.run(block([...enc, ...after], off), { a: BigInt(off), b: 0n });
            expect(got).toBe((BigInt(v) << 8n) | BigInt(enc.length));
          },
        ),
        { numRuns: 300 },
      );
      for (const v of [0, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28])
        expect(r.run(block(leb128(v), 0), { a: 0n, b: 0n })).toBe(
          (BigInt(v) << 8n) | BigInt(leb128(v).length),
        );
      // Five continued bytes: no varint32.
      expect(r.run(block([0x80, 0x80, 0x80, 0x80, 0x80, 1], 0), { a: 0n, b: 0n })).toBe(
        "corrupt_block",
      );
    } finally {
      r.close();
    }
  });

  it("user keys shorter than 8 bytes sort before the 8-byte keys they prefix", () => {
    const r = runner("return leveldb::user_key_less(0, a as u32, b) as u64;");
    const less = (k: Uint8Array, key: bigint): boolean => {
      const full = new Uint8Array(8);
      new DataView(full.buffer).setBigUint64(0, key);
      for (let i = 0; i < k.length; i++) if (k[i] !== full[i]) return k[i] < full[i];
      return k.length < 8;
    };
    try {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 0, maxLength: 8 }),
          fc.bigInt(0n, (1n << 64n) - 1n),
          fc.boolean(),
          (k, key, prefix) => {
            // Half the time the key starts with k's bytes: the prefix cases.
            if (prefix) {
              const full = new Uint8Array(8);
              new DataView(full.buffer).setBigUint64(0, key);
              full.set(k);
              key = new DataView(full.buffer).getBigUint64(0);
            }
            // The bytes after the key are the tag's: any value, masked off.
            const got = r.run(block([...k, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88], 0), {
              a: BigInt(k.length),
              b: key,
            });
            expect(got).toBe(less(k, key) ? 1n : 0n);
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      r.close();
    }
  });

  it("check_crc accepts LevelDB's masked crc32c of the block and its type byte, and nothing else", () => {
    const r = runner("leveldb::check_crc(a as u32, b as u32); return 1;");
    try {
      // crc32c("123456789") = 0xe3069283, the standard check value.
      expect(maskedCrc32c(new TextEncoder().encode("123456789"))).toBe(
        ((((0xe3069283 >>> 15) | (0xe3069283 << 17)) >>> 0) + 0xa282ead8) >>> 0,
      );
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 0, maxLength: 300 }),
          fc.integer({ min: 0, max: 100 }),
          fc.integer({ min: 0, max: 7 }),
          (data, off, flip) => {
            const b = new Uint8Array(BLOCK);
            b.set(data, off);
            b[off + data.length] = 0; // the type byte: uncompressed
            const crc = maskedCrc32c(b.subarray(off, off + data.length + 1));
            new DataView(b.buffer).setUint32(off + data.length + 1, crc, true);
            const args = { a: BigInt(off), b: BigInt(data.length) };
            expect(r.run(b, args)).toBe(1n);
            b[off + Math.floor((data.length * flip) / 8)] ^= 1 << flip;
            expect(r.run(b, args)).toBe("bad_checksum");
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      r.close();
    }
  });
});
