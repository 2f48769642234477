// Where the grammar comes from. grammar/iochain.ohm is the source of truth; building an ohm
// grammar from its text costs ~150 ms (ohm parses it with its own grammar), most of a cold
// compile. So grammar/iochain.recipe.json holds the same grammar serialised by ohm (`toRecipe`),
// which builds in a few ms. The recipe embeds the grammar text it was made from: a recipe that
// does not match the .ohm (the grammar was edited, the recipe not regenerated) is ignored.
// Regenerate with `npm run update-snapshots` (test/compiler/grammar-recipe.test.ts writes it).
import { readFileSync } from "node:fs";
import path from "node:path";
import * as ohm from "ohm-js";
import { packageRoot } from "../../files.js";

export const grammarPath = (root = packageRoot()): string =>
  path.join(root, "grammar", "iochain.ohm");
export const recipePath = (root = packageRoot()): string =>
  path.join(root, "grammar", "iochain.recipe.json");

// ohm-js 17 exports both but its type declarations omit them.
const recipes = ohm as unknown as { makeRecipe(recipe: unknown): ohm.Grammar };
type WithRecipe = ohm.Grammar & { toRecipe(): string };

/** The grammar text the recipe was made from (ohm keeps it as `source` in its meta info: the
 * `Iochain { ... }` block, without the comments above it). */
function recipeSource(recipe: unknown): string | undefined {
  if (!Array.isArray(recipe)) return undefined;
  const meta = recipe[1] as { source?: unknown } | undefined;
  return typeof meta?.source === "string" ? meta.source : undefined;
}

/** The iochain grammar: from the recipe when it is current, else built from the .ohm text. */
export function loadGrammar(root = packageRoot()): ohm.Grammar {
  const text = readFileSync(grammarPath(root), "utf8");
  let recipe: unknown;
  try {
    recipe = JSON.parse(readFileSync(recipePath(root), "utf8"));
  } catch {
    recipe = undefined; // missing or unreadable: build from the text
  }
  const source = recipeSource(recipe);
  if (source !== undefined && text.includes(source)) return recipes.makeRecipe(recipe);
  return ohm.grammar(text);
}

/** The recipe of the grammar in grammar/iochain.ohm, as grammar/iochain.recipe.json holds it. */
export function grammarRecipe(root = packageRoot()): string {
  const grammar = ohm.grammar(readFileSync(grammarPath(root), "utf8")) as WithRecipe;
  return grammar.toRecipe() + "\n";
}
