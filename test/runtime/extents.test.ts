import { describe, expect, it } from "vitest";
import { IochainError } from "../../src/diagnostics.js";
import {
  extentTableToJson,
  identityExtents,
  parseExtentJson,
  translate,
} from "../../src/runtime/extents.js";
import { decodeExtentTable, encodeExtentTable } from "../../src/abi/extents.js";

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return err instanceof IochainError ? err.code : "not an IochainError";
  }
  return undefined;
};

describe("extent tables", () => {
  const json = `{"generation": 3, "extents": [
    {"file_offset": 4096, "length": 4096, "dev_addr": "0x10000"},
    {"file_offset": 0, "length": 4096, "dev_addr": "18446744073709547520"}]}`;

  it("parses the simulator's JSON (numbers or strings), sorted by file offset", () => {
    const t = parseExtentJson(json);
    expect(t.generation).toBe(3n);
    expect(t.extents).toEqual([
      { fileOffset: 0n, length: 4096n, devAddr: (1n << 64n) - 4096n },
      { fileOffset: 4096n, length: 4096n, devAddr: 0x10000n },
    ]);
    expect(parseExtentJson(extentTableToJson(t))).toEqual(t);
  });

  it("lays out the map value as docs/abi.md says and reads it back", () => {
    const t = parseExtentJson(json);
    const bytes = encodeExtentTable(t, 256);
    const v = new DataView(bytes.buffer);
    expect(bytes.length).toBe(256);
    expect([v.getBigUint64(0, true), v.getBigUint64(8, true)]).toEqual([3n, 2n]);
    expect([
      v.getBigUint64(16 + 24, true),
      v.getBigUint64(16 + 24 + 8, true),
      v.getBigUint64(16 + 24 + 16, true),
    ]).toEqual([4096n, 4096n, 0x10000n]);
    expect(decodeExtentTable(bytes)).toEqual(t);
    expect(code(() => encodeExtentTable(t, 63))).toBe("E0933");
  });

  it("translates inside one extent only", () => {
    const t = parseExtentJson(json);
    expect(translate(t, 4096n + 512n, 512n)).toEqual({ devAddr: 0x10000n + 512n });
    expect(translate(t, 4096n + 3584n, 1024n)).toEqual({ error: "crosses_extent" });
    expect(translate(t, 8192n, 1n)).toEqual({ error: "unmapped" });
    expect(translate(identityExtents(100n), 50n, 50n)).toEqual({ devAddr: 50n });
  });

  it("refuses malformed tables with E0933", () => {
    for (const bad of [
      "not json",
      "[]",
      `{"extents": 5}`,
      `{"extents": [{"file_offset": -1, "length": 1, "dev_addr": 0}]}`,
      `{"extents": [{"file_offset": 0, "length": 0, "dev_addr": 0}]}`,
      `{"extents": [{"file_offset": 0, "length": 1.5, "dev_addr": 0}]}`,
      `{"extents": [{"file_offset": 0, "length": 10, "dev_addr": 0}, {"file_offset": 5, "length": 10, "dev_addr": 100}]}`,
      `{"generation": "18446744073709551616", "extents": []}`,
    ]) {
      expect(
        code(() => parseExtentJson(bad)),
        bad,
      ).toBe("E0933");
    }
  });
});
