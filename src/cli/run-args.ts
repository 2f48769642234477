// `--arg NAME=VALUE` on the command line: decimal, 0x-hex, 0b-binary, negative, true/false.
import { IochainError } from "../diagnostics.js";
import type { ArgValue } from "../runtime/args.js";

const NUMBER = /^-?(0x[0-9a-f_]+|0b[01_]+|[0-9_]+)$/i;

export function parseArgValue(name: string, text: string): ArgValue {
  if (text === "true" || text === "false") return text === "true";
  if (!NUMBER.test(text)) {
    throw new IochainError(
      "E0910",
      `--arg ${name}=${text}: '${text}' is not a number`,
      undefined,
      "write decimal (42), hex (0x2a), binary (0b101), or true/false",
    );
  }
  const negative = text.startsWith("-");
  const digits = (negative ? text.slice(1) : text).replace(/_/g, "");
  const value = BigInt(digits);
  return negative ? -value : value;
}

/** Collects repeated `--arg` options (commander calls this once per occurrence). */
export function collectArg(
  pair: string,
  into: Record<string, ArgValue> = {},
): Record<string, ArgValue> {
  const eq = pair.indexOf("=");
  if (eq <= 0) {
    throw new IochainError(
      "E0910",
      `--arg '${pair}' is not NAME=VALUE`,
      undefined,
      "for example --arg key=42",
    );
  }
  const name = pair.slice(0, eq);
  if (Object.hasOwn(into, name)) {
    throw new IochainError("E0910", `--arg ${name} is given twice`);
  }
  return { ...into, [name]: parseArgValue(name, pair.slice(eq + 1)) };
}
