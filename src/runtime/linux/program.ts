// BPF_PROG_LOAD of our bytecode as a sleepable BPF_PROG_TYPE_SYSCALL program, with map references
// resolved to fds, the verifier log fetched only when the load fails, and the program's statistics.
import { decode, encode, type Insn } from "../../bpf/insn.js";
import { LD_IMM64, PseudoLd } from "../../bpf/opcodes.js";
import { KernelError, LoadError } from "./errors.js";
import type { BpfMap } from "./maps.js";
import { describeErrno, NativeBuffer } from "./native.js";
import {
  AttrSize,
  BpfCmd,
  bpf,
  bpfOrThrow,
  enableRunTimeStats,
  OwnedFd,
  ProgFlag,
  ProgType,
} from "./syscall.js";
import { loadBtf } from "./btf-load.js";
import { programBtf } from "./program-btf.js";
import { failingInsn, failingInsnText, verifierReason } from "./verifier-log.js";
import { explainVerifierReason } from "./verifier-messages.js";

export interface LoadOptions {
  /**
   * The maps the program refers to. An `ld_imm64` with src BPF_PSEUDO_MAP_FD or
   * BPF_PSEUDO_MAP_VALUE carries an index into this list in `imm` (docs/abi.md); the loader
   * replaces it with the map's fd. (BPF_PSEUDO_MAP_IDX[_VALUE] are left to the kernel, which
   * resolves them through the same list passed as fd_array.)
   */
  maps?: readonly (BpfMap | number)[];
  /** Program name shown by bpftool (at most 15 characters of [A-Za-z0-9_.]). */
  name?: string;
  /** Verifier log buffer for the reload after a failure; default 16 MiB. */
  logSize?: number;
  /** Log level of that reload: 1 (default) or 2 (every instruction's states). */
  logLevel?: 1 | 2;
  /** Count run time and runs (BPF_ENABLE_STATS) while this program is open. */
  stats?: boolean;
  /** Where the bytecode came from, for messages. */
  file?: string;
  /**
   * BTF for the program: func_info and line_info records in the kernel's form (instruction
   * indices in 8-byte slots), against a BTF object loaded with BPF_BTF_LOAD. The verifier log then
   * quotes the source lines, and `bpftool prog dump xlated linum` shows them.
   */
  btf?: ProgBtf;
  /**
   * Load with log level 4 (BPF_LOG_STATS) so that the verifier's statistics line ("processed N
   * insns … peak_states P mark_read R") is kept on the program as `loadLog`.
   */
  statsLog?: boolean;
}

export interface ProgBtf {
  fd: number;
  /** `struct bpf_func_info` records (insn_off, type_id), 8 bytes each. */
  funcInfo?: Uint8Array;
  /** `struct bpf_line_info` records (insn_off, file_name_off, line_off, line_col), 16 bytes each. */
  lineInfo?: Uint8Array;
}

const FUNC_INFO_REC = 8;
const LINE_INFO_REC = 16;
/** BPF_LOG_STATS: only the statistics lines; a few hundred bytes. */
const LOG_LEVEL_STATS = 4;
const STATS_LOG_SIZE = 64 << 10;

export interface ProgInfo {
  id: number;
  /** The program's tag, 16 hex digits. */
  tag: string;
  name: string;
  xlatedBytes: number;
  jitedBytes: number;
  /** Instructions the verifier processed (all paths). */
  verifiedInsns: number;
  /** Totals since load, counted only while run-time stats are enabled. */
  runTimeNs: bigint;
  runCount: bigint;
  recursionMisses: bigint;
}

const DEFAULT_LOG_SIZE = 16 << 20;
const PROG_INFO_SIZE = 232;

export class BpfProgram {
  private readonly owner: OwnedFd;

  constructor(
    fd: number,
    /** The instructions as loaded (map indices replaced by fds). */
    readonly insns: readonly Insn[],
    private readonly statsFd: OwnedFd | undefined,
    /** The verifier's log of the load, when it was asked for (LoadOptions.statsLog). */
    readonly loadLog?: string,
  ) {
    this.owner = new OwnedFd(fd);
  }

  get fd(): number {
    return this.owner.fd;
  }

  get closed(): boolean {
    return this.owner.closed;
  }

  /** BPF_OBJ_GET_INFO_BY_FD. */
  info(): ProgInfo {
    const attr = new NativeBuffer(AttrSize.OBJ_INFO);
    const info = new NativeBuffer(PROG_INFO_SIZE);
    try {
      attr.u32(0, this.fd);
      attr.u32(4, PROG_INFO_SIZE);
      attr.u64(8, info.address);
      bpfOrThrow(BpfCmd.OBJ_GET_INFO_BY_FD, attr, "BPF_OBJ_GET_INFO_BY_FD");
      const v = info.view;
      const tag = Array.from(info.bytes.subarray(8, 16), (b) =>
        b.toString(16).padStart(2, "0"),
      ).join("");
      return {
        id: v.getUint32(4, true),
        tag,
        name: cString(info.bytes.subarray(64, 80)),
        jitedBytes: v.getUint32(16, true),
        xlatedBytes: v.getUint32(20, true),
        runTimeNs: v.getBigUint64(192, true),
        runCount: v.getBigUint64(200, true),
        recursionMisses: v.getBigUint64(208, true),
        verifiedInsns: v.getUint32(216, true),
      };
    } finally {
      attr.free();
      info.free();
    }
  }

  close(): void {
    this.owner.close();
    this.statsFd?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Loads `code` (instructions, or encoded bytecode) as a sleepable syscall program. */
export function loadProgram(
  code: readonly Insn[] | Uint8Array,
  options: LoadOptions = {},
): BpfProgram {
  const file = options.file ?? "<program>";
  const insns = code instanceof Uint8Array ? decode(code, file) : code;
  const maps = options.maps ?? [];
  const mapFds = maps.map((m) => (typeof m === "number" ? m : m.fd));
  const patched = insns.map((insn, i) => patchMapRef(insn, i, mapFds, file));
  const bytes = encode(patched);
  // A program with a callback needs func_info: made here unless the caller brings its own BTF.
  const made = options.btf ? undefined : programBtf(patched, options.name ?? "");
  const madeFd = made ? loadBtf(made.bytes, file) : undefined;

  const attr = new NativeBuffer(AttrSize.PROG_LOAD);
  const text = new NativeBuffer(bytes.length);
  const license = new NativeBuffer(4);
  const fdArray = mapFds.length > 0 ? new NativeBuffer(4 * mapFds.length) : undefined;
  const btf: ProgBtf | undefined =
    options.btf ?? (made && madeFd ? { fd: madeFd.fd, funcInfo: made.funcInfo } : undefined);
  const funcInfo = btf?.funcInfo?.length ? new NativeBuffer(btf.funcInfo.length) : undefined;
  const lineInfo = btf?.lineInfo?.length ? new NativeBuffer(btf.lineInfo.length) : undefined;
  const statsLog = options.statsLog ? new NativeBuffer(STATS_LOG_SIZE) : undefined;
  try {
    text.write(bytes);
    license.write(new TextEncoder().encode("GPL\0"));
    mapFds.forEach((fd, i) => fdArray!.u32(4 * i, fd));
    attr.u32(0, ProgType.SYSCALL);
    attr.u32(4, bytes.length / 8);
    attr.u64(8, text.address);
    attr.u64(16, license.address);
    attr.u32(44, ProgFlag.SLEEPABLE);
    attr.write(progName(options.name ?? ""), 48);
    if (fdArray) attr.u64(120, fdArray.address);
    if (btf) {
      attr.u32(72, btf.fd);
      if (funcInfo) {
        funcInfo.write(btf.funcInfo!);
        attr.u32(76, FUNC_INFO_REC);
        attr.u64(80, funcInfo.address);
        attr.u32(88, btf.funcInfo!.length / FUNC_INFO_REC);
      }
      if (lineInfo) {
        lineInfo.write(btf.lineInfo!);
        attr.u32(92, LINE_INFO_REC);
        attr.u64(96, lineInfo.address);
        attr.u32(104, btf.lineInfo!.length / LINE_INFO_REC);
      }
    }
    if (statsLog) {
      attr.u32(24, LOG_LEVEL_STATS);
      attr.u32(28, STATS_LOG_SIZE);
      attr.u64(32, statsLog.address);
    }

    let fd = bpf(BpfCmd.PROG_LOAD, attr);
    if (fd < 0) fd = reloadWithLog(attr, -fd, patched, options, file);
    const loadLog = statsLog ? cString(statsLog.bytes) : undefined;
    let stats: OwnedFd | undefined;
    try {
      if (options.stats) stats = enableRunTimeStats();
    } catch (err) {
      new OwnedFd(fd).close();
      throw err;
    }
    return new BpfProgram(fd, patched, stats, loadLog);
  } finally {
    for (const b of [attr, text, license, fdArray, funcInfo, lineInfo, statsLog]) b?.free();
    madeFd?.close(); // the loaded program keeps its own reference to the BTF
  }
}

/** The load failed with `errno`: load again with a log, and turn the log into a LoadError. */
function reloadWithLog(
  attr: NativeBuffer,
  errno: number,
  insns: readonly Insn[],
  options: LoadOptions,
  file: string,
): number {
  const logSize = options.logSize ?? DEFAULT_LOG_SIZE;
  const log = new NativeBuffer(logSize);
  let text: string;
  try {
    attr.u32(24, options.logLevel ?? 1);
    attr.u32(28, logSize);
    attr.u64(32, log.address);
    const fd = bpf(BpfCmd.PROG_LOAD, attr);
    // Loads are deterministic, but if this one passes (say the first failure was transient), keep it.
    if (fd >= 0) return fd;
    const end = log.bytes.indexOf(0);
    text = new TextDecoder().decode(log.bytes.subarray(0, end < 0 ? logSize : end));
  } finally {
    log.free();
  }
  const said = verifierReason(text);
  const reason = said ?? describeErrno(errno);
  const slot = failingInsn(text);
  const index = slot === undefined ? undefined : insnIndexOfSlot(insns, slot);
  const pos = index === undefined ? undefined : insns[index].pos;
  // The message leads with the reason, in plain words where verifier-messages.ts has them; the
  // verifier's own words and the instruction follow as a note. Positioned errors print their
  // file in front already.
  const plain = said === undefined ? undefined : explainVerifierReason(said);
  const insnText = failingInsnText(text);
  const at =
    index === undefined ? "" : ` at instruction ${index}${insnText ? ` (\`${insnText}\`)` : ""}`;
  const notes: string[] = [];
  let hint: string | undefined;
  let message: string;
  if (plain) {
    message = plain.message;
    hint = plain.hint;
    notes.push(`the verifier stopped${at}: ${said}`);
  } else if (said !== undefined) {
    message = `the verifier rejected the program: ${said}`;
    if (at) notes.push(`the verifier stopped${at}`);
  } else if (text === "") {
    message = `the kernel refused the program: ${reason}`;
    hint = `BPF_PROG_LOAD failed with ${describeErrno(errno)} and wrote no verifier log`;
  } else {
    message = `the kernel refused the program (${reason}), and the verifier's log gives no reason`;
    notes.push(
      `the log ends${at}${errno === ENOSPC ? ", cut short: raise LoadOptions.logSize" : ""}`,
    );
  }
  throw new LoadError(
    pos ? message : `${file}: ${message}`,
    errno,
    reason,
    text,
    index,
    pos,
    hint,
    notes,
  );
}

const ENOSPC = 28;

/** Instruction index of an 8-byte slot (the verifier numbers slots; a wide ld_imm64 takes two). */
function insnIndexOfSlot(insns: readonly Insn[], slot: number): number | undefined {
  let at = 0;
  for (let i = 0; i < insns.length; i++) {
    if (at === slot) return i;
    at += insns[i].code === LD_IMM64 ? 2 : 1;
    if (at > slot) return i;
  }
  return undefined;
}

function patchMapRef(insn: Insn, index: number, mapFds: readonly number[], file: string): Insn {
  if (insn.code !== LD_IMM64 || (insn.src !== PseudoLd.MAP_FD && insn.src !== PseudoLd.MAP_VALUE))
    return insn;
  const fd = mapFds[insn.imm];
  if (fd === undefined) {
    throw new KernelError(
      "E0805",
      `${file}: instruction ${index} refers to map #${insn.imm}, but ${mapFds.length} map(s) were given`,
      0,
      "pass the program's maps, in the order their indices refer to, as `maps`",
      insn.pos,
    );
  }
  return { ...insn, imm: fd };
}

function progName(name: string): Uint8Array {
  const out = new Uint8Array(16);
  out.set(new TextEncoder().encode(name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, 15)));
  return out;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end));
}
