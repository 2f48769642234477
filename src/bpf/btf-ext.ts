// `.BTF.ext`: per-section func_info (where each function starts, and its BTF FUNC) and line_info
// (which source line and column each run of instructions comes from, with the line's text). The
// kernel keeps both with a loaded program: the verifier log quotes the lines, and
// `bpftool prog dump xlated linum` prints them. Strings live in the `.BTF` string table.
// In the ELF section `insn_off` is a byte offset into the program section; BPF_PROG_LOAD wants
// instruction (8-byte slot) indices instead, which the loader converts.
import { BpfError } from "../diagnostics.js";
import type { Btf } from "./btf-read.js";
import { BTF_MAGIC, BTF_VERSION, type BtfStrings } from "./btf-types.js";

/** Header size we write: up to core_relo_len (what clang emits; libbpf accepts ≥ 24). */
export const BTF_EXT_HEADER_SIZE = 32;
const MIN_HEADER = 24;
export const FUNC_INFO_REC_SIZE = 8;
export const LINE_INFO_REC_SIZE = 16;
/** line_col packs the column into the low 10 bits. */
export const MAX_LINE_COL = 0x3ff;
export const MAX_LINE = 0x3fffff;

export interface FuncInfo {
  /** Byte offset of the function's first instruction in its section. */
  insnOff: number;
  /** Its BTF FUNC. */
  typeId: number;
}

export interface LineInfo {
  /** Byte offset of the first instruction this line covers. */
  insnOff: number;
  file: string;
  /** The source line's text (bpftool and the verifier log print it). */
  lineText: string;
  line: number;
  col: number;
}

export interface BtfExtSection<R> {
  /** The program section the records belong to (`syscall`, `.text`). */
  section: string;
  records: R[];
}

export interface BtfExt {
  funcInfo: BtfExtSection<FuncInfo>[];
  lineInfo: BtfExtSection<LineInfo>[];
}

/** Encodes `.BTF.ext`, adding section names, file names and line texts to `strings`. */
export function encodeBtfExt(ext: BtfExt, strings: BtfStrings): Uint8Array {
  const funcBytes = infoBlock(ext.funcInfo, FUNC_INFO_REC_SIZE, strings, (v, at, r) => {
    v.setUint32(at, r.insnOff, true);
    v.setUint32(at + 4, r.typeId, true);
  });
  const lineBytes = infoBlock(ext.lineInfo, LINE_INFO_REC_SIZE, strings, (v, at, r) => {
    v.setUint32(at, r.insnOff, true);
    v.setUint32(at + 4, strings.add(r.file), true);
    v.setUint32(at + 8, strings.add(r.lineText), true);
    const line = Math.min(Math.max(r.line, 0), MAX_LINE);
    const col = Math.min(Math.max(r.col, 0), MAX_LINE_COL);
    v.setUint32(at + 12, ((line << 10) | col) >>> 0, true);
  });
  const out = new Uint8Array(BTF_EXT_HEADER_SIZE + funcBytes.length + lineBytes.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, BTF_MAGIC, true);
  v.setUint8(2, BTF_VERSION);
  v.setUint8(3, 0);
  v.setUint32(4, BTF_EXT_HEADER_SIZE, true);
  v.setUint32(8, 0, true); // func_info_off (from the end of the header)
  v.setUint32(12, funcBytes.length, true);
  v.setUint32(16, funcBytes.length, true); // line_info_off
  v.setUint32(20, lineBytes.length, true);
  v.setUint32(24, funcBytes.length + lineBytes.length, true); // core_relo_off: none
  v.setUint32(28, 0, true);
  out.set(funcBytes, BTF_EXT_HEADER_SIZE);
  out.set(lineBytes, BTF_EXT_HEADER_SIZE + funcBytes.length);
  return out;
}

/** `u32 rec_size` then per section `{u32 sec_name_off; u32 num_info; records}`; empty when no records. */
function infoBlock<R>(
  sections: BtfExtSection<R>[],
  recSize: number,
  strings: BtfStrings,
  write: (v: DataView, at: number, r: R) => void,
): Uint8Array {
  const used = sections.filter((s) => s.records.length > 0);
  if (used.length === 0) return new Uint8Array(0);
  const size = 4 + used.reduce((n, s) => n + 8 + recSize * s.records.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, recSize, true);
  let at = 4;
  for (const s of used) {
    v.setUint32(at, strings.add(s.section), true);
    v.setUint32(at + 4, s.records.length, true);
    at += 8;
    for (const r of s.records) {
      write(v, at, r);
      at += recSize;
    }
  }
  return out;
}

/** Reads `.BTF.ext` (ours or clang's); strings are resolved through the object's `.BTF`. */
export function readBtfExt(data: Uint8Array, btf: Btf, file = "<btf.ext>"): BtfExt {
  const bad = (what: string): never => {
    throw new BpfError("E0133", `${file}: .BTF.ext ${what}`);
  };
  if (data.length < MIN_HEADER) bad(`is ${data.length} bytes, shorter than its header`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (v.getUint16(0, true) !== BTF_MAGIC)
    bad(`has magic 0x${v.getUint16(0, true).toString(16)}, expected 0xeb9f`);
  if (v.getUint8(2) !== BTF_VERSION) bad(`version ${v.getUint8(2)} is not supported`);
  const hdrLen = v.getUint32(4, true);
  if (hdrLen < MIN_HEADER || hdrLen > data.length) bad(`header length ${hdrLen} is impossible`);
  const str = (off: number, what: string): string =>
    btf.string(off) ?? bad(`${what} is at string offset ${off}, past the .BTF string table`);

  const block = <R>(
    offAt: number,
    minRec: number,
    what: string,
    read: (at: number) => R,
  ): BtfExtSection<R>[] => {
    const off = v.getUint32(offAt, true);
    const len = v.getUint32(offAt + 4, true);
    if (len === 0) return [];
    const start = hdrLen + off;
    const end = start + len;
    if (end > data.length || len < 4)
      bad(`${what} (offset ${off}, ${len} bytes) lies outside the section`);
    const recSize = v.getUint32(start, true);
    if (recSize < minRec)
      bad(`${what} records are ${recSize} bytes, fewer than the ${minRec} they need`);
    const out: BtfExtSection<R>[] = [];
    for (let at = start + 4; at < end;) {
      if (at + 8 > end) bad(`${what} has a section header cut off at its end`);
      const section = str(v.getUint32(at, true), `a ${what} section name`);
      const count = v.getUint32(at + 4, true);
      at += 8;
      if (at + count * recSize > end)
        bad(`${what} of section ${section} has ${count} records, more than fit`);
      const records: R[] = [];
      for (let i = 0; i < count; i++, at += recSize) records.push(read(at));
      out.push({ section, records });
    }
    return out;
  };

  const funcInfo = block(8, FUNC_INFO_REC_SIZE, "func_info", (at) => ({
    insnOff: v.getUint32(at, true),
    typeId: v.getUint32(at + 4, true),
  }));
  const lineInfo = block(16, LINE_INFO_REC_SIZE, "line_info", (at) => {
    const lineCol = v.getUint32(at + 12, true);
    return {
      insnOff: v.getUint32(at, true),
      file: str(v.getUint32(at + 4, true), "a line_info file name"),
      lineText: str(v.getUint32(at + 8, true), "a line_info line"),
      line: lineCol >>> 10,
      col: lineCol & MAX_LINE_COL,
    };
  });
  return { funcInfo, lineInfo };
}
