// The stdlib parsed at build time gives the very AST a parse gives, spans relabelled, and only
// for the text it was built from.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseModule } from "../../../src/compiler/front/parse.js";
import { PREBUILT_PATH, prebuiltModule } from "../../../src/compiler/front/stdlib-prebuilt.js";
import { repoRoot } from "../../support/cli.js";

const built = existsSync(path.join(repoRoot, PREBUILT_PATH));
if (!built) console.log(`skipped: ${PREBUILT_PATH} is not built (npm run build)`);

describe.skipIf(!built)("stdlib parsed at build time", () => {
  const dir = path.join(repoRoot, "stdlib");
  const names = readdirSync(dir).filter((n) => n.endsWith(".ioc"));

  it.each(names)("%s: the same AST as parsing it, with this compile's file name", (name) => {
    const key = path.join(dir, name);
    const source = readFileSync(key, "utf8");
    const file = `stdlib/${name}`;
    expect(prebuiltModule(source, file, key)).toEqual(parseModule(source, file));
  });

  it("is not used for edited text or for a module outside the stdlib", () => {
    const key = path.join(dir, names[0]);
    const source = readFileSync(key, "utf8");
    expect(prebuiltModule(source + "\n// edited\n", "x", key)).toBeUndefined();
    expect(prebuiltModule(source, "x", path.join(repoRoot, "elsewhere", names[0]))).toBeUndefined();
  });
});
