// A program broke the ABI it was compiled for: the runtime says so instead of misreading results.
import { IochainError } from "../diagnostics.js";

export function abiBroken(message: string, abi = "the sim/linux ABI (docs/abi.md)"): never {
  throw new IochainError(
    "E0931",
    message,
    undefined,
    `the program broke ${abi}; if iochain compiled it, this is a compiler bug`,
  );
}
