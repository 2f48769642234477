// The stdlib parsed at build time (scripts/stdlib-ast.mjs writes dist/stdlib-ast.v8): a process's
// first compile takes the stdlib modules' ASTs from there instead of parsing them, which was most
// of a cold compile's front end. An entry is used only when the module's text is the text it was
// built from; its spans are relabelled with the file name this compile prints.
import { readFileSync } from "node:fs";
import path from "node:path";
import { deserialize } from "node:v8";
import { packageRoot } from "../../files.js";
import type * as A from "./ast.js";

/** The file name the build gives every span; replaced on the way out. */
export const PREBUILT_FILE = "\u0000stdlib";

/** The file the build writes, relative to the package root. */
export const PREBUILT_PATH = "dist/stdlib-ast.v8";

type Prebuilt = Record<string, { source: string; ast: A.Module }>;

let loaded: Prebuilt | null | undefined;

function prebuilt(): Prebuilt | null {
  if (loaded === undefined) {
    try {
      loaded = deserialize(readFileSync(path.join(packageRoot(), PREBUILT_PATH))) as Prebuilt;
    } catch {
      loaded = null; // not built (a test from source): parse as before
    }
  }
  return loaded;
}

/** The stdlib module at `key` (an absolute path) with this text, as the build parsed it, or none. */
export function prebuiltModule(source: string, file: string, key: string): A.Module | undefined {
  const dir = path.join(packageRoot(), "stdlib");
  if (path.dirname(key) !== dir) return undefined;
  const entry = prebuilt()?.[path.basename(key)];
  if (!entry || entry.source !== source) return undefined;
  // A copy: the checker writes into the AST it gets (module-cache.ts keeps its own clean copy).
  const ast = structuredClone(entry.ast);
  relabel(ast, file);
  return ast;
}

/** Sets `file` on every span that carries the build's placeholder. */
function relabel(root: unknown, file: string): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (o.file === PREBUILT_FILE) o.file = file;
    for (const k of Object.keys(o)) stack.push(o[k]);
  }
}
