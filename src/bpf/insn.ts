// The instruction model: one record per instruction (a wide ld_imm64 is one record spanning two
// 8-byte slots), each able to carry the source position it came from, so that assembler errors,
// lint findings and verifier rejections can point back at the line that produced it.
import { BpfError, type SourcePos } from "../diagnostics.js";
import { LD_IMM64 } from "./opcodes.js";

export interface Insn {
  code: number; // opcode byte
  dst: number; // 0..15 as encoded; valid registers are 0..10
  src: number;
  off: number; // signed 16-bit
  imm: number; // signed 32-bit
  /** The second slot's imm (upper 32 bits) of a wide ld_imm64; present iff code === LD_IMM64. */
  imm2?: number;
  pos?: SourcePos;
}

export const INSN_BYTES = 8;

/** Whether `v` fits the signed 16-bit `off` field (a memory displacement or a jump distance). */
export const fitsOff16 = (v: number | bigint): boolean => v >= -32768 && v <= 32767;

export const isWide = (insn: Insn): boolean => insn.code === LD_IMM64;
export const slotCount = (insn: Insn): number => (isWide(insn) ? 2 : 1);

/** The 64-bit constant of a wide instruction, as an unsigned bigint. */
export function imm64Of(insn: Insn): bigint {
  return BigInt.asUintN(64, (BigInt(insn.imm2 ?? 0) << 32n) | BigInt(insn.imm >>> 0));
}

/** Splits a 64-bit constant into the imm/imm2 pair of ld_imm64 (both signed 32-bit). */
export function splitImm64(value: bigint): { imm: number; imm2: number } {
  const v = BigInt.asUintN(64, value);
  return { imm: Number(BigInt.asIntN(32, v)), imm2: Number(BigInt.asIntN(32, v >> 32n)) };
}

/** Slot index of each instruction, plus the total slot count as the last element. */
export function slotOffsets(insns: readonly Insn[]): number[] {
  const out = new Array<number>(insns.length + 1);
  let slot = 0;
  for (let i = 0; i < insns.length; i++) {
    out[i] = slot;
    slot += slotCount(insns[i]);
  }
  out[insns.length] = slot;
  return out;
}

export function encode(insns: readonly Insn[]): Uint8Array {
  const slots = slotOffsets(insns)[insns.length];
  const bytes = new Uint8Array(slots * INSN_BYTES);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const insn of insns) {
    view.setUint8(at, insn.code);
    view.setUint8(at + 1, ((insn.src & 0xf) << 4) | (insn.dst & 0xf));
    view.setInt16(at + 2, insn.off, true);
    view.setInt32(at + 4, insn.imm | 0, true);
    at += INSN_BYTES;
    if (isWide(insn)) {
      view.setInt32(at + 4, (insn.imm2 ?? 0) | 0, true);
      at += INSN_BYTES;
    }
  }
  return bytes;
}

/**
 * Splits bytecode into instructions. Checks only framing (whole slots, wide instructions complete);
 * opcode and operand validity is `validate`'s job so that a disassembler can still list bad code.
 */
export function decode(bytes: Uint8Array, file = "<bytecode>"): Insn[] {
  if (bytes.length % INSN_BYTES !== 0) {
    throw new BpfError(
      "E0101",
      `${file}: bytecode length ${bytes.length} is not a multiple of 8 (truncated instruction at byte ${bytes.length - (bytes.length % INSN_BYTES)})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const insns: Insn[] = [];
  for (let at = 0; at < bytes.length; at += INSN_BYTES) {
    const regs = view.getUint8(at + 1);
    const insn: Insn = {
      code: view.getUint8(at),
      dst: regs & 0xf,
      src: regs >> 4,
      off: view.getInt16(at + 2, true),
      imm: view.getInt32(at + 4, true),
    };
    if (isWide(insn)) {
      const slot = at / INSN_BYTES;
      if (at + INSN_BYTES >= bytes.length) {
        throw new BpfError(
          "E0102",
          `${file}: instruction ${slot}: lddw is cut in half (its second 8-byte slot is missing)`,
        );
      }
      const next = at + INSN_BYTES;
      if (
        view.getUint8(next) !== 0 ||
        view.getUint8(next + 1) !== 0 ||
        view.getInt16(next + 2, true) !== 0
      ) {
        throw new BpfError(
          "E0102",
          `${file}: instruction ${slot}: the second slot of lddw must have opcode, registers and offset 0`,
        );
      }
      insn.imm2 = view.getInt32(next + 4, true);
      at = next;
    }
    insns.push(insn);
  }
  return insns;
}

/** Parses the conformance data's `-- raw` form and similar dumps: one 64-bit hex word per slot. */
export function fromRawWords(words: readonly bigint[]): Uint8Array {
  const bytes = new Uint8Array(words.length * INSN_BYTES);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setBigUint64(i * INSN_BYTES, BigInt.asUintN(64, w), true));
  return bytes;
}
