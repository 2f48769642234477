// What the simulated lookups run: the repository's compiled bptree lookup (examples/bptree/
// lookup.ioc) over a real B-tree file of the requested depth (written once per shape into a cache
// directory), keys drawn from the tree's own keys with a seeded generator.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProgramArtifact } from "../abi/artifact.js";
import { compile } from "../compiler/pipeline.js";
import { generateBptree, writeBptree } from "../datagen/bptree.js";
import { Rng } from "../datagen/rng.js";
import { IochainError } from "../diagnostics.js";
import { Tracer, type Trace } from "./trace.js";

/** The repository (this file runs from dist/src/sim/ or src/sim/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "examples", "bptree", "lookup.ioc")) && dirname(dir) !== dir)
    dir = dirname(dir);
  return dir;
}

const compiled = new Map<string, ProgramArtifact>();

/** examples/<example>/<program>.ioc, compiled once per process. */
export function exampleArtifact(example: string, program: string): ProgramArtifact {
  const file = join(repoRoot(), "examples", example, `${program}.ioc`);
  let a = compiled.get(file);
  if (!a) {
    if (!existsSync(file)) {
      throw new IochainError(
        "E0961",
        `the simulator's program ${file} is missing`,
        undefined,
        "run iochain sim from a checkout of the repository (it runs examples/ programs)",
      );
    }
    // The example declares max_chain 7 (trees up to 6 levels); the simulator's trees go to 10
    // levels (HotOS Table 2), so the same program is compiled with a cap that admits them.
    const source = readFileSync(file, "utf8").replace(/max_chain\s+\d+/, "max_chain 16");
    compiled.set(file, (a = compile(source, file)));
  }
  return a;
}

export interface TreeFile {
  path: string;
  keys: bigint[];
  depth: number;
}

const trees = new Map<string, TreeFile>();

/** A bptree file with `keys` keys and `depth` levels (generated once, cached on disk). */
export function treeFile(wanted: number, depth: number, seed: number): TreeFile {
  // A shallow tree holds fewer keys: 30 per leaf, 31 children per inner node.
  const keys = Math.min(wanted, 30 * 31 ** (depth - 1));
  const name = `bptree-k${keys}-d${depth}-s${seed}.db`;
  const cached = trees.get(name);
  if (cached) return cached;
  const dir = join(tmpdir(), "iochain-sim");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const opts = { keys, depth, seed };
  const tree = existsSync(path) ? generateBptree(opts) : writeBptree(path, opts);
  // The cached file is the generator's output for these options, or it is written again.
  if (existsSync(path) && readFileSync(path).length !== tree.bytes.length) writeBptree(path, opts);
  const t = { path, keys: tree.keys, depth: tree.depth };
  trees.set(name, t);
  return t;
}

/** The lookups of one experiment point: keys drawn from the tree, each chain's VM trace. */
export class LookupWorkload {
  readonly tracer: Tracer;
  readonly tree: TreeFile;
  private readonly salt: number;

  constructor(keys: number, depth: number, seed: number) {
    this.tree = treeFile(keys, depth, seed);
    this.tracer = new Tracer(exampleArtifact("bptree", "lookup"), this.tree.path);
    this.salt = new Rng(seed * 7919 + depth).u32();
  }

  /** The key of lookup `i` (the same sequence for every dispatch point of a point). */
  keyIndex(i: number): number {
    // A stateless hash of (i, seed): lookup i draws the same key whatever ran before it.
    let z = (i + this.salt) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z % this.tree.keys.length;
  }

  trace(i: number): Trace {
    const t = this.tracer.trace({ key: this.tree.keys[this.keyIndex(i)] });
    if (t.result.status !== "done") {
      throw new IochainError(
        "E0999",
        `lookup of a key of the tree ended ${t.result.status} (${t.result.error})`,
      );
    }
    return t;
  }

  close(): void {
    this.tracer.close();
  }
}
