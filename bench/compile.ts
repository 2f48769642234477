// iochain next to clang-19 + hand-written C, per example: instructions emitted and compile time
// (iochain's compile() in process; clang as the process a C user runs), and in the kernel:
// instructions the verifier processed and nanoseconds inside the program per step, on the same
// chains over the same data. Ratios are iochain / clang (below 1: iochain is smaller or faster),
// against the C that does what iochain's programs do: every resubmit translated through the
// extents map with the access checks ("clang", bench/c/iochain.h). The plain C, which leaves them
// out, is shown beside it ("clang plain").
//
//   npm run build && node dist/bench/compile.js    (or through dist/bench/main.js)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../src/compiler/pipeline.js";
import type { ProgramArtifact } from "../src/abi/artifact.js";
import { bpfAvailable } from "../src/runtime/linux/syscall.js";
import { repoRoot } from "./c-programs.js";
import { clangBuild, clangKernel, fmt, medianMs } from "./clang.js";
import { type KernelStats, loadArtifact, measureKernel } from "./kernel.js";
import { formatTable, type Row } from "./table.js";
import { EXAMPLES, type ExampleName, workload } from "./workloads.js";

interface IochainBuild {
  artifact: ProgramArtifact;
  compileMs: number;
}

/** First line of an error, short enough for a table cell. */
const brief = (err: unknown): string => {
  const line = (err instanceof Error ? err.message : String(err)).split("\n")[0];
  return line.length > 70 ? line.slice(0, 67) + "..." : line;
};

const ratio = (ours: number | string, theirs: number): number | string =>
  typeof ours === "number" ? fmt(ours / theirs, 2) : "n/a";

const builds = new Map<ExampleName, IochainBuild | { error: string }>();

/** Compiles examples/<name>/<program>.ioc with iochain (once per process), timed. */
async function iochainBuild(
  name: ExampleName,
  runs = 5,
): Promise<IochainBuild | { error: string }> {
  let b = builds.get(name);
  if (b) return b;
  b = buildWith(name, runs);
  builds.set(name, b);
  return b;
}

function buildWith(name: ExampleName, runs: number): IochainBuild | { error: string } {
  const program = EXAMPLES.find((e) => e.name === name)!.program;
  const file = join(repoRoot, "examples", name, `${program}.ioc`);
  const source = readFileSync(file, "utf8");
  try {
    let artifact: ProgramArtifact | undefined;
    const compileMs = medianMs(runs, () => (artifact = compile(source, file)));
    return { artifact: artifact!, compileMs };
  } catch (err) {
    return { error: `compile failed: ${brief(err)}` };
  }
}

export async function benchCompile(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { name } of EXAMPLES) {
    const c = clangBuild(name, "extents");
    const plain = clangBuild(name, "plain");
    const b = await iochainBuild(name);
    const insns = "error" in b ? b.error : b.artifact.insns.length;
    const ms = "error" in b ? b.error : fmt(b.compileMs, 2);
    rows.push({
      example: name,
      "iochain insns": insns,
      "clang insns": c.insns,
      "insns ratio": ratio(insns, c.insns),
      "clang plain insns": plain.insns,
      "iochain ms": ms,
      "clang ms": fmt(c.compileMs, 1),
      "time ratio": ratio(ms, c.compileMs),
      "clang plain ms": fmt(plain.compileMs, 1),
    });
  }
  return rows;
}

/** iochain's artifact loaded by our loader, over the same workload as the C program. */
function iochainKernel(name: ExampleName, artifact: ProgramArtifact): KernelStats | string {
  const w = workload(name);
  try {
    const k = loadArtifact(artifact, BigInt(w.bytes.length));
    try {
      return measureKernel(k, artifact, w);
    } finally {
      k.close();
    }
  } catch (err) {
    return brief(err);
  }
}

export async function benchKernel(): Promise<Row[]> {
  const bpf = bpfAvailable();
  if (!bpf.ok) return [{ example: "all", note: `n/a: ${bpf.reason}` }];
  const rows: Row[] = [];
  for (const { name } of EXAMPLES) {
    const c = clangKernel(name, "extents");
    const plain = clangKernel(name, "plain");
    const b = await iochainBuild(name);
    const ours = "error" in b ? b.error : iochainKernel(name, b.artifact);
    const get = (f: (s: KernelStats) => number, digits = 1): number | string =>
      typeof ours === "string" ? ours : fmt(f(ours), digits);
    const verified = get((s) => s.verifiedInsns, 0);
    const ns = get((s) => s.nsPerStep);
    rows.push({
      example: name,
      "iochain verified": verified,
      "clang verified": c.verifiedInsns,
      "verified ratio": ratio(verified, c.verifiedInsns),
      "clang plain verified": plain.verifiedInsns,
      "iochain ns/step": ns,
      "clang ns/step": fmt(c.nsPerStep),
      "ns ratio": ratio(ns, c.nsPerStep),
      "clang plain ns/step": fmt(plain.nsPerStep),
      "iochain us/chain": get((s) => s.usPerChain, 2),
      "clang us/chain": fmt(c.usPerChain, 2),
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(formatTable("compile: iochain vs clang-19 + C", await benchCompile()) + "\n");
  console.log(
    formatTable("kernel: iochain vs clang-19 + C (verifier, time in program)", await benchKernel()),
  );
}
