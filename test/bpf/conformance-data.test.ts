import { describe, expect, it } from "vitest";
import {
  conformanceInsns,
  listConformanceFiles,
  loadConformanceProgram,
  parseConformanceData,
  readConformanceData,
} from "./support/conformance-data.js";
import { BpfError } from "../../src/diagnostics.js";

const sample = [
  "# Copyright line",
  "-- asm",
  "mov %r0, %r2 # length",
  "exit",
  "-- mem",
  "00 01 ff",
  "0a",
  "-- result",
  "0x4",
].join("\n");

describe("parseConformanceData", () => {
  it("reads the sections", () => {
    const data = parseConformanceData(sample, "s.data");
    expect(data.asm).toBe("mov %r0, %r2 # length\nexit");
    expect(data.asmFirstLine).toBe(3);
    expect([...data.mem]).toEqual([0, 1, 255, 10]);
    expect(data.result).toBe(4n);
    expect(data.raw).toBeUndefined();
    expect(data.error).toBeUndefined();
  });

  it("positions of assembled instructions are lines of the .data file", () => {
    const insns = conformanceInsns(parseConformanceData(sample, "s.data"));
    expect(insns[1].pos).toMatchObject({ file: "s.data", line: 4, col: 1 });
  });

  it("raw wins over asm", () => {
    const data = parseConformanceData(
      "-- asm\nexit\n-- raw\n0x00000000000000b7\n0x0000000000000095\n-- result\n0",
      "r.data",
    );
    expect(data.raw).toEqual([0xb7n, 0x95n]);
    expect(conformanceInsns(data).map((i) => i.code)).toEqual([0xb7, 0x95]);
  });

  it("ignores `-- c` and `-- no register offset`, keeps `-- error`", () => {
    const data = parseConformanceData(
      "-- c\nint x;\n-- asm\nexit\n-- no register offset\ncall instruction\n-- error\nbad thing\n",
      "e.data",
    );
    expect(data.asm).toBe("exit");
    expect(data.error).toBe("bad thing");
    expect(data.mem.length).toBe(0);
  });

  it("rejects malformed files with a line", () => {
    const bad = (text: string) => {
      try {
        parseConformanceData(text, "m.data");
      } catch (err) {
        return err instanceof BpfError
          ? `${err.code} ${err.pos?.line}: ${err.message}`
          : String(err);
      }
      return "no error";
    };
    expect(bad("-- asm\nexit\n-- frob\n")).toBe("E0140 3: unknown section `-- frob`");
    expect(bad("-- mem\n00 1g\n")).toBe("E0140 2: memory byte `1g` is not 1–2 hex digits");
    expect(bad("-- result\n0x1 0x2\n")).toBe("E0140 2: `-- result` must hold exactly one value");
    expect(bad("-- raw\n0x10000000000000000\n")).toBe(
      "E0140 2: instruction word `0x10000000000000000` does not fit in 64 bits",
    );
  });

  it("a missing file is a BpfError, not a crash", () => {
    expect(() => readConformanceData("/nonexistent/x.data")).toThrow(BpfError);
  });
});

describe("the shared conformance suite", () => {
  const files = listConformanceFiles();
  it.skipIf(files.length === 0)("every file loads to whole instructions with a result", () => {
    if (files.length === 0) console.warn("conformance data not found; set IOCHAIN_SHARED");
    for (const file of files) {
      const bytes = loadConformanceProgram(file);
      expect(bytes.length % 8, file).toBe(0);
      expect(readConformanceData(file).result, file).toBeDefined();
    }
  });
});
