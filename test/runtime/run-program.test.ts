// runProgram: the whole `iochain run` path over a real data file, on every target available here.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IochainError } from "../../src/diagnostics.js";
import { extentTableToJson } from "../../src/runtime/extents.js";
import { encodeExtentTable } from "../../src/abi/extents.js";
import { formatResultJson } from "../../src/runtime/result-json.js";
import { runProgram, type TargetName } from "../../src/runtime/run-program.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { listFile, listWalk, scan, scanFile } from "./programs.js";
import { tempDir } from "../support/tmp.js";

const bpf = bpfAvailable();
if (!bpf.ok) console.warn(`skipping runProgram on the linux target: ${bpf.reason}`);

const dir = tempDir("iochain-run-");
const listPath = join(dir, "list.db");
writeFileSync(
  listPath,
  listFile(
    [
      { key: 5n, value: 50n, next: 2 },
      { key: 7n, value: 1n << 60n },
      { key: 6n, value: 60n, next: 1 },
    ],
    3,
  ),
);

for (const target of ["sim", "linux"] as TargetName[]) {
  describe.skipIf(target === "linux" && !bpf.ok)(`runProgram on ${target}`, () => {
    it("runs a lookup over a file and prints the documented JSON", () => {
      const r = runProgram(listWalk(), { target, data: listPath, args: { key: 7n } });
      expect(JSON.parse(formatResultJson(r))).toEqual({
        status: "done",
        value: "1152921504606846976",
        error: null,
        hops: 3,
        rows: [],
        aggregates: {},
      });
      expect(runProgram(listWalk(), { target, data: listPath, args: { key: 8n } })).toMatchObject({
        error: "not_found",
      });
    });

    // Reads at device addresses are the per-step runtime's (kernel chains read through the page
    // cache: their reads are file reads, test/runtime/linux/kernel-chain.test.ts).
    it("takes the file's extent layout from JSON and reads at device addresses", () => {
      const ext = join(dir, "list.extents.json");
      writeFileSync(
        ext,
        extentTableToJson({
          generation: 2n,
          extents: [{ fileOffset: 0n, length: 1536n, devAddr: 1n << 33n }],
        }),
      );
      const r = runProgram(listWalk({ translate: true }), {
        target,
        chain: "step",
        data: listPath,
        args: { key: 7n },
        extents: ext,
      });
      expect(r).toMatchObject({ status: "done", value: 1n << 60n, reads: { device: 3, file: 0 } });
      // Without a layout, a file is one extent at device address 0.
      expect(
        runProgram(listWalk({ translate: true }), {
          target,
          chain: "step",
          data: listPath,
          args: { key: 6n },
        }),
      ).toMatchObject({ value: 60n, reads: { device: 2 } });
    });

    it("falls back to file reads when the compiled-in table's generation is stale", () => {
      const art = listWalk({ translate: true });
      art.maps[2].init = encodeExtentTable(
        { generation: 1n, extents: [{ fileOffset: 0n, length: 1536n, devAddr: 4096n }] },
        art.maps[2].valueSize,
      );
      const moved = {
        generation: 2n,
        extents: [{ fileOffset: 0n, length: 1536n, devAddr: 1n << 20n }],
      };
      expect(
        runProgram(art, { target, data: listPath, args: { key: 7n }, extents: moved }),
      ).toMatchObject({
        value: 1n << 60n,
        reads: { device: 0, file: 3 },
      });
    });

    it("drains suspended scans", () => {
      const path = join(dir, "scan.db");
      writeFileSync(path, scanFile([[1n, 2n, 3n, 4n], [5n]]));
      const r = runProgram(scan(), { target, data: path, args: {} });
      expect(r.rows.map((x) => x.x)).toEqual([1n, 2n, 3n, 4n, 5n]);
      expect(r.aggregates).toEqual({ n: 5n, total: 15n });
    });
  });
}

describe("runProgram errors", () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      return err instanceof IochainError ? err.code : String(err);
    }
    return "nothing thrown";
  };
  it("a missing data file is E0901, a bad extent file E0933 or E0901, a bad argument E0930", () => {
    expect(
      code(() =>
        runProgram(listWalk(), { target: "sim", data: join(dir, "absent"), args: { key: 1n } }),
      ),
    ).toBe("E0901");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{");
    expect(
      code(() =>
        runProgram(listWalk({ translate: true }), {
          target: "sim",
          data: listPath,
          args: { key: 1n },
          extents: bad,
        }),
      ),
    ).toBe("E0933");
    expect(
      code(() =>
        runProgram(listWalk({ translate: true }), {
          target: "sim",
          data: listPath,
          args: { key: 1n },
          extents: join(dir, "nope.json"),
        }),
      ),
    ).toBe("E0901");
    expect(code(() => runProgram(listWalk(), { target: "sim", data: listPath, args: {} }))).toBe(
      "E0930",
    );
  });
});
