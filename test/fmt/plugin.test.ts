// The formatter on every example, stdlib module and compiler fixture, at the default width and at a
// narrow one that breaks most statements: formatting twice changes nothing the second time, every
// comment is kept in order, and each program compiles to the same instructions as before (their
// source positions aside; modules: the same tokens). And `iochain fmt` as a user runs it.
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

/** A printWidth that breaks most statements of the corpus. */
const NARROW = 40;

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
      // At a narrow width most statements break: still idempotent, the same tokens and comments.
      const narrow = await formatIoc(source, NARROW);
      expect(await formatIoc(narrow, NARROW)).toBe(narrow);
      expect(split(narrow)).toEqual(before);
      if (/^\s*storage\s+fn\b/m.test(source)) {
        let original;
        try {
          original = compile(source, file);
        } catch {
          return; // a fixture that is not meant to compile (its errors are the point)
        }
        // The same instructions; their source positions move with the code (lines broken/joined).
        const bare = (insns: typeof original.insns) => insns.map(({ pos: _pos, ...insn }) => insn);
        expect(bare(compile(once, file).insns)).toEqual(bare(original.insns));
        expect(bare(compile(narrow, file).insns)).toEqual(bare(original.insns));
      }
    });
  }

  it("breaks long lines at printWidth: calls, binary expressions, headers, scans, field lists", async () => {
    const long = [
      "layout Entry: little { key_hash: u64, value_offset: u64, value_length: u32, flags: u32 }",
      'storage fn find(key: u64, seed: u64) -> u64 reads "table.db" block 4096 max_chain 8 {',
      "    output { key: u64, ptr: u64 } capacity 32;",
      "    let h = mix(key ^ seed, seed + 0x9e3779b97f4a7c15, key * 31 + seed * 17, seed >> 3); // hash",
      "    if (u64le at 0) == key && (u64le at 8) != seed && (u32le at 16) as u64 > key + seed + 1 {",
      "        return h;",
      "    }",
      "    scan i in 0 .. (u32le at 0) max 60 let k = u64le at (8 + i * 8) filter k >= key emit { key: k, ptr: h };",
      "    return;",
      "}",
      "",
    ].join("\n");
    const out = await formatIoc(long, 60);
    for (const l of out.split("\n"))
      if (!l.includes("//")) expect(l.length, l).toBeLessThanOrEqual(60);
    expect(await formatIoc(out, 60)).toBe(out);
    expect(split(out)).toEqual(split(long));
    expect(out).toContain(
      [
        "    let h = mix(",
        "        key ^ seed,",
        "        seed + 0x9e3779b97f4a7c15,",
        "        key * 31 + seed * 17,",
        "        seed >> 3,".slice(0, -1),
        "    ); // hash",
      ].join("\n"),
    );
    expect(out).toContain(
      'storage fn find(key: u64, seed: u64) -> u64\n    reads "table.db"\n    block 4096\n    max_chain 8\n{',
    );
    expect(out).toContain(
      "    scan i in 0 .. (u32le at 0) max 60\n        let k = u64le at (8 + i * 8)\n        filter k >= key\n",
    );
    expect(out).toContain(
      "layout Entry: little {\n    key_hash:     u64,\n    value_offset: u64,\n",
    );
    expect(out).toMatch(/if \(u64le at 0\) == key &&\n {8}\(u64le at 8\) != seed &&/);
    // The same text at the default width of 100 breaks less, and an untouched short line stays.
    const wide = await formatIoc(long);
    expect(wide.split("\n").length).toBeLessThan(out.split("\n").length);
    expect(wide).toContain("    output { key: u64, ptr: u64 } capacity 32;\n");
  });

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

  it("refuses a text that does not parse, with its syntax error, and leaves the file alone", () => {
    const broken = "storage fn f( block 64 {\n  return;\n}\n";
    const file = path.join(tmp, "broken.ioc");
    writeFileSync(file, broken);
    for (const args of [
      ["fmt", file],
      ["fmt", "--check", file],
    ]) {
      const r = runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/broken\.ioc:1:21: error\[E0301\]: expected `:`, found `64`/);
      expect(r.stderr).toContain("1 | storage fn f( block 64 {");
    }
    expect(readFileSync(file, "utf8")).toBe(broken);
    const piped = runCli(["fmt", "-"], "\x1b]0;title\x07" + broken);
    expect(piped.code).toBe(2);
    expect(piped.stdout).toBe("");
    expect(piped.stderr).toMatch(/<stdin>:1:1: error\[E0305\]: unexpected character `U\+001B`/);
    expect(piped.stderr).not.toContain("\x1b");
  });
});
