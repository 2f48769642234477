// ELF64 constants for eBPF objects, shared by the reader and the writer (System V gABI, and
// the BPF psABI for relocations).

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const; // "\x7fELF"
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const ELFOSABI_NONE = 0;

/** e_type */
export const ET_REL = 1;

/** e_machine of eBPF. */
export const EM_BPF = 247;

/** Sizes of the fixed records of ELF64. */
export const EHDR_SIZE = 64;
export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;
export const REL_SIZE = 16;
export const RELA_SIZE = 24;

/** sh_type */
export const SHT = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  HASH: 5,
  DYNAMIC: 6,
  NOTE: 7,
  NOBITS: 8,
  REL: 9,
  DYNSYM: 11,
  LLVM_ADDRSIG: 0x6fff4c03,
} as const;

/** sh_flags */
export const SHF = {
  WRITE: 0x1,
  ALLOC: 0x2,
  EXECINSTR: 0x4,
  MERGE: 0x10,
  STRINGS: 0x20,
  INFO_LINK: 0x40,
  EXCLUDE: 0x80000000,
} as const;

/** Special section indexes. */
export const SHN = {
  UNDEF: 0,
  LORESERVE: 0xff00,
  ABS: 0xfff1,
  COMMON: 0xfff2,
  XINDEX: 0xffff,
} as const;

/** Symbol binding (st_info >> 4). */
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
/** Symbol type (st_info & 0xf). */
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
/** Symbol visibility (st_other & 3). */
export const STV = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;

export const symInfo = (bind: number, type: number): number => ((bind & 0xf) << 4) | (type & 0xf);

/** BPF relocation types (r_info & 0xffffffff). */
export const R_BPF = {
  NONE: 0,
  /** ld_imm64 of a map or global: the 64-bit immediate. */
  "64_64": 1,
  "64_ABS64": 2,
  "64_ABS32": 3,
  "64_NODYLD32": 4,
  /** A call: the 32-bit imm. */
  "64_32": 10,
} as const;

export function relocationTypeName(type: number): string {
  const name = Object.keys(R_BPF).find((k) => R_BPF[k as keyof typeof R_BPF] === type);
  return name ? `R_BPF_${name}` : `R_BPF_UNKNOWN_${type}`;
}

/** Section names libbpf gives meaning to. */
export const SECTION = {
  TEXT: ".text",
  LICENSE: "license",
  MAPS: ".maps",
  BTF: ".BTF",
  BTF_EXT: ".BTF.ext",
  SYMTAB: ".symtab",
  STRTAB: ".strtab",
} as const;
