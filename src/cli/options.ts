// Option parsing shared by the commands, with diagnostics instead of commander's bare errors.
import { IochainError } from "../diagnostics.js";

export function parseChoice<T extends string>(
  option: string,
  value: string,
  choices: readonly T[],
): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new IochainError(
    "E0907",
    `${option} must be one of ${choices.join(", ")}, not '${value}'`,
    undefined,
    `try ${option} ${choices[0]}`,
  );
}

export function parseCount(
  option: string,
  value: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new IochainError(
      "E0908",
      `${option} must be a whole number from ${min} to ${max}, not '${value}'`,
    );
  }
  return n;
}
