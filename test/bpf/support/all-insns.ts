// Every valid RFC 9669 instruction form, each with a few operand values (negative, zero, positive,
// extreme), for exhaustive printer/parser checks. Jump distances stay inside a program built of
// these instructions followed by `exit`.
import { splitImm64, type Insn } from "../../../src/bpf/insn.js";

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({
  code,
  dst,
  src,
  off,
  imm,
});

export function allValidInsns(): Insn[] {
  const out: Insn[] = [];
  const imms = [0, 1, -5, 0x7fffffff, -0x80000000];
  for (const cls of [0x04, 0x07]) {
    for (const op of [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0]) {
      for (const imm of imms) out.push(I(cls | op, 1, 0, 0, imm));
      out.push(I(cls | op | 0x08, 2, 3));
      out.push(I(cls | op | 0x08, 10 - 1, 0));
      if (op === 0x30 || op === 0x90) {
        out.push(I(cls | op, 4, 0, 1, -7));
        out.push(I(cls | op | 0x08, 4, 5, 1));
      }
    }
    out.push(I(cls | 0x80, 6));
    for (const w of cls === 0x07 ? [8, 16, 32] : [8, 16]) out.push(I(cls | 0xb8, 7, 8, w));
    for (const w of [16, 32, 64]) {
      out.push(I(cls | 0xd0, 1, 0, 0, w));
      if (cls === 0x04) out.push(I(0xdc, 2, 0, 0, w));
    }
  }
  for (const size of [0x00, 0x08, 0x10, 0x18]) {
    for (const off of [0, 8, -8, 0x7fff, -0x8000]) {
      out.push(I(0x61 | size, 1, 10, off));
      if (size !== 0x18) out.push(I(0x81 | size, 2, 3, off));
      out.push(I(0x62 | size, 10, 0, off, -1));
      out.push(I(0x63 | size, 1, 2, off));
    }
    out.push(I(0x62 | size, 1, 0, 4, 0x12345678));
  }
  for (const size of [0x00, 0x18]) {
    for (const imm of [0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1]) {
      out.push(I(0xc3 | size, 1, 2, -16, imm));
      out.push(I(0xc3 | size, 10, 3, 24, imm));
    }
  }
  for (const value of [
    0n,
    1n,
    0x1122334455667788n,
    0x8877665544332211n,
    0xffffffffn,
    0x100000000n,
    -1n,
  ]) {
    out.push({ ...I(0x18, 3), ...splitImm64(value) });
  }
  for (const src of [1, 2, 3, 5, 6]) out.push({ ...I(0x18, 1, src, 0, 7), imm2: 0 });
  out.push({ ...I(0x18, 1, 2, 0, 7), imm2: 16 });
  // Control flow: distances that stay inside the final program are fixed up below.
  for (const cls of [0x05, 0x06]) {
    for (const op of [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]) {
      out.push(I(cls | op, 1, 0, 1, -3));
      out.push(I(cls | op | 0x08, 4, 9, 0));
      out.push(I(cls | op, 0, 0, -2, 0x7fffffff));
    }
  }
  out.push(I(0x05, 0, 0, 1), I(0x05, 0, 0, -1), I(0x06, 0, 0, 0, 2), I(0x06, 0, 0, 0, -3));
  out.push(I(0x85, 0, 0, 0, 1), I(0x85, 0, 0, 0, 212), I(0x85, 0, 1, 0, -1), I(0x85, 0, 1, 0, 2));
  out.push(I(0x85, 0, 2, 0, 77), I(0x8d, 3));
  out.push(I(0x95));
  return out;
}
