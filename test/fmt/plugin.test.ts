// The formatter on every example, stdlib module and compiler fixture: formatting twice changes
// nothing the second time, every comment is kept in order, and each program compiles to the same
// instructions as before (modules: the same tokens). And `iochain fmt` as a user runs it.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatIoc } from "../../src/fmt/format.js";
import { compile } from "../../src/compiler/pipeline.js";
import { repoRoot, runCli } from "../support/cli.js";

const files = ["examples", "stdlib", "test/compiler/fixtures"]
  .flatMap((dir) =>
    readdirSync(path.join(repoRoot, dir), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".ioc"))
      .map((f) => path.join(dir, f)),
  )
  .sort();

/** Comments in order (line comments and block comments), and the code's tokens without blanks. */
function split(source: string): { comments: string[]; code: string } {
  const comments: string[] = [];
  const code = source.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"/g, (m) => {
    if (m.startsWith('"')) return m.replace(/\s/g, "\u0000");
    comments.push(m.trim());
    return " ";
  });
  return { comments, code: code.replace(/\s+/g, "") };
}

describe("iochain fmt (the prettier plugin)", () => {
  it("has the files to format", () => {
    expect(files.length).toBeGreaterThanOrEqual(80);
  });

  for (const rel of files) {
    it(`${rel}: idempotent, comments kept, same program`, async () => {
      const file = path.join(repoRoot, rel);
      const source = readFileSync(file, "utf8");
      const once = await formatIoc(source);
      const twice = await formatIoc(once);
      expect(twice).toBe(once);
      const before = split(source);
      const after = split(once);
      expect(after.comments).toEqual(before.comments);
      expect(after.code).toBe(before.code);
      if (/^\s*storage\s+fn\b/m.test(source)) {
        let original;
        try {
          original = compile(source, file);
        } catch {
          return; // a fixture that is not meant to compile (its errors are the point)
        }
        expect(compile(once, file).insns).toEqual(original.insns);
      }
    });
  }

  const tmp = mkdtempSync(path.join(tmpdir(), "iochain-fmt-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("iochain fmt rewrites in place; --check reports and exits 1; - uses stdin and stdout", () => {
    const messy =
      "storage fn f(a: u64) -> u64 block 512 {\n  if a >   1 {\n        return a;   // big\n}\n\n\n   return 0;\n}\n";
    const want =
      "storage fn f(a: u64) -> u64 block 512 {\n    if a > 1 {\n        return a;   // big\n    }\n\n    return 0;\n}\n";
    const file = path.join(tmp, "messy.ioc");
    writeFileSync(file, messy);
    const check = runCli(["fmt", "--check", file]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("messy.ioc: not formatted");
    expect(readFileSync(file, "utf8")).toBe(messy);
    expect(runCli(["fmt", file]).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(want);
    expect(runCli(["fmt", "--check", file]).code).toBe(0);
    const piped = runCli(["fmt", "-"], messy);
    expect(piped.stdout).toBe(want);
  });
});
