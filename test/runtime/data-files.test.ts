// `reads` checked against the run's data files (runtime/data-files.ts): each file by the name the
// program gives it, every name once; a missing, extra or misspelled name is E0916 with a hint.
import { describe, expect, it } from "vitest";
import type { ProgramArtifact } from "../../src/abi/artifact.js";
import { IochainError } from "../../src/diagnostics.js";
import { resolveDataFiles } from "../../src/runtime/data-files.js";

const program = (files: string[]): ProgramArtifact =>
  ({ name: "lookup", files }) as unknown as ProgramArtifact;
const twoFiles = program(["index.db", "data.db"]);

/** The diagnostic resolveDataFiles throws: code, message and hint. */
function refusal(run: () => unknown): { code: string; message: string; hint?: string } {
  try {
    run();
  } catch (err) {
    if (!(err instanceof IochainError)) throw err;
    const { code, message, hint } = err.diagnostic;
    return { code, message, hint };
  }
  throw new Error("expected a refusal");
}

describe("resolveDataFiles", () => {
  it("orders named files as the program's reads does", () => {
    expect(
      resolveDataFiles(twoFiles, [
        { name: "data.db", path: "/d", extents: "/d.json" },
        { name: "index.db", path: "/i" },
      ]),
    ).toEqual([{ path: "/i" }, { path: "/d", extents: "/d.json" }]);
  });

  it("takes a plain path for a program that reads one file or names none", () => {
    expect(resolveDataFiles(program(["t.db"]), "/x", "/x.json")).toEqual([
      { path: "/x", extents: "/x.json" },
    ]);
    expect(resolveDataFiles(program([]), "/x")).toEqual([{ path: "/x" }]);
    expect(resolveDataFiles(program(["t.db"]), [{ name: "t.db", path: "/x" }])).toEqual([
      { path: "/x" },
    ]);
  });

  it("refuses one unnamed path for a program that reads two files", () => {
    expect(refusal(() => resolveDataFiles(twoFiles, "/x"))).toEqual({
      code: "E0916",
      message:
        'lookup: the program reads 2 files ("index.db", "data.db"); --data gave one unnamed path',
      hint: "name each file: --data index.db=PATH --data data.db=PATH",
    });
  });

  it("names the file that has no path", () => {
    expect(refusal(() => resolveDataFiles(twoFiles, [{ name: "index.db", path: "/i" }]))).toEqual({
      code: "E0916",
      message: 'lookup: the program reads "data.db", but --data gives no path for it',
      hint: "add --data data.db=PATH",
    });
  });

  it("refuses a name the program does not read, with the likely one", () => {
    const r = refusal(() =>
      resolveDataFiles(twoFiles, [
        { name: "index.db", path: "/i" },
        { name: "dta.db", path: "/d" },
      ]),
    );
    expect(r).toEqual({
      code: "E0916",
      message:
        'lookup: --data names "dta.db", which the program does not read (its `reads`: "index.db", "data.db")',
      hint: "did you mean --data data.db=/d?",
    });
    // A one-file program given the wrong name: the name is checked too.
    expect(
      refusal(() => resolveDataFiles(program(["slotted.db"]), [{ name: "bptree.db", path: "/b" }]))
        .message,
    ).toMatch(/--data names "bptree.db", which the program does not read/);
  });

  it("refuses an extra file, a name given twice, and a name for a program without reads", () => {
    expect(
      refusal(() =>
        resolveDataFiles(twoFiles, [
          { name: "index.db", path: "/i" },
          { name: "data.db", path: "/d" },
          { name: "log.db", path: "/l" },
        ]),
      ).message,
    ).toMatch(/--data names "log.db", which the program does not read/);
    expect(
      refusal(() =>
        resolveDataFiles(twoFiles, [
          { name: "index.db", path: "/i" },
          { name: "index.db", path: "/j" },
        ]),
      ).message,
    ).toBe('lookup: --data names "index.db" twice');
    expect(refusal(() => resolveDataFiles(program([]), [{ name: "x.db", path: "/x" }]))).toEqual({
      code: "E0916",
      message:
        'lookup: --data names "x.db", but the program has no `reads` clause to name its file',
      hint: "give the data file as --data PATH",
    });
  });

  it("refuses an unnamed extent table for named files", () => {
    expect(
      refusal(() =>
        resolveDataFiles(
          twoFiles,
          [
            { name: "index.db", path: "/i" },
            { name: "data.db", path: "/d" },
          ],
          "/e.json",
        ),
      ).hint,
    ).toBe("give each file's table by its name: --data-extents NAME=JSON");
  });
});
