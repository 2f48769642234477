import { describe, expect, it } from "vitest";
import type { ChainResult } from "../../src/runtime/driver.js";
import { formatResultJson, resultToJson } from "../../src/runtime/result-json.js";

const base: ChainResult = {
  status: "done",
  value: null,
  error: null,
  errorCode: 0,
  hops: 3,
  rows: [],
  aggregates: {},
  steps: 3,
  suspensions: 0,
  reads: { device: 0, file: 3 },
};

describe("result JSON", () => {
  it("prints bytes as lowercase hex and keeps only the documented fields", () => {
    const j = JSON.parse(formatResultJson({ ...base, value: Uint8Array.from([0, 0xab, 0x10]) }));
    expect(j).toEqual({
      status: "done",
      value: "00ab10",
      error: null,
      hops: 3,
      rows: [],
      aggregates: {},
    });
  });

  it("prints integers past 2^53 as decimal strings, others as numbers", () => {
    const j = resultToJson({
      ...base,
      value: (1n << 64n) - 1n,
      rows: [{ key: 2n ** 53n - 1n, ptr: 2n ** 53n + 1n, neg: -(2n ** 60n), small: 7, ok: true }],
      aggregates: { count: 5n, avg: 2.5, min: null },
    });
    expect(j.value).toBe("18446744073709551615");
    expect(j.rows).toEqual([
      {
        key: 9007199254740991,
        ptr: "9007199254740993",
        neg: "-1152921504606846976",
        small: 7,
        ok: true,
      },
    ]);
    expect(j.aggregates).toEqual({ count: 5, avg: 2.5, min: null });
  });

  it("names the error of a failed chain", () => {
    expect(
      resultToJson({ ...base, status: "failed", error: "not_found", errorCode: 16 }),
    ).toMatchObject({ status: "failed", error: "not_found", value: null });
  });
});
