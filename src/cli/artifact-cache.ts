// Compiling a source file for the commands, through a content-addressed cache of compiled
// artifacts in $XDG_CACHE_HOME/iochain (else ~/.cache/iochain), so that `iochain run` of an
// unchanged program starts at once. The key hashes what decides the artifact: the compiler's
// build, the file's name as given and its text, the target and the options, and the bound extent
// table; an entry also records every module the compile read (imports, the stdlib) with the hash
// of its text, and is used only while they are unchanged. The compiler itself is imported only
// on a miss. A cache that cannot be read or written is passed over: it never fails a command.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import type { ProgramArtifact } from "../abi/artifact.js";
import type { ExtentTable } from "../abi/extents.js";
import type { Diagnostic } from "../diagnostics.js";
import { inputName, readText, writeFileAtomic } from "../files.js";
import { formatDiagnostic } from "./report.js";

export type CompileTarget = "sim" | "linux" | "xrp";

export interface CompileRequest {
  file: string;
  target?: CompileTarget;
  unsafeNoBoundsChecks?: boolean;
  /** An extent table file to bind the program to (--bind-extents). */
  bindExtents?: string;
  /** Sees the IR after each stage: such a compile bypasses the cache. */
  dump?: (stage: string, text: string) => void;
  /** False for --no-cache. */
  cache?: boolean;
  /** --verbose: say on standard error whether the cache hit. */
  verbose?: boolean;
}

interface Entry {
  /** Every module the compile read, with the sha256 of its text. */
  modules: [string, string][];
  warnings: Diagnostic[];
  artifact: ProgramArtifact;
}

const sha256 = (text: string | Uint8Array): string =>
  createHash("sha256").update(text).digest("hex");

/** $XDG_CACHE_HOME/iochain, else ~/.cache/iochain (the XDG base directory default). */
export function cacheDir(env = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(homedir(), ".cache");
  return path.join(base, "iochain");
}

/** Which compiler this is: the package version and the built compiler's file (rebuilt: new key). */
function compilerId(): string {
  // This module is rewritten by every build (tsc or the bundle): its stat names the build.
  const pipeline = fileURLToPath(import.meta.url);
  try {
    const st = statSync(pipeline);
    return `0.1.0:${st.size}:${st.mtimeMs}`;
  } catch {
    return "0.1.0";
  }
}

const extentKey = (t: ExtentTable | undefined): string =>
  t === undefined
    ? ""
    : JSON.stringify(t, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));

/** Compiles FILE (or takes it from the cache); warnings are printed either way. */
export async function compileFile(
  req: CompileRequest,
): Promise<{ artifact: ProgramArtifact; source: string }> {
  const source = readText(req.file, "iochain source");
  const name = inputName(req.file);
  let extents: ExtentTable | undefined;
  if (req.bindExtents !== undefined) {
    const { parseExtentJson } = await import("../runtime/extents.js");
    extents = parseExtentJson(readText(req.bindExtents, "extent table"), req.bindExtents);
  }
  const say = (text: string): void => {
    if (req.verbose) process.stderr.write(`note: ${text}\n`);
  };
  const warn = (d: Diagnostic): void => {
    process.stderr.write(formatDiagnostic(d, false) + "\n");
  };
  const useCache = req.cache !== false && req.dump === undefined;
  const key = sha256(
    JSON.stringify([
      compilerId(),
      name,
      sha256(source),
      req.target ?? "sim",
      !!req.unsafeNoBoundsChecks,
      extentKey(extents),
    ]),
  );
  const entryPath = path.join(cacheDir(), `${key}.v8`);
  if (useCache) {
    const entry = readEntry(entryPath);
    if (entry) {
      say(`cache hit: ${entryPath}`);
      entry.warnings.forEach(warn);
      return { artifact: entry.artifact, source };
    }
  }
  const modules: [string, string][] = [];
  const warnings: Diagnostic[] = [];
  const { compile } = await import("../compiler/pipeline.js");
  const { printModule } = await import("../compiler/ir/print.js");
  const artifact = compile(source, name, {
    target: req.target,
    unsafeNoBoundsChecks: req.unsafeNoBoundsChecks,
    extents,
    onWarning: (d) => {
      warnings.push(d);
      warn(d);
    },
    readFile: (p) => {
      const text = readText(p, "module file");
      modules.push([p, sha256(text)]);
      return text;
    },
    dump: req.dump ? (stage, m) => req.dump!(stage, printModule(m)) : undefined,
  });
  if (!useCache) {
    say(req.cache === false ? "cache not used (--no-cache)" : "cache not used (IR dump)");
    return { artifact, source };
  }
  say(
    writeEntry(entryPath, { modules, warnings, artifact })
      ? `cache miss: stored ${entryPath}`
      : "cache miss: could not store the artifact",
  );
  return { artifact, source };
}

/** The entry, if it is there, whole, and every module it read is unchanged. */
function readEntry(file: string): Entry | undefined {
  try {
    const entry = deserialize(readFileSync(file)) as Entry;
    if (!Array.isArray(entry?.modules) || typeof entry.artifact !== "object") return undefined;
    for (const [p, hash] of entry.modules)
      if (sha256(readFileSync(p, "utf8")) !== hash) return undefined;
    return entry;
  } catch {
    return undefined;
  }
}

function writeEntry(file: string, entry: Entry): boolean {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, serialize(entry));
    return true;
  } catch {
    return false;
  }
}
