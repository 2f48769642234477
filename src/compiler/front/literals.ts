// The literals of the source text: integers (with `_` separators and 0x/0b/0o prefixes, at most
// 64 bits) and strings (in `import` and `reads`), read into values or refused with E0306/E0307/E0311.
import { IochainError } from "../../diagnostics.js";
import type * as A from "./ast.js";

/** Parses an integer literal's text (with `_` separators and 0x/0b/0o prefixes). */
export function parseIntLiteral(text: string, where: A.Span): bigint {
  const digits = text.replace(/_/g, "");
  const forms: [RegExp, string][] = [
    [/^0x[0-9a-fA-F]+$/, "hexadecimal"],
    [/^0b[01]+$/, "binary"],
    [/^0o[0-7]+$/, "octal"],
    [/^[0-9]+$/, "decimal"],
  ];
  if (!forms.some(([re]) => re.test(digits)) || text.endsWith("_")) {
    const prefix = digits.slice(0, 2);
    const hint =
      prefix === "0x"
        ? "hexadecimal digits are 0-9 and a-f"
        : prefix === "0b"
          ? "binary digits are 0 and 1"
          : prefix === "0o"
            ? "octal digits are 0-7"
            : /^[0-9]+[A-Za-z_]/.test(digits)
              ? "names cannot start with a digit; numbers have no suffixes (write `5 as u8`)"
              : "write a decimal, 0x hexadecimal, 0b binary or 0o octal number";
    throw new IochainError("E0306", `malformed number \`${text}\``, where, hint);
  }
  const value = digits.startsWith("0o") ? BigInt(`0o${digits.slice(2)}`) : BigInt(digits);
  if (value > 0xffff_ffff_ffff_ffffn) {
    throw new IochainError(
      "E0307",
      `number \`${text}\` does not fit in 64 bits`,
      where,
      "the largest integer is 0xffff_ffff_ffff_ffff (u64)",
    );
  }
  return value;
}

/** A string literal's text (with its quotes) without its escapes: `\"` and `\\` only. */
export function unescapeString(quoted: string, where: A.Span): string {
  const raw = quoted.slice(1, -1);
  return raw.replace(/\\(.)/g, (whole, c: string) => {
    if (c === '"' || c === "\\") return c;
    throw new IochainError(
      "E0311",
      `unknown escape \`${whole}\` in a string`,
      where,
      'only `\\"` and `\\\\` are escapes',
    );
  });
}
