// Lookups per second on the bptree example (a 50 000-key, 4-level tree in a file), several ways:
// plain TypeScript (pread 512 B per node, binary search in the node), and the runtime's targets —
// `runProgram` as `iochain run` does it (target built and program loaded for every lookup) and
// the chain driver on a target loaded once — with iochain's bytecode when the compiler is there,
// and with clang-19's bytecode of bench/c/bptree.c. Every path's answers are checked first.
//
//   npm run build && node dist/bench/lookups.js    (or through dist/bench/main.js)
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../src/compiler/pipeline.js";
import { lookupBptree } from "../src/datagen/bptree-reference.js";
import type { ProgramArtifact } from "../src/abi/artifact.js";
import { bpfAvailable } from "../src/runtime/linux/syscall.js";
import { runProgram } from "../src/runtime/run-program.js";
import { openSession } from "../src/runtime/open-session.js";
import { cArtifact, repoRoot } from "./c-programs.js";
import { clangBuild, fmt } from "./clang.js";
import { formatTable, type Row } from "./table.js";
import { type Args, workload } from "./workloads.js";

const VALUE_BIT = 1n << 63n;

/**
 * The lookup as a TypeScript programmer writes it over a file: one pread per node. `reads.n`
 * counts the preads (bench/chains.ts reports them as hops and syscalls).
 */
export function preadLookup(
  fd: number,
  node: Buffer,
  key: bigint,
  reads = { n: 0 },
): Buffer | undefined {
  let offset = 0;
  for (let level = 0; level < 7; level++) {
    reads.n++;
    if (readSync(fd, node, 0, 512, offset) !== 512) throw new Error(`short read at ${offset}`);
    const num = Number(node.readBigUInt64LE(0));
    const leaf = node.readBigUInt64LE(8) === 1n;
    let lo = 0;
    let hi = num;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = node.readBigUInt64LE(16 + 8 * mid);
      if (leaf ? k < key : k <= key) lo = mid + 1;
      else hi = mid;
    }
    if (!leaf) {
      offset = Number(node.readBigUInt64LE(264 + 8 * Math.max(lo - 1, 0)));
      continue;
    }
    if (lo === num || node.readBigUInt64LE(16 + 8 * lo) !== key) return undefined;
    const at = Number(node.readBigUInt64LE(264 + 8 * lo) & ~VALUE_BIT);
    reads.n++;
    readSync(fd, node, 0, 512, at - (at % 512));
    return Buffer.from(node.subarray(at % 512, (at % 512) + 64));
  }
  throw new Error("tree deeper than 6 levels");
}

/** Lookups per second of `run`: up to 100 chains checked against `expected` first, then n timed. */
function rate(
  n: number,
  chains: Args[],
  run: (args: Args) => string,
  expected: (args: Args) => string,
): { perSec: number; us: number } {
  for (const args of chains.slice(0, Math.min(n, 100))) {
    const got = run(args);
    if (got !== expected(args))
      throw new Error(`wrong answer for key ${args.key}: ${got}, want ${expected(args)}`);
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) run(chains[i % chains.length]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { perSec: Math.round(n / seconds), us: fmt((seconds / n) * 1e6, 2) };
}

export async function benchLookups(lookups = 5000): Promise<Row[]> {
  const w = workload("bptree");
  const dir = mkdtempSync(join(tmpdir(), "iochain-bench-lookups-"));
  const data = join(dir, "bptree.db");
  writeFileSync(data, w.bytes);
  const rows: Row[] = [];
  const add = (path: string, bytecode: string, r: { perSec: number; us: number } | string) =>
    rows.push(
      typeof r === "string"
        ? { path, bytecode, "lookups/s": r, "us/lookup": "" }
        : { path, bytecode, "lookups/s": r.perSec, "us/lookup": r.us },
    );
  try {
    const fd = openSync(data, "r");
    const node = Buffer.alloc(512);
    const valueOf = (args: Args) => {
      const r = lookupBptree(w.bytes, args.key as bigint);
      return "value" in r ? Buffer.from(r.value).toString("hex") : "not_found";
    };
    add(
      "TypeScript pread + search",
      "-",
      rate(
        lookups,
        w.chains,
        (a) => preadLookup(fd, node, a.key as bigint)?.toString("hex") ?? "not_found",
        valueOf,
      ),
    );
    closeSync(fd);

    const artifacts: { bytecode: string; artifact: ProgramArtifact | string }[] = [];
    artifacts.push({
      bytecode: "iochain",
      artifact: tryCompile(() => {
        // From the repository (not next to the compiled harness in dist/).
        const file = join(repoRoot, "examples", "bptree", "lookup.ioc");
        return compile(readFileSync(file, "utf8"), file);
      }),
    });
    artifacts.push({
      bytecode: "clang-19 (bench/c)",
      artifact: tryCompile(() => cArtifact("bptree", clangBuild("bptree").object)),
    });

    const bpf = bpfAvailable();
    for (const { bytecode, artifact } of artifacts) {
      for (const target of ["linux", "sim"] as const) {
        const skip =
          typeof artifact === "string"
            ? artifact
            : target === "linux" && !bpf.ok
              ? `n/a (${bpf.reason})`
              : undefined;
        if (skip || typeof artifact === "string") {
          add(`${target}: runProgram per lookup`, bytecode, skip!);
          add(`${target}: runChain, loaded once`, bytecode, skip!);
          continue;
        }
        // runProgram builds the target (maps, program load and verification on linux) per lookup.
        add(
          `${target}: runProgram per lookup`,
          bytecode,
          rate(
            Math.ceil(lookups / (target === "linux" ? 50 : 10)),
            w.chains,
            (args) => w.answer(runProgram(artifact, { target, data, args })),
            w.expected,
          ),
        );
        const session = openSession(artifact, { target, data });
        try {
          add(
            `${target}: runChain, loaded once`,
            bytecode,
            rate(lookups, w.chains, (args) => w.answer(session.run(args)), w.expected),
          );
        } finally {
          session.close();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** As runProgram does for a program with an extents map and no bound table: the file as one extent. */
function tryCompile(f: () => ProgramArtifact): ProgramArtifact | string {
  try {
    return f();
  } catch (err) {
    return `n/a (${(err as Error).message.split("\n")[0].slice(0, 60)})`;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(
    formatTable(
      "lookups/s, bptree example (50 000 keys, 4 levels, file in page cache)",
      await benchLookups(),
    ),
  );
}
