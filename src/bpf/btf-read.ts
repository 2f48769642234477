// The BTF reader: parses a `.BTF` section (ours or clang's) back into the type model, with every
// offset checked (a malformed section is a BpfError E0133, never a DataView exception), and prints
// it the way `bpftool btf dump file X.o` does so the two can be compared.
import { BpfError } from "../diagnostics.js";
import { referencedIds } from "./btf.js";
import {
  BTF_HEADER_SIZE,
  BTF_MAGIC,
  BTF_TYPE_SIZE,
  BTF_VERSION,
  NAME_OF_KIND,
  type BtfKindName,
  type BtfType,
} from "./btf-types.js";

export interface Btf {
  /** types[id - 1] is type `id`. */
  types: BtfType[];
  /** The raw string table. */
  strings: Uint8Array;
  /** The string at `offset`, or undefined when the offset is outside the table. */
  string(offset: number): string | undefined;
  type(id: number): BtfType | undefined;
  /** The id of the first type with this name (and kind). */
  find(name: string, kind?: BtfKindName): number | undefined;
}

export function readBtf(data: Uint8Array, file = "<btf>"): Btf {
  const bad = (what: string): never => {
    throw new BpfError("E0133", `${file}: .BTF ${what}`);
  };
  if (data.length < BTF_HEADER_SIZE)
    bad(`is ${data.length} bytes, shorter than its ${BTF_HEADER_SIZE}-byte header`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = v.getUint16(0, true);
  if (magic !== BTF_MAGIC)
    bad(
      `has magic 0x${magic.toString(16)}, expected 0x${BTF_MAGIC.toString(16)} (little-endian BTF)`,
    );
  if (v.getUint8(2) !== BTF_VERSION)
    bad(`version ${v.getUint8(2)} is not supported (only ${BTF_VERSION})`);
  const hdrLen = v.getUint32(4, true);
  if (hdrLen < BTF_HEADER_SIZE || hdrLen > data.length)
    bad(`header length ${hdrLen} is impossible`);
  const [typeOff, typeLen, strOff, strLen] = [8, 12, 16, 20].map((o) => v.getUint32(o, true));
  const body = data.length - hdrLen;
  if (typeOff + typeLen > body || typeOff % 4 !== 0)
    bad(`type section (offset ${typeOff}, ${typeLen} bytes) lies outside the section`);
  if (strOff + strLen > body)
    bad(`string section (offset ${strOff}, ${strLen} bytes) lies outside the section`);
  const strings = data.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
  if (strLen > 0 && (strings[0] !== 0 || strings[strLen - 1] !== 0))
    bad("string table must start and end with a NUL byte");

  const decoder = new TextDecoder();
  const string = (offset: number): string | undefined => {
    if (offset >= strings.length) return undefined;
    const end = strings.indexOf(0, offset);
    return decoder.decode(strings.subarray(offset, end < 0 ? strings.length : end));
  };

  const types: BtfType[] = [];
  let at = hdrLen + typeOff;
  const end = at + typeLen;
  while (at < end) {
    const id = types.length + 1;
    if (at + BTF_TYPE_SIZE > end) bad(`type ${id} is cut off at the end of the type section`);
    const nameOff = v.getUint32(at, true);
    const info = v.getUint32(at + 4, true);
    const sizeOrType = v.getUint32(at + 8, true);
    const kindNum = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kindFlag = info >>> 31 === 1;
    const kind = NAME_OF_KIND.get(kindNum) ?? bad(`type ${id} has unknown kind ${kindNum}`);
    const nameOf = (off: number, what: string): string =>
      string(off) ??
      bad(
        `${what} of type ${id} is at string offset ${off}, past the string table (${strings.length} bytes)`,
      );
    const name = nameOf(nameOff, "the name");
    let p = at + BTF_TYPE_SIZE;
    const need = (bytes: number): void => {
      if (p + bytes > end) bad(`type ${id} (${kind}) is cut off at the end of the type section`);
    };
    let t: BtfType;
    switch (kind) {
      case "int": {
        need(4);
        const word = v.getUint32(p, true);
        p += 4;
        t = {
          kind,
          name,
          size: sizeOrType,
          encoding: (word >>> 24) & 0xf,
          offset: (word >>> 16) & 0xff,
          bits: word & 0xff,
        };
        break;
      }
      case "ptr":
      case "typedef":
      case "const":
      case "volatile":
      case "restrict":
      case "type_tag":
        t = { kind, name, type: sizeOrType };
        break;
      case "array":
        need(12);
        t = {
          kind,
          type: v.getUint32(p, true),
          indexType: v.getUint32(p + 4, true),
          nelems: v.getUint32(p + 8, true),
        };
        p += 12;
        break;
      case "struct":
      case "union": {
        need(12 * vlen);
        const members = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const off = v.getUint32(p + 8, true);
          members.push({
            name: nameOf(v.getUint32(p, true), `member ${i}`),
            type: v.getUint32(p + 4, true),
            bitOffset: kindFlag ? off & 0xffffff : off,
            bitfieldSize: kindFlag ? off >>> 24 : 0,
          });
        }
        t = { kind, name, size: sizeOrType, members };
        break;
      }
      case "enum":
      case "enum64": {
        const rec = kind === "enum" ? 8 : 12;
        need(rec * vlen);
        const values = [];
        for (let i = 0; i < vlen; i++, p += rec) {
          const lo = v.getUint32(p + 4, true);
          const raw =
            kind === "enum" ? BigInt(lo) : (BigInt(v.getUint32(p + 8, true)) << 32n) | BigInt(lo);
          const bits = kind === "enum" ? 32 : 64;
          values.push({
            name: nameOf(v.getUint32(p, true), `enumerator ${i}`),
            value: kindFlag ? BigInt.asIntN(bits, raw) : raw,
          });
        }
        t = { kind, name, size: sizeOrType, signed: kindFlag, values };
        break;
      }
      case "fwd":
        t = { kind, name, union: kindFlag };
        break;
      case "func_proto": {
        need(8 * vlen);
        const params = [];
        for (let i = 0; i < vlen; i++, p += 8)
          params.push({
            name: nameOf(v.getUint32(p, true), `parameter ${i}`),
            type: v.getUint32(p + 4, true),
          });
        t = { kind, returnType: sizeOrType, params };
        break;
      }
      case "func":
        t = { kind, name, type: sizeOrType, linkage: vlen };
        break;
      case "var":
        need(4);
        t = { kind, name, type: sizeOrType, linkage: v.getUint32(p, true) };
        p += 4;
        break;
      case "datasec": {
        need(12 * vlen);
        const vars = [];
        for (let i = 0; i < vlen; i++, p += 12)
          vars.push({
            type: v.getUint32(p, true),
            offset: v.getUint32(p + 4, true),
            size: v.getUint32(p + 8, true),
          });
        t = { kind, name, size: sizeOrType, vars };
        break;
      }
      case "float":
        t = { kind, name, size: sizeOrType };
        break;
      case "decl_tag":
        need(4);
        t = { kind, name, type: sizeOrType, componentIdx: v.getInt32(p, true) };
        p += 4;
        break;
    }
    types.push(t);
    at = p;
  }
  types.forEach((t, i) => {
    for (const ref of referencedIds(t))
      if (ref > types.length)
        bad(`type ${i + 1} (${t.kind}) refers to type ${ref}; there are ${types.length}`);
  });
  return {
    types,
    strings,
    string,
    type: (id) => types[id - 1],
    find: (name, kind) => {
      const i = types.findIndex(
        (t) => "name" in t && t.name === name && (kind === undefined || t.kind === kind),
      );
      return i < 0 ? undefined : i + 1;
    },
  };
}

const INT_ENCODING: Record<number, string> = { 0: "(none)", 1: "SIGNED", 2: "CHAR", 4: "BOOL" };
const LINKAGE = ["static", "global", "extern"];

/** The types as `bpftool btf dump file X.o` (format raw) prints them. */
export function dumpBtf(btf: Btf): string {
  const lines: string[] = [];
  btf.types.forEach((t, i) => {
    const name = "name" in t && t.name !== "" ? t.name : "(anon)";
    let line = `[${i + 1}] ${t.kind.toUpperCase()} '${name}'`;
    switch (t.kind) {
      case "int":
        line += ` size=${t.size} bits_offset=${t.offset} nr_bits=${t.bits} encoding=${INT_ENCODING[t.encoding] ?? "?"}`;
        break;
      case "ptr":
      case "typedef":
      case "const":
      case "volatile":
      case "restrict":
      case "type_tag":
        line += ` type_id=${t.type}`;
        break;
      case "array":
        line += ` type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
        break;
      case "struct":
      case "union":
        line += ` size=${t.size} vlen=${t.members.length}`;
        for (const m of t.members)
          line += `\n\t'${m.name || "(anon)"}' type_id=${m.type} bits_offset=${m.bitOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ""}`;
        break;
      case "enum":
      case "enum64":
        line += ` encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.values.length}`;
        for (const e of t.values) line += `\n\t'${e.name}' val=${e.value}`;
        break;
      case "fwd":
        line += ` fwd_kind=${t.union ? "union" : "struct"}`;
        break;
      case "func_proto":
        line += ` ret_type_id=${t.returnType} vlen=${t.params.length}`;
        for (const p of t.params) line += `\n\t'${p.name || "(anon)"}' type_id=${p.type}`;
        break;
      case "func":
        line += ` type_id=${t.type} linkage=${LINKAGE[t.linkage] ?? "(unknown)"}`;
        break;
      case "var":
        line += ` type_id=${t.type}, linkage=${LINKAGE[t.linkage] ?? "(unknown)"}`;
        break;
      case "datasec":
        line += ` size=${t.size} vlen=${t.vars.length}`;
        for (const s of t.vars) {
          const target = btf.type(s.type);
          const what = target
            ? ` (${target.kind.toUpperCase()} '${"name" in target ? target.name : ""}')`
            : "";
          line += `\n\ttype_id=${s.type} offset=${s.offset} size=${s.size}${what}`;
        }
        break;
      case "float":
        line += ` size=${t.size}`;
        break;
      case "decl_tag":
        line += ` type_id=${t.type} component_idx=${t.componentIdx}`;
        break;
    }
    lines.push(line);
  });
  return lines.map((l) => l + "\n").join("");
}
