// The BTF writer: a type list and a string table encoded as the `.BTF` section of an eBPF object
// (kernel Documentation/bpf/btf.rst). Types are added in order and referred to by id (1-based);
// the .BTF.ext encoder (btf-ext.ts) adds its file names and source lines to the same strings.
import { internalError } from "../diagnostics.js";
import {
  BTF_HEADER_SIZE,
  BTF_MAGIC,
  BTF_TYPE_SIZE,
  BTF_VERSION,
  BtfStrings,
  FuncLinkage,
  IntEncoding,
  KIND_OF_NAME,
  VarLinkage,
  type BtfMember,
  type BtfParam,
  type BtfType,
  type BtfVarSecInfo,
} from "./btf-types.js";

export * from "./btf-types.js";

export class BtfBuilder {
  readonly strings = new BtfStrings();
  private readonly list: BtfType[] = [];
  /** Memo of structural types (ints, pointers, arrays) so each is emitted once. */
  private readonly memo = new Map<string, number>();

  /** Appends a type; returns its id. */
  add(type: BtfType): number {
    this.list.push(type);
    return this.list.length;
  }

  get types(): readonly BtfType[] {
    return this.list;
  }

  type(id: number): BtfType | undefined {
    return this.list[id - 1];
  }

  /** An unsigned or signed integer of `size` bytes (one per name). */
  int(name: string, size: number, signed = false): number {
    return this.once(`int:${name}:${size}:${signed}`, () => ({
      kind: "int",
      name,
      size,
      bits: size * 8,
      offset: 0,
      encoding: signed ? IntEncoding.SIGNED : IntEncoding.NONE,
    }));
  }

  ptr(type: number): number {
    return this.once(`ptr:${type}`, () => ({ kind: "ptr", name: "", type }));
  }

  /** `type[nelems]`, indexed by clang's `__ARRAY_SIZE_TYPE__` (a 4-byte int). */
  array(type: number, nelems: number): number {
    const indexType = this.int("__ARRAY_SIZE_TYPE__", 4);
    return this.once(`array:${type}:${nelems}`, () => ({
      kind: "array",
      type,
      indexType,
      nelems,
    }));
  }

  typedef(name: string, type: number): number {
    return this.once(`typedef:${name}:${type}`, () => ({ kind: "typedef", name, type }));
  }

  struct(
    name: string,
    size: number,
    members: { name: string; type: number; offset: number }[],
  ): number {
    const list: BtfMember[] = members.map((m) => ({
      name: m.name,
      type: m.type,
      bitOffset: m.offset * 8,
      bitfieldSize: 0,
    }));
    return this.add({ kind: "struct", name, size, members: list });
  }

  funcProto(returnType: number, params: BtfParam[]): number {
    return this.add({ kind: "func_proto", returnType, params });
  }

  func(name: string, proto: number, linkage: number = FuncLinkage.GLOBAL): number {
    return this.add({ kind: "func", name, type: proto, linkage });
  }

  variable(name: string, type: number, linkage: number = VarLinkage.GLOBAL): number {
    return this.add({ kind: "var", name, type, linkage });
  }

  datasec(name: string, size: number, vars: BtfVarSecInfo[]): number {
    return this.add({ kind: "datasec", name, size, vars });
  }

  encode(): Uint8Array {
    return encodeBtf(this.list, this.strings);
  }

  private once(key: string, make: () => BtfType): number {
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const id = this.add(make());
    this.memo.set(key, id);
    return id;
  }
}

/** Bytes of one type's record: the common 12 bytes plus what its kind appends. */
function recordSize(t: BtfType): number {
  switch (t.kind) {
    case "int":
    case "var":
    case "decl_tag":
      return BTF_TYPE_SIZE + 4;
    case "array":
      return BTF_TYPE_SIZE + 12;
    case "struct":
    case "union":
      return BTF_TYPE_SIZE + 12 * t.members.length;
    case "enum":
      return BTF_TYPE_SIZE + 8 * t.values.length;
    case "enum64":
      return BTF_TYPE_SIZE + 12 * t.values.length;
    case "func_proto":
      return BTF_TYPE_SIZE + 8 * t.params.length;
    case "datasec":
      return BTF_TYPE_SIZE + 12 * t.vars.length;
    default:
      return BTF_TYPE_SIZE;
  }
}

/** Type ids a type refers to, for the reference check. */
export function referencedIds(t: BtfType): number[] {
  switch (t.kind) {
    case "ptr":
    case "typedef":
    case "const":
    case "volatile":
    case "restrict":
    case "type_tag":
    case "func":
    case "var":
    case "decl_tag":
      return [t.type];
    case "array":
      return [t.type, t.indexType];
    case "struct":
    case "union":
      return t.members.map((m) => m.type);
    case "func_proto":
      return [t.returnType, ...t.params.map((p) => p.type)];
    case "datasec":
      return t.vars.map((v) => v.type);
    default:
      return [];
  }
}

/** Encodes the `.BTF` section: header, type records, then the string table. */
export function encodeBtf(
  types: readonly BtfType[],
  strings: BtfStrings = new BtfStrings(),
): Uint8Array {
  types.forEach((t, i) => {
    for (const ref of referencedIds(t)) {
      if (!Number.isInteger(ref) || ref < 0 || ref > types.length)
        throw internalError(
          `BTF type ${i + 1} (${t.kind}) refers to type ${ref}, which does not exist`,
        );
    }
  });
  // Names first: the string table must be complete before its size goes into the header.
  const nameOffsets = types.map((t) => nameOffsetsOf(t, strings));
  const typeLen = types.reduce((n, t) => n + recordSize(t), 0);
  const str = strings.bytes();
  const out = new Uint8Array(BTF_HEADER_SIZE + typeLen + str.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, BTF_MAGIC, true);
  v.setUint8(2, BTF_VERSION);
  v.setUint8(3, 0);
  v.setUint32(4, BTF_HEADER_SIZE, true);
  v.setUint32(8, 0, true); // type_off
  v.setUint32(12, typeLen, true);
  v.setUint32(16, typeLen, true); // str_off
  v.setUint32(20, str.length, true);
  let at = BTF_HEADER_SIZE;
  types.forEach((t, i) => {
    at = writeType(v, at, t, nameOffsets[i]);
  });
  out.set(str, BTF_HEADER_SIZE + typeLen);
  return out;
}

/** The string offsets a type needs: its own name, then its members'/params'/enumerators'. */
function nameOffsetsOf(t: BtfType, strings: BtfStrings): number[] {
  const own = strings.add("name" in t ? t.name : "");
  switch (t.kind) {
    case "struct":
    case "union":
      return [own, ...t.members.map((m) => strings.add(m.name))];
    case "func_proto":
      return [own, ...t.params.map((p) => strings.add(p.name))];
    case "enum":
    case "enum64":
      return [own, ...t.values.map((e) => strings.add(e.name))];
    default:
      return [own];
  }
}

const info = (kind: number, vlen: number, kindFlag: boolean): number =>
  ((kindFlag ? 1 : 0) << 31) | ((kind & 0x1f) << 24) | (vlen & 0xffff);

function writeType(v: DataView, at: number, t: BtfType, names: number[]): number {
  const kind = KIND_OF_NAME[t.kind];
  const head = (vlen: number, kindFlag: boolean, sizeOrType: number): number => {
    v.setUint32(at, names[0], true);
    v.setUint32(at + 4, info(kind, vlen, kindFlag) >>> 0, true);
    v.setUint32(at + 8, sizeOrType >>> 0, true);
    return at + BTF_TYPE_SIZE;
  };
  switch (t.kind) {
    case "int": {
      const p = head(0, false, t.size);
      v.setUint32(
        p,
        ((t.encoding & 0xf) << 24) | ((t.offset & 0xff) << 16) | (t.bits & 0xff),
        true,
      );
      return p + 4;
    }
    case "ptr":
    case "typedef":
    case "const":
    case "volatile":
    case "restrict":
    case "type_tag":
      return head(0, false, t.type);
    case "array": {
      const p = head(0, false, 0);
      v.setUint32(p, t.type, true);
      v.setUint32(p + 4, t.indexType, true);
      v.setUint32(p + 8, t.nelems, true);
      return p + 12;
    }
    case "struct":
    case "union": {
      const bitfields = t.members.some((m) => m.bitfieldSize > 0);
      let p = head(t.members.length, bitfields, t.size);
      t.members.forEach((m, i) => {
        v.setUint32(p, names[i + 1], true);
        v.setUint32(p + 4, m.type, true);
        const offset = bitfields
          ? ((m.bitfieldSize & 0xff) << 24) | (m.bitOffset & 0xffffff)
          : m.bitOffset;
        v.setUint32(p + 8, offset >>> 0, true);
        p += 12;
      });
      return p;
    }
    case "enum":
    case "enum64": {
      let p = head(t.values.length, t.signed, t.size);
      t.values.forEach((e, i) => {
        v.setUint32(p, names[i + 1], true);
        if (t.kind === "enum") {
          v.setUint32(p + 4, Number(BigInt.asUintN(32, e.value)), true);
          p += 8;
        } else {
          const u = BigInt.asUintN(64, e.value);
          v.setUint32(p + 4, Number(u & 0xffffffffn), true);
          v.setUint32(p + 8, Number(u >> 32n), true);
          p += 12;
        }
      });
      return p;
    }
    case "fwd":
      return head(0, t.union, 0);
    case "func_proto": {
      let p = head(t.params.length, false, t.returnType);
      t.params.forEach((param, i) => {
        v.setUint32(p, names[i + 1], true);
        v.setUint32(p + 4, param.type, true);
        p += 8;
      });
      return p;
    }
    case "func":
      return head(t.linkage, false, t.type);
    case "var": {
      const p = head(0, false, t.type);
      v.setUint32(p, t.linkage, true);
      return p + 4;
    }
    case "datasec": {
      let p = head(t.vars.length, false, t.size);
      for (const s of t.vars) {
        v.setUint32(p, s.type, true);
        v.setUint32(p + 4, s.offset, true);
        v.setUint32(p + 8, s.size, true);
        p += 12;
      }
      return p;
    }
    case "float":
      return head(0, false, t.size);
    case "decl_tag": {
      const p = head(0, false, t.type);
      v.setInt32(p, t.componentIdx, true);
      return p + 4;
    }
  }
}
