// A SQLite record (the bytes lookup.ioc returns) decoded as the file format says: a header of
// varint serial types, then the values. For comparing the program's answer with SQLite's own.

/** SQLite's big-endian varint at `p`: [value (unsigned 64-bit), length]. */
function readVarint(b: Uint8Array, p: number): [bigint, number] {
  let v = 0n;
  for (let i = 0; i < 8; i++) {
    const x = b[p + i];
    v = (v << 7n) | BigInt(x & 0x7f);
    if (x < 0x80) return [v, i + 1];
  }
  return [(v << 8n) | BigInt(b[p + 8]), 9];
}

type SqlValue = null | bigint | number | string | Uint8Array;

/** The values of a record; integers as bigint, text as string. Throws on a malformed record. */
export function decodeRecord(b: Uint8Array): SqlValue[] {
  const [headerSize, n] = readVarint(b, 0);
  const types: bigint[] = [];
  for (let p = n; p < Number(headerSize);) {
    const [t, used] = readVarint(b, p);
    types.push(t);
    p += used;
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = Number(headerSize);
  return types.map((t): SqlValue => {
    const int = (bytes: number): bigint => {
      let v = 0n;
      for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(b[p + i]);
      p += bytes;
      return BigInt.asIntN(bytes * 8, v);
    };
    if (t === 0n) return null;
    if (t >= 1n && t <= 4n) return int(Number(t));
    if (t === 5n) return int(6);
    if (t === 6n) return int(8);
    if (t === 7n) {
      const f = view.getFloat64(p);
      p += 8;
      return f;
    }
    if (t === 8n) return 0n;
    if (t === 9n) return 1n;
    const len = Number((t - (t % 2n === 0n ? 12n : 13n)) / 2n);
    const bytes = b.slice(p, p + len);
    p += len;
    if (p > b.length) throw new Error("record shorter than its header says");
    return t % 2n === 0n ? bytes : new TextDecoder().decode(bytes);
  });
}
