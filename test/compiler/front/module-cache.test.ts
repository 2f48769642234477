// The cache of parsed imported modules: a hit gives the same AST as a fresh parse, never one the
// checker already wrote into; changed text, another display path or a syntax error is parsed anew.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { checkProgram } from "../../../src/compiler/check/check.js";
import {
  clearModuleCache,
  cloneTree,
  parseImportedModule,
} from "../../../src/compiler/front/module-cache.js";
import { parseModule } from "../../../src/compiler/front/parse.js";
import { IochainError } from "../../../src/diagnostics.js";

const searchPath = path.resolve("stdlib/search.ioc");
const search = readFileSync(searchPath, "utf8");

describe("module cache", () => {
  beforeEach(() => clearModuleCache());

  it("hands out equal, separate copies of one parse", () => {
    const a = parseImportedModule(search, "stdlib/search.ioc", searchPath);
    const b = parseImportedModule(search, "stdlib/search.ioc", searchPath);
    expect(b).toEqual(parseModule(search, "stdlib/search.ioc"));
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    expect(b.items[0]).not.toBe(a.items[0]);
    (a.items[0] as { checked?: boolean }).checked = true; // what the checker does to its copy
    expect(
      parseImportedModule(search, "stdlib/search.ioc", searchPath).items[0],
    ).not.toHaveProperty("checked");
  });

  it("parses again when the text or the printed path differs", () => {
    parseImportedModule(search, "stdlib/search.ioc", searchPath);
    const edited = search.replace("pub fn", "pub fn extra() -> u64 { return 1; }\npub fn");
    const m = parseImportedModule(edited, "stdlib/search.ioc", searchPath);
    expect(m.items.length).toBe(parseModule(search, "x").items.length + 1);
    const moved = parseImportedModule(search, "../elsewhere/search.ioc", searchPath);
    expect(moved.items[0].span.file).toBe("../elsewhere/search.ioc");
  });

  it("caches no syntax error: a fixed file parses", () => {
    const bad = "pub fn f() -> u64 { return 1 }";
    for (let k = 0; k < 2; k++)
      expect(() => parseImportedModule(bad, "m.ioc", "/m.ioc")).toThrow(IochainError);
    expect(parseImportedModule(bad.replace("1 }", "1; }"), "m.ioc", "/m.ioc").items).toHaveLength(
      1,
    );
  });

  it("keeps nodes the parser shares shared in the copy", () => {
    const shared = { name: "k" };
    const tree = { a: shared, b: [shared, 5n, undefined], c: "s" };
    const copy = cloneTree(tree);
    expect(copy).toEqual(tree);
    expect(copy.a).not.toBe(shared);
    expect(copy.b[0]).toBe(copy.a);
  });

  const dir = mkdtempSync(path.join(tmpdir(), "iochain-cache-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a program checks the same on every compile, and sees an edited import", () => {
    const mod = path.join(dir, "keys.ioc");
    const main = path.join(dir, "main.ioc");
    writeFileSync(mod, "pub const K: u64 = 7;\npub fn twice(x: u64) -> u64 { return x * 2; }\n");
    const src = 'import "./keys.ioc";\nstorage fn f() -> u64 { return keys::twice(keys::K); }\n';
    writeFileSync(main, src);
    const first = checkProgram(src, main);
    const second = checkProgram(src, main);
    const key = [...first.modules.keys()].find((k) => k.endsWith("keys.ioc"))!;
    expect(second.modules.get(key)!.ast).not.toBe(first.modules.get(key)!.ast);
    expect(second.modules.get(key)!.ast).toEqual(first.modules.get(key)!.ast);

    writeFileSync(mod, "pub const K: u64 = 7;\n");
    let codes: string[] = [];
    try {
      checkProgram(src, main);
    } catch (err) {
      codes = (err as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code);
    }
    expect(codes).toEqual(["E0401"]);
  });
});
