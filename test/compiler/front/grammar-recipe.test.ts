// grammar/iochain.recipe.json is ohm's serialisation of grammar/iochain.ohm (src/compiler/front/grammar.ts
// says why). This test keeps it current: `npm run update-snapshots` rewrites it from the .ohm.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { grammarRecipe, loadGrammar } from "../../../src/compiler/front/grammar.js";
import { packageRoot } from "../../../src/files.js";

describe("grammar recipe", () => {
  it("is the recipe of grammar/iochain.ohm", async () => {
    await expect(grammarRecipe()).toMatchFileSnapshot("../../../grammar/iochain.recipe.json");
  });

  const dir = mkdtempSync(path.join(tmpdir(), "iochain-grammar-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a recipe made from other grammar text is ignored", () => {
    mkdirSync(path.join(dir, "grammar"));
    const text = readFileSync(path.join(packageRoot(), "grammar", "iochain.ohm"), "utf8");
    // The recipe is current for the real grammar; the copy's .ohm accepts one more item.
    writeFileSync(
      path.join(dir, "grammar", "iochain.recipe.json"),
      readFileSync(path.join(packageRoot(), "grammar", "iochain.recipe.json")),
    );
    const edited = text
      .replace("Item = Import | Const", "Item = Import | Extra | Const")
      .replace("Module = Item*", 'Module = Item*\n  Extra = "extra" ";"');
    expect(edited).not.toBe(text);
    writeFileSync(path.join(dir, "grammar", "iochain.ohm"), edited);
    expect(loadGrammar(dir).match("extra;").succeeded()).toBe(true);
    expect(loadGrammar(packageRoot()).match("extra;").succeeded()).toBe(false);
  });

  it("a missing or broken recipe falls back to the .ohm text", () => {
    writeFileSync(path.join(dir, "grammar", "iochain.recipe.json"), "{ not json");
    expect(loadGrammar(dir).match("extra;").succeeded()).toBe(true);
    rmSync(path.join(dir, "grammar", "iochain.recipe.json"));
    expect(loadGrammar(dir).match("extra;").succeeded()).toBe(true);
  });
});
