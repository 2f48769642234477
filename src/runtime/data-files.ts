// Which data file is which: a program names its files in `reads "index.db", "data.db"`
// (artifact.files), and a run gives one path per name (`iochain run --data index.db=PATH --data
// data.db=PATH`), or one plain path for a program that reads one file. Every name is checked
// here, before anything is opened: a missing, extra or misspelled one is a diagnostic (E0916),
// not a chain that reads the wrong file and fails with the format's own error.
import type { ProgramArtifact } from "../abi/artifact.js";
import type { ExtentTable } from "../abi/extents.js";
import { closest } from "../compiler/front/spelling.js";
import { IochainError } from "../diagnostics.js";

/** One file of a run, by the name the program's `reads` gives it. */
export interface NamedDataFile {
  name: string;
  path: string;
  /** The file's current extent layout (as DataOptions.extents, for this file). */
  extents?: string | ExtentTable;
}

/** A file to open, in `artifact.files` order. */
export interface DataFileSpec {
  path: string;
  extents?: string | ExtentTable;
}

const quoted = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(", ");
const example = (names: readonly string[]): string =>
  names.map((n) => `--data ${n}=PATH`).join(" ");

/**
 * The run's files in `artifact.files` order (one for a program with no `reads` or one file),
 * or E0916 naming what does not match.
 */
export function resolveDataFiles(
  artifact: ProgramArtifact,
  data: string | readonly NamedDataFile[],
  extents?: string | ExtentTable,
): DataFileSpec[] {
  const names = artifact.files;
  const fail = (message: string, hint: string): never => {
    throw new IochainError("E0916", `${artifact.name}: ${message}`, undefined, hint);
  };
  if (typeof data === "string") {
    if (names.length > 1)
      fail(
        `the program reads ${names.length} files (${quoted(names)}); --data gave one unnamed path`,
        `name each file: ${example(names)}`,
      );
    return [{ path: data, extents }];
  }
  if (extents !== undefined && data.length > 0)
    fail(
      "an extent table without a file name, for named data files",
      "give each file's table by its name: --data-extents NAME=JSON",
    );
  const given = new Map<string, NamedDataFile>();
  for (const d of data) {
    if (given.has(d.name)) fail(`--data names "${d.name}" twice`, "give each file once");
    given.set(d.name, d);
  }
  for (const d of data) {
    if (names.includes(d.name)) continue;
    if (names.length === 0)
      fail(
        `--data names "${d.name}", but the program has no \`reads\` clause to name its file`,
        "give the data file as --data PATH",
      );
    const near = closest(d.name, names);
    fail(
      `--data names "${d.name}", which the program does not read (its \`reads\`: ${quoted(names)})`,
      near ? `did you mean --data ${near}=${d.path}?` : `name the files ${quoted(names)}`,
    );
  }
  const wanted = names.length === 0 ? [] : names;
  const missing = wanted.filter((n) => !given.has(n));
  if (missing.length > 0)
    fail(
      `the program reads ${quoted(missing)}, but --data gives no path for ${missing.length > 1 ? "them" : "it"}`,
      `add ${example(missing)}`,
    );
  if (wanted.length === 0) fail("no data file given", "give the data file as --data PATH");
  return wanted.map((n) => {
    const d = given.get(n)!;
    return { path: d.path, extents: d.extents };
  });
}
