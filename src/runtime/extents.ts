// A file's extent table: the map value the program translates file offsets with (docs/abi.md
// "extents layout"), its JSON form for the simulator, and the translation the driver does itself
// (the chain's first read, and the simulated device that maps device addresses back to the file).
import { IochainError } from "../diagnostics.js";

export interface Extent {
  fileOffset: bigint;
  length: bigint;
  devAddr: bigint;
}

export interface ExtentTable {
  generation: bigint;
  /** Sorted by fileOffset, non-overlapping, each length > 0. */
  extents: Extent[];
}

export const EXTENT_HEADER_BYTES = 16;
export const EXTENT_ENTRY_BYTES = 24;
const U64_MAX = (1n << 64n) - 1n;

/** Bytes of the extents map value that hold `count` extents. */
export const extentTableBytes = (count: number): number =>
  EXTENT_HEADER_BYTES + count * EXTENT_ENTRY_BYTES;

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

/** The map value: `u64 generation; u64 count; {u64 file_offset, length, dev_addr}[count]`. */
export function encodeExtentTable(
  table: ExtentTable,
  valueSize: number,
  source = "extent table",
): Uint8Array {
  const need = extentTableBytes(table.extents.length);
  if (need > valueSize) {
    throw new IochainError(
      "E0933",
      `${source}: ${table.extents.length} extents need ${need} bytes but the program's extents map holds ${valueSize}`,
      undefined,
      "defragment the file or recompile against its current extent table",
    );
  }
  const bytes = new Uint8Array(valueSize);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, table.generation, true);
  view.setBigUint64(8, BigInt(table.extents.length), true);
  table.extents.forEach((e, i) => {
    const at = EXTENT_HEADER_BYTES + i * EXTENT_ENTRY_BYTES;
    view.setBigUint64(at, e.fileOffset, true);
    view.setBigUint64(at + 8, e.length, true);
    view.setBigUint64(at + 16, e.devAddr, true);
  });
  return bytes;
}

/** Reads a map value back; the count is clamped to what the value can hold. */
export function decodeExtentTable(bytes: Uint8Array): ExtentTable {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < EXTENT_HEADER_BYTES) return { generation: 0n, extents: [] };
  const generation = view.getBigUint64(0, true);
  const room = Math.floor((bytes.byteLength - EXTENT_HEADER_BYTES) / EXTENT_ENTRY_BYTES);
  const count = Number(
    view.getBigUint64(8, true) > BigInt(room) ? BigInt(room) : view.getBigUint64(8, true),
  );
  const extents: Extent[] = [];
  for (let i = 0; i < count; i++) {
    const at = EXTENT_HEADER_BYTES + i * EXTENT_ENTRY_BYTES;
    extents.push({
      fileOffset: view.getBigUint64(at, true),
      length: view.getBigUint64(at + 8, true),
      devAddr: view.getBigUint64(at + 16, true),
    });
  }
  return { generation, extents };
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
