// A character cursor over one source line, shared by both assembler syntaxes. It knows the line's
// place in the file so every token it hands out, and every error it raises, carries a position.
import { BpfError } from "../../diagnostics.js";
import type { SourcePos } from "../../diagnostics.js";
import { fitsOff16 } from "../insn.js";

export class LineScanner {
  index = 0;

  constructor(
    readonly text: string,
    readonly file: string,
    readonly line: number,
  ) {}

  /** 1-based column of the cursor (or of `index` when given). */
  col(index = this.index): number {
    return index + 1;
  }

  posAt(start: number, end = this.index): SourcePos {
    return {
      file: this.file,
      line: this.line,
      col: start + 1,
      endLine: this.line,
      endCol: Math.max(end, start + 1) + 1,
    };
  }

  skipSpace(): void {
    const t = this.text;
    let i = this.index;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      // ASCII by code (\s there is 9..13 and 32); the rest through the regex's own idea of \s.
      if (c === 32 || (c >= 9 && c <= 13)) i++;
      else if (c < 128 || !/\s/.test(t[i])) break;
      else i++;
    }
    this.index = i;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.index >= this.text.length;
  }

  peek(): string {
    this.skipSpace();
    return this.text[this.index] ?? "";
  }

  /** The rest of the line from the cursor, for lookahead with regular expressions. */
  rest(): string {
    this.skipSpace();
    return this.text.slice(this.index);
  }

  /** Consumes `token` (after blanks) when it is next; returns whether it was. */
  eat(token: string): boolean {
    this.skipSpace();
    if (this.text.startsWith(token, this.index)) {
      this.index += token.length;
      return true;
    }
    return false;
  }

  expect(token: string, context: string): void {
    if (!this.eat(token))
      this.fail(`expected \`${token}\` ${context}, found ${this.describeNext()}`);
  }

  /** Consumes a regular expression match anchored at the cursor (the regex must not be global). */
  match(re: RegExp): { text: string; start: number; groups: RegExpMatchArray } | undefined {
    this.skipSpace();
    const m = re.exec(this.text.slice(this.index));
    if (!m || m.index !== 0) return undefined;
    const start = this.index;
    this.index += m[0].length;
    return { text: m[0], start, groups: m };
  }

  /** An identifier: letters, digits, `_`, `.`, `$`, not starting with a digit. */
  ident(): { text: string; start: number } | undefined {
    const m = this.match(/^[A-Za-z_.$][\w.$]*/);
    return m && { text: m.text, start: m.start };
  }

  /** A signed integer literal (decimal, 0x hex, 0b binary, 0o octal), as an exact bigint. */
  integer(): { value: bigint; start: number; text: string } | undefined {
    const m = this.match(/^([+-]?)\s*(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[0-9]+)(?![\w.])/);
    if (!m) return undefined;
    const magnitude = BigInt(m.groups[2].replace(/^0[oO]/, "0o"));
    return { value: m.groups[1] === "-" ? -magnitude : magnitude, start: m.start, text: m.text };
  }

  describeNext(): string {
    this.skipSpace();
    if (this.index >= this.text.length) return "end of line";
    const word = /^(\S+?)(?=[\s,\]\[)(]|$)/.exec(this.text.slice(this.index));
    return `\`${word ? word[1] : this.text[this.index]}\``;
  }

  fail(message: string, start = this.index, end?: number, code = "E0120"): never {
    this.skipSpace();
    const from = Math.min(start, this.text.length);
    throw new BpfError(code, message, this.posAt(from, end ?? Math.max(from + 1, from)));
  }

  expectEnd(context: string): void {
    if (!this.atEnd()) this.fail(`unexpected ${this.describeNext()} after ${context}`);
  }
}

const INT32_MIN = -(2n ** 31n);
const UINT32_MAX = 2n ** 32n - 1n;

/** A 32-bit immediate: any value that fits in 32 bits, signed or unsigned, stored signed. */
export function toImm32(
  value: bigint,
  scan: LineScanner,
  start: number,
  what = "immediate",
): number {
  if (value < INT32_MIN || value > UINT32_MAX) {
    scan.fail(`${what} ${value} does not fit in 32 bits`, start, scan.index, "E0121");
  }
  return Number(BigInt.asIntN(32, value));
}

/** A signed 16-bit offset (memory displacement or jump distance). */
export function toOff16(value: bigint, scan: LineScanner, start: number, what = "offset"): number {
  if (!fitsOff16(value)) {
    scan.fail(`${what} ${value} does not fit in a signed 16-bit field`, start, scan.index, "E0121");
  }
  return Number(value);
}

/** A 64-bit constant for ld_imm64: signed or unsigned 64-bit range. */
export function toImm64(value: bigint, scan: LineScanner, start: number): bigint {
  if (value < -(2n ** 63n) || value > 2n ** 64n - 1n) {
    scan.fail(`constant ${value} does not fit in 64 bits`, start, scan.index, "E0121");
  }
  return BigInt.asUintN(64, value);
}
