// Input paths that are not regular files are refused before they can hang or grow without end;
// `-` reads standard input through the same byte limit.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { IochainError } from "../src/diagnostics.js";
import { openRegularFile, readInput, readText, sourceText } from "../src/files.js";
import { tempDir } from "./support/tmp.js";

const dir = tempDir("iochain-files-");

function refusal(f: () => unknown): IochainError {
  try {
    f();
  } catch (err) {
    if (err instanceof IochainError) return err;
    throw err;
  }
  throw new Error("expected an IochainError");
}

describe("readInput", () => {
  it("refuses a character device at once, naming it (it used to read /dev/zero without end)", () => {
    const start = Date.now();
    const err = refusal(() => readInput("/dev/zero", "iochain source"));
    expect(err.code).toBe("E0902");
    expect(err.message).toBe(
      "/dev/zero: is a character device, not a regular file (the iochain source)",
    );
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it("refuses a FIFO without opening it for a blocking read", () => {
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(refusal(() => readInput(fifo)).message).toMatch(/is a FIFO, not a regular file/);
    expect(refusal(() => openRegularFile(fifo, "data file")).code).toBe("E0902");
  });

  it("refuses a directory and says so", () => {
    const err = refusal(() => readInput(dir, "program"));
    expect(err.code).toBe("E0902");
    expect(err.message).toMatch(/is a directory/);
  });

  it("refuses a file over the limit with E0903 and reads one within it", () => {
    const big = path.join(dir, "big");
    writeFileSync(big, Buffer.alloc(100));
    expect(refusal(() => readInput(big, "input", 99)).code).toBe("E0903");
    expect(readInput(big, "input", 100).length).toBe(100);
  });

  it("- is standard input for whole-file inputs, never for a file read at offsets", () => {
    expect(refusal(() => openRegularFile("-", "data file")).message).toMatch(
      /^- \(standard input\) cannot be the data file/,
    );
  });

  it("a missing file is E0901 with the system's reason", () => {
    expect(refusal(() => readInput(path.join(dir, "none"))).message).toMatch(/ENOENT/);
  });

  it("keeps what it read for diagnostics to quote", () => {
    const src = path.join(dir, "kept.ioc");
    writeFileSync(src, "line one\n");
    expect(readText(src)).toBe("line one\n");
    writeFileSync(src, "changed\n");
    expect(sourceText(src)).toBe("line one\n");
  });
});
