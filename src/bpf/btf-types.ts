// The BTF type model shared by the writer (btf.ts), the reader (btf-read.ts) and .BTF.ext
// (btf-ext.ts): kind numbers and encodings of the kernel's uapi linux/btf.h, one record per type.
// Type ids are 1-based positions in the type list; id 0 is `void`.

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
/** Size of `struct btf_header`. */
export const BTF_HEADER_SIZE = 24;
/** Size of `struct btf_type` (name_off, info, size/type). */
export const BTF_TYPE_SIZE = 12;

export const BtfKind = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** BTF_INT_ENCODING bits. */
export const IntEncoding = { NONE: 0, SIGNED: 1, CHAR: 2, BOOL: 4 } as const;
/** BTF_FUNC_* (a FUNC's vlen). */
export const FuncLinkage = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;
/** BTF_VAR_* (a VAR's trailing u32). */
export const VarLinkage = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;

export interface BtfInt {
  kind: "int";
  name: string;
  /** Bytes. */
  size: number;
  /** Bit width and bit offset of the value inside `size` (bitfield ints). */
  bits: number;
  offset: number;
  encoding: number;
}

/** Kinds that only point at another type: `ptr` (anonymous) and the named or qualified ones. */
export interface BtfRef {
  kind: "ptr" | "typedef" | "const" | "volatile" | "restrict" | "type_tag";
  name: string;
  type: number;
}

export interface BtfArray {
  kind: "array";
  type: number;
  indexType: number;
  nelems: number;
}

export interface BtfMember {
  name: string;
  type: number;
  /** Offset of the member from the start of the struct, in bits. */
  bitOffset: number;
  /** Width of a bitfield member in bits; 0 for ordinary members. */
  bitfieldSize: number;
}

export interface BtfComposite {
  kind: "struct" | "union";
  name: string;
  size: number;
  members: BtfMember[];
}

export interface BtfEnum {
  kind: "enum" | "enum64";
  name: string;
  size: number;
  signed: boolean;
  values: { name: string; value: bigint }[];
}

export interface BtfFwd {
  kind: "fwd";
  name: string;
  union: boolean;
}

export interface BtfParam {
  name: string;
  type: number;
}

export interface BtfFuncProto {
  kind: "func_proto";
  returnType: number;
  params: BtfParam[];
}

export interface BtfFunc {
  kind: "func";
  name: string;
  /** The FUNC_PROTO. */
  type: number;
  linkage: number;
}

export interface BtfVar {
  kind: "var";
  name: string;
  type: number;
  linkage: number;
}

export interface BtfVarSecInfo {
  /** The VAR. */
  type: number;
  offset: number;
  size: number;
}

export interface BtfDatasec {
  kind: "datasec";
  name: string;
  size: number;
  vars: BtfVarSecInfo[];
}

export interface BtfFloat {
  kind: "float";
  name: string;
  size: number;
}

export interface BtfDeclTag {
  kind: "decl_tag";
  name: string;
  type: number;
  /** Member or parameter index the tag applies to; -1 for the type itself. */
  componentIdx: number;
}

export type BtfType =
  | BtfInt
  | BtfRef
  | BtfArray
  | BtfComposite
  | BtfEnum
  | BtfFwd
  | BtfFuncProto
  | BtfFunc
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag;

export type BtfKindName = BtfType["kind"];

export const KIND_OF_NAME: Record<BtfKindName, number> = {
  int: BtfKind.INT,
  ptr: BtfKind.PTR,
  array: BtfKind.ARRAY,
  struct: BtfKind.STRUCT,
  union: BtfKind.UNION,
  enum: BtfKind.ENUM,
  fwd: BtfKind.FWD,
  typedef: BtfKind.TYPEDEF,
  volatile: BtfKind.VOLATILE,
  const: BtfKind.CONST,
  restrict: BtfKind.RESTRICT,
  func: BtfKind.FUNC,
  func_proto: BtfKind.FUNC_PROTO,
  var: BtfKind.VAR,
  datasec: BtfKind.DATASEC,
  float: BtfKind.FLOAT,
  decl_tag: BtfKind.DECL_TAG,
  type_tag: BtfKind.TYPE_TAG,
  enum64: BtfKind.ENUM64,
};

export const NAME_OF_KIND = new Map<number, BtfKindName>(
  Object.entries(KIND_OF_NAME).map(([name, kind]) => [kind, name as BtfKindName]),
);

/**
 * The BTF string table: offset 0 is the empty string; equal strings share one offset.
 * The writer and the .BTF.ext encoder both add to the same table.
 */
export class BtfStrings {
  private readonly offsets = new Map<string, number>([["", 0]]);
  private readonly chunks: Uint8Array[] = [new Uint8Array(1)];
  private length = 1;

  add(text: string): number {
    // A NUL would end the string early; source lines may hold one, so it becomes U+FFFD.
    const clean = text.includes("\0") ? text.replace(/\0/g, "\uFFFD") : text;
    const known = this.offsets.get(clean);
    if (known !== undefined) return known;
    const bytes = new TextEncoder().encode(clean);
    const at = this.length;
    this.chunks.push(bytes, new Uint8Array(1));
    this.length += bytes.length + 1;
    this.offsets.set(clean, at);
    return at;
  }

  get size(): number {
    return this.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
