// Shared by the example tests: corrupt-file checks and key sampling. Not a test file itself.
import { expect } from "vitest";
import { IochainError } from "../../src/diagnostics.js";
import { Rng } from "../../src/datagen/rng.js";

/** f must throw an IochainError with this code (never a host error such as RangeError). */
export function expectCode(f: () => unknown, code: string): IochainError {
  try {
    f();
  } catch (err) {
    if (!(err instanceof IochainError)) throw err;
    expect(err.code).toBe(code);
    return err;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** Runs f on `rounds` copies of `bytes` with random bytes changed: each run returns or throws E0934. */
export function fuzzCorruption(
  bytes: Uint8Array,
  rounds: number,
  f: (b: Uint8Array) => unknown,
  seed = 7,
): number {
  const rng = new Rng(seed);
  let corrupt = 0;
  for (let r = 0; r < rounds; r++) {
    const b = bytes.slice(0, rng.below(8) === 0 ? rng.below(bytes.length + 1) : bytes.length);
    for (let n = rng.between(1, 8); n > 0 && b.length > 0; n--)
      b[rng.below(b.length)] = rng.u32() & 0xff;
    try {
      f(b);
    } catch (err) {
      if (!(err instanceof IochainError) || err.code !== "E0934") throw err;
      corrupt++;
    }
  }
  return corrupt;
}

/** Keys around the present ones: each key ±1 (when absent), 0, the u64 maximum. */
export function absentKeys(keys: readonly bigint[], limit = (1n << 64n) - 1n): bigint[] {
  const present = new Set(keys);
  const out = new Set<bigint>([0n, limit]);
  for (const k of keys) {
    if (k > 0n) out.add(k - 1n);
    if (k < limit) out.add(k + 1n);
  }
  return [...out].filter((k) => !present.has(k));
}
