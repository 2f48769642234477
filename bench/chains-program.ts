// The programs the chains section runs, compiled once per process from the repository's examples
// (examples/bptree/lookup.ioc, examples/range/scan.ioc), and where the repository is (this file
// runs from dist/bench/, the .ioc sources stay in the source tree).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProgramArtifact } from "../src/abi/artifact.js";
import { compile } from "../src/compiler/pipeline.js";

export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

const compiled = new Map<string, ProgramArtifact>();

/** examples/<example>/<program>.ioc, compiled (cached). */
export function exampleProgram(example: string, program: string): ProgramArtifact {
  const file = join(repoRoot, "examples", example, `${program}.ioc`);
  let a = compiled.get(file);
  if (!a) compiled.set(file, (a = compile(readFileSync(file, "utf8"), file)));
  return a;
}

/** The code of the program's user error `name` (packed results carry codes, not names). */
export function errorCode(artifact: ProgramArtifact, name: string): number {
  const e = artifact.errors.find((x) => x.name === name);
  if (!e) throw new Error(`${artifact.name} has no error ${name}`);
  return e.code;
}
