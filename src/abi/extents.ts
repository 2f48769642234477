// The extent table: the extents map value the program translates file offsets with (docs/abi.md
// "extents layout"), `u64 generation; u64 count; {u64 file_offset, length, dev_addr}[count]`.
// The compiler sizes and fills it, the object's BTF describes it, the runtime rewrites it.
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

/** Byte offsets in the table's header: `u64 generation; u64 count;`, then the entries. */
export const ExtentTableField = { generation: 0, count: 8, entries: 16 } as const;
/** Byte offsets in one entry: `{u64 file_offset, length, dev_addr}`. */
export const ExtentField = { fileOffset: 0, length: 8, devAddr: 16 } as const;
export const EXTENT_HEADER_BYTES = ExtentTableField.entries;
export const EXTENT_ENTRY_BYTES = 24;
/** Bytes of the extents map value that hold `count` extents. */
export const extentTableBytes = (count: number): number =>
  EXTENT_HEADER_BYTES + count * EXTENT_ENTRY_BYTES;

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
  view.setBigUint64(ExtentTableField.generation, table.generation, true);
  view.setBigUint64(ExtentTableField.count, BigInt(table.extents.length), true);
  table.extents.forEach((e, i) => {
    const at = EXTENT_HEADER_BYTES + i * EXTENT_ENTRY_BYTES;
    view.setBigUint64(at + ExtentField.fileOffset, e.fileOffset, true);
    view.setBigUint64(at + ExtentField.length, e.length, true);
    view.setBigUint64(at + ExtentField.devAddr, e.devAddr, true);
  });
  return bytes;
}

/** Reads a map value back; the count is clamped to what the value can hold. */
export function decodeExtentTable(bytes: Uint8Array): ExtentTable {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < EXTENT_HEADER_BYTES) return { generation: 0n, extents: [] };
  const generation = view.getBigUint64(ExtentTableField.generation, true);
  const room = Math.floor((bytes.byteLength - EXTENT_HEADER_BYTES) / EXTENT_ENTRY_BYTES);
  const count = Number(
    view.getBigUint64(ExtentTableField.count, true) > BigInt(room)
      ? BigInt(room)
      : view.getBigUint64(ExtentTableField.count, true),
  );
  const extents: Extent[] = [];
  for (let i = 0; i < count; i++) {
    const at = EXTENT_HEADER_BYTES + i * EXTENT_ENTRY_BYTES;
    extents.push({
      fileOffset: view.getBigUint64(at + ExtentField.fileOffset, true),
      length: view.getBigUint64(at + ExtentField.length, true),
      devAddr: view.getBigUint64(at + ExtentField.devAddr, true),
    });
  }
  return { generation, extents };
}
