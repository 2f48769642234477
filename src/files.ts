// File input/output shared by the commands, the runtime and the example generators: bounded reads with clear errors, atomic writes.
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from "node:fs";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { internalError, IochainError } from "./diagnostics.js";

let rootFound: { from: string; root: string } | undefined;

/** The package (repository) root: the nearest directory above this module holding package.json. */
export function packageRoot(): string {
  // Found once per module location (the start-up snapshot moves it: src/cli/snapshot.ts).
  if (rootFound?.from === import.meta.url) return rootFound.root;
  const root = findPackageRoot();
  rootFound = { from: import.meta.url, root };
  return root;
}

function findPackageRoot(): string {
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

/** `-` names standard input (for an input) or standard output (for `-o`). */
export const STDIO = "-";

/** What a non-regular file is, in words for a message ("a character device"). */
export function fileKind(st: Stats): string {
  if (st.isFile()) return "a regular file";
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function notRegular(path: string, st: Stats, what: string, stdinToo: boolean): IochainError {
  return new IochainError(
    "E0902",
    `${path}: is ${fileKind(st)}, not a regular file (the ${what})`,
    undefined,
    st.isDirectory()
      ? "name a file in it"
      : `name a regular file${what.includes("data") ? "" : ", or - for standard input"}`,
  );
}

function cannotRead(path: string, what: string, err: unknown): IochainError {
  return new IochainError(
    "E0901",
    `${path}: cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    undefined,
    "check the path and its permissions",
  );
}

/**
 * Opens a regular file for reading, refusing anything else before it can hang or stream without
 * end: a FIFO's open would block (hence the stat first and O_NONBLOCK), a character device such
 * as /dev/zero never ends. E0902 names what the path is; E0901 carries the system's reason.
 */
export function openRegularFile(path: string, what: string, flags = 0, stdinToo = false): number {
  if (path === STDIO)
    throw new IochainError(
      "E0902",
      `- (standard input) cannot be the ${what}: it is read at offsets, not from start to end`,
      undefined,
      "name a regular file",
    );
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw cannotRead(path, what, err);
  }
  if (!st.isFile()) throw notRegular(path, st, what, stdinToo);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | flags);
  } catch (err) {
    throw cannotRead(path, what, err);
  }
  // The path may have been replaced between the stat and the open.
  const again = fstatSync(fd);
  if (!again.isFile()) {
    closeSync(fd);
    throw notRegular(path, again, what, stdinToo);
  }
  return fd;
}

function tooLarge(
  path: string,
  what: string,
  size: number | string,
  maxBytes: number,
): IochainError {
  return new IochainError(
    "E0903",
    `${path}: ${what} is ${size} bytes, more than the ${maxBytes}-byte limit`,
    undefined,
    "is this the right file?",
  );
}

/** Reads fd to its end, never more than maxBytes: a file that grows while read is refused too. */
function readBounded(fd: number, path: string, what: string, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Standard input set non-blocking by the shell: wait for it rather than fail.
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      throw cannotRead(path, what, err);
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw tooLarge(path, what, `more than ${maxBytes}`, maxBytes);
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
}

/** A whole input file (or standard input for `-`), refused if not a regular file or too large. */
export function readInput(path: string, what = "input file", maxBytes = MAX_INPUT_BYTES): Buffer {
  if (path === STDIO) return readBounded(0, "<stdin>", what, maxBytes);
  const fd = openRegularFile(path, what, 0, true);
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw tooLarge(path, what, size, maxBytes);
    return readBounded(fd, path, what, maxBytes);
  } finally {
    closeSync(fd);
  }
}

/** The name an input goes by in messages: `<stdin>` for `-`. */
export const inputName = (path: string): string => (path === STDIO ? "<stdin>" : path);

/** Texts read so far, by inputName: diagnostics quote their lines without reading a path again. */
const textsRead = new Map<string, string>();

/** Forgets the texts read (the start-up snapshot's warm-up must not keep its example's). */
export function forgetTextsRead(): void {
  textsRead.clear();
}

export function readText(path: string, what = "source file", maxBytes = MAX_INPUT_BYTES): string {
  const text = readInput(path, what, maxBytes).toString("utf8");
  textsRead.set(inputName(path), text);
  return text;
}

/** A text read before (readText), else the file's text if it is a regular file, else undefined. */
export function sourceText(name: string): string | undefined {
  const known = textsRead.get(name);
  if (known !== undefined) return known;
  try {
    return readText(name);
  } catch {
    return undefined;
  }
}

/** `-o -` writes to standard output; any other path is written atomically. */
export function writeOutput(path: string, data: Uint8Array | string): void {
  if (path === STDIO) {
    writeStdout(typeof data === "string" ? Buffer.from(data) : data);
    return;
  }
  writeFileAtomic(path, data);
}

/** A synchronous, complete write to fd 1 (a pipe may take it in pieces). */
function writeStdout(bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done, bytes.length - done);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === "EPIPE") return; // the reader left (`| head`): nothing more to say
      throw new IochainError("E0904", `<stdout>: cannot write output: ${code ?? err}`);
    }
  }
}

/**
 * Writes to a temporary file beside the target, then renames: a failure leaves nothing
 * half-written. `durable` also fsyncs before the rename, so that a power loss cannot leave an
 * empty file in place of the old one: for files that cannot be made again (fmt rewriting a
 * source). Outputs a command makes again (objects, listings, cache entries) skip it, as
 * compilers do: it was the largest single cost of a cold compile after the compiler itself.
 */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  { durable = false }: { durable?: boolean } = {},
): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
      if (durable) fsyncSync(fd);
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
