// File input/output shared by the commands, the runtime and the example generators: bounded reads with clear errors, atomic writes.
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { internalError, IochainError } from "./diagnostics.js";

/** The package (repository) root: the nearest directory above this module holding package.json. */
export function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  let dir = dirname(here);
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw internalError(`package.json not found above ${here}`);
    dir = up;
  }
}

/** Larger inputs are refused: no storage function, object or data listing is this big. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export function readInput(path: string, what = "input file", maxBytes = MAX_INPUT_BYTES): Buffer {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) {
      throw new IochainError(
        "E0902",
        `${path}: is a directory, not a ${what}`,
        undefined,
        `name a file`,
      );
    }
    size = st.size;
  } catch (err) {
    if (err instanceof IochainError) throw err;
    throw new IochainError(
      "E0901",
      `${path}: cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      undefined,
      "check the path and its permissions",
    );
  }
  if (size > maxBytes) {
    throw new IochainError(
      "E0903",
      `${path}: ${what} is ${size} bytes, more than the ${maxBytes}-byte limit`,
      undefined,
      "is this the right file?",
    );
  }
  return readFileSync(path);
}

export function readText(path: string, what = "source file", maxBytes = MAX_INPUT_BYTES): string {
  return readInput(path, what, maxBytes).toString("utf8");
}

/** Writes to a temporary file beside the target, then renames: a failure leaves nothing half-written. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new IochainError(
      "E0904",
      `${path}: cannot write output: ${(err as NodeJS.ErrnoException).code ?? err}`,
      undefined,
      "check that the directory exists and is writable",
    );
  }
}

/** Parses a hex string (spaces allowed) into bytes; E0905 on anything else. */
export function parseHex(text: string, what: string): Uint8Array {
  const clean = text.replace(/\s+/g, "").replace(/^0x/i, "");
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) {
    throw new IochainError(
      "E0905",
      `${what} is not an even-length hex string`,
      undefined,
      "write bytes as hex pairs, e.g. 00ff1a",
    );
  }
  return Uint8Array.from(Buffer.from(clean, "hex"));
}
