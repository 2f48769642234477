// A file's extent table as the runtime handles it: its JSON form for the simulator, its checks, and
// the translation the driver does itself (the chain's first read, and the simulated device that
// maps device addresses back to the file). The map value's format is src/abi/extents.ts.
import { IochainError } from "../diagnostics.js";
import type { Extent, ExtentTable } from "../abi/extents.js";

const U64_MAX = (1n << 64n) - 1n;

function bad(source: string, message: string): never {
  throw new IochainError(
    "E0933",
    `${source}: ${message}`,
    undefined,
    'an extent table is {"generation": N, "extents": [{"file_offset": N, "length": N, "dev_addr": N}, ...]}',
  );
}

/** A JSON number (a safe integer) or a decimal / 0x-hex string, as an unsigned 64-bit integer. */
function u64Field(v: unknown, source: string, where: string): bigint {
  let out: bigint | undefined;
  if (typeof v === "number" && Number.isSafeInteger(v)) out = BigInt(v);
  else if (typeof v === "string" && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim()))
    out = BigInt(v.trim());
  if (out === undefined || out < 0n || out > U64_MAX) {
    bad(
      source,
      `${where} must be an unsigned 64-bit integer (a number, or a string for values past 2^53), got ${JSON.stringify(v)}`,
    );
  }
  return out;
}

/** Checks order and overlap; returns the table with extents sorted by file offset. */
export function checkExtentTable(table: ExtentTable, source = "extent table"): ExtentTable {
  const extents = [...table.extents].sort((a, b) =>
    a.fileOffset < b.fileOffset ? -1 : a.fileOffset > b.fileOffset ? 1 : 0,
  );
  for (let i = 0; i < extents.length; i++) {
    const e = extents[i];
    if (e.length <= 0n)
      bad(
        source,
        `extent at file offset ${e.fileOffset} has length ${e.length}; lengths must be > 0`,
      );
    if (e.fileOffset + e.length > U64_MAX + 1n || e.devAddr + e.length > U64_MAX + 1n)
      bad(source, `extent at file offset ${e.fileOffset} runs past 2^64`);
    const prev = extents[i - 1];
    if (prev && prev.fileOffset + prev.length > e.fileOffset) {
      bad(source, `extents at file offsets ${prev.fileOffset} and ${e.fileOffset} overlap`);
    }
  }
  return { generation: table.generation, extents };
}

/** Parses the simulator's extent JSON: `{generation, extents: [{file_offset, length, dev_addr}]}`. */
export function parseExtentJson(text: string, source = "extent table"): ExtentTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    bad(source, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    bad(source, "the top level must be an object");
  const obj = doc as Record<string, unknown>;
  if (!Array.isArray(obj.extents)) bad(source, "`extents` must be an array");
  const generation = u64Field(obj.generation ?? 0, source, "`generation`");
  const extents = obj.extents.map((e: unknown, i: number): Extent => {
    if (typeof e !== "object" || e === null) bad(source, `extents[${i}] must be an object`);
    const r = e as Record<string, unknown>;
    return {
      fileOffset: u64Field(r.file_offset, source, `extents[${i}].file_offset`),
      length: u64Field(r.length, source, `extents[${i}].length`),
      devAddr: u64Field(r.dev_addr, source, `extents[${i}].dev_addr`),
    };
  });
  return checkExtentTable({ generation, extents }, source);
}

/** The JSON form parseExtentJson reads (numbers past 2^53 as decimal strings). */
export function extentTableToJson(table: ExtentTable): string {
  const n = (v: bigint): number | string =>
    v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return JSON.stringify({
    generation: n(table.generation),
    extents: table.extents.map((e) => ({
      file_offset: n(e.fileOffset),
      length: n(e.length),
      dev_addr: n(e.devAddr),
    })),
  });
}

/** One extent covering the whole file at device address = file offset: a file without a layout. */
export function identityExtents(fileSize: bigint, generation = 0n): ExtentTable {
  return {
    generation,
    extents: fileSize > 0n ? [{ fileOffset: 0n, length: fileSize, devAddr: 0n }] : [],
  };
}

export type Translation = { devAddr: bigint } | { error: "unmapped" | "crosses_extent" };

/** File offset → device address for a read of `length` bytes that must stay inside one extent. */
export function translate(table: ExtentTable, fileOffset: bigint, length: bigint): Translation {
  const e = findExtent(table.extents, fileOffset, (x) => x.fileOffset);
  if (!e) return { error: "unmapped" };
  if (fileOffset + length > e.fileOffset + e.length) return { error: "crosses_extent" };
  return { devAddr: e.devAddr + (fileOffset - e.fileOffset) };
}

/** The extent whose range (by `start`) holds `at`; binary search over extents sorted by `start`. */
export function findExtent(
  extents: readonly Extent[],
  at: bigint,
  start: (e: Extent) => bigint,
): Extent | undefined {
  let lo = 0;
  let hi = extents.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = extents[mid];
    if (at < start(e)) hi = mid - 1;
    else if (at >= start(e) + e.length) lo = mid + 1;
    else return e;
  }
  return undefined;
}
