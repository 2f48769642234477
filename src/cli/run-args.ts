// `--arg NAME=VALUE` on the command line: decimal, 0x-hex, 0b-binary, negative, true/false.
import { IochainError } from "../diagnostics.js";
import type { ArgValue } from "../runtime/args.js";
import type { NamedDataFile } from "../runtime/data-files.js";

const NUMBER = /^-?(0x[0-9a-f_]+|0b[01_]+|[0-9_]+)$/i;

export function parseArgValue(name: string, text: string, where = "--arg"): ArgValue {
  if (text === "true" || text === "false") return text === "true";
  if (!NUMBER.test(text)) {
    const said = where === "--arg" ? `--arg ${name}=${text}` : `${where}: argument \`${name}\``;
    throw new IochainError(
      "E0910",
      `${said}: '${text}' is not a number`,
      undefined,
      "write decimal (42), hex (0x2a), binary (0b101), or true/false",
    );
  }
  const negative = text.startsWith("-");
  const digits = (negative ? text.slice(1) : text).replace(/_/g, "");
  const value = BigInt(digits);
  return negative ? -value : value;
}

/** Collects repeated `--arg` options (commander calls this once per occurrence). */
export function collectArg(
  pair: string,
  into: Record<string, ArgValue> = {},
): Record<string, ArgValue> {
  const eq = pair.indexOf("=");
  if (eq <= 0) {
    throw new IochainError(
      "E0910",
      `--arg '${pair}' is not NAME=VALUE`,
      undefined,
      "for example --arg key=42",
    );
  }
  const name = pair.slice(0, eq);
  if (Object.hasOwn(into, name)) {
    throw new IochainError("E0910", `--arg ${name} is given twice`);
  }
  return { ...into, [name]: parseArgValue(name, pair.slice(eq + 1)) };
}

/** One `--data` or `--data-extents` occurrence: `PATH`, or `NAME=PATH` for a named file. */
export interface NamedPath {
  name?: string;
  path: string;
}

/**
 * Collects repeated `--data` (and `--data-extents`) options. `NAME=PATH` names the file as the
 * program's `reads` does; a text whose part before `=` holds a `/` is a plain path.
 */
export function collectNamedPath(text: string, into: NamedPath[] = []): NamedPath[] {
  const eq = text.indexOf("=");
  const name = eq > 0 ? text.slice(0, eq) : undefined;
  const entry =
    name !== undefined && !name.includes("/") ? { name, path: text.slice(eq + 1) } : { path: text };
  return [...into, entry];
}

/**
 * `--data` and `--data-extents` as the session takes them: one plain path (a program that reads
 * one file), or every file by name with its table. E0916 for a mix or a table for no named file.
 */
export function dataOption(
  data: readonly NamedPath[],
  extents: readonly NamedPath[] = [],
): { data: string | NamedDataFile[]; extents?: string } {
  for (const [option, given] of [
    ["--data", data],
    ["--data-extents", extents],
  ] as const) {
    const empty = given.find((d) => d.path === "");
    if (empty)
      throw new IochainError(
        "E0916",
        empty.name === undefined
          ? `${option} gives an empty path`
          : `${option} ${empty.name}= gives no path`,
        undefined,
        `write ${option} ${empty.name === undefined ? "PATH" : `${empty.name}=PATH`}`,
      );
  }
  const named = data.filter((d) => d.name !== undefined);
  if (named.length === 0) {
    if (data.length > 1)
      throw new IochainError(
        "E0916",
        `--data is given ${data.length} times without names`,
        undefined,
        "a program that reads several files takes each by the name its `reads` gives: --data NAME=PATH",
      );
    if (extents.some((e) => e.name !== undefined))
      throw new IochainError(
        "E0916",
        "--data-extents names a file, but --data gives one unnamed path",
        undefined,
        "name the data file too (--data NAME=PATH), or give the table without a name",
      );
    if (extents.length > 1)
      throw new IochainError("E0916", "--data-extents is given twice for one data file");
    return { data: data[0].path, extents: extents[0]?.path };
  }
  if (named.length !== data.length)
    throw new IochainError(
      "E0916",
      "--data mixes named and unnamed files",
      undefined,
      "name every file (--data NAME=PATH) when one is named",
    );
  const files: NamedDataFile[] = named.map((d) => ({ name: d.name!, path: d.path }));
  for (const e of extents) {
    const file = files.find((f) => f.name === e.name);
    if (!file)
      throw new IochainError(
        "E0916",
        e.name === undefined
          ? "--data-extents gives a table without a file name, for named data files"
          : `--data-extents names "${e.name}", which no --data names`,
        undefined,
        `give each table by its data file's name: ${files.map((f) => `--data-extents ${f.name}=JSON`).join(" ")}`,
      );
    if (file.extents !== undefined)
      throw new IochainError("E0916", `--data-extents gives "${e.name}" twice`);
    file.extents = e.path;
  }
  return { data: files };
}
