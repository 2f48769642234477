// clang-19 + hand-written C (bench/c/*.c), measured: instructions in the object (our ELF reader),
// compile time (median of N runs of the clang process), and, where bpf() works, the object loaded
// by libbpf: instructions the verifier processed and nanoseconds inside the program per step,
// over chains on the example's generated data, every answer checked against the reference. Both
// builds: with extent translation (the extents map holds the file as one extent, frozen, as
// iochain's programs get it) and plain.
//
//   npm run build && node dist/bench/clang.js      (or through dist/bench/main.js)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readElfFile } from "../src/bpf/elf/reader.js";
import { identityExtents } from "../src/runtime/extents.js";
import { encodeExtentTable, extentTableBytes } from "../src/abi/extents.js";
import { bpfAvailable } from "../src/runtime/linux/syscall.js";
import {
  C_EXTENT_CAPACITY,
  C_PROGRAMS,
  C_VARIANTS,
  type CVariant,
  cAbiArtifact,
  compileC,
  countInsns,
} from "./c-programs.js";
import { type KernelStats, loadWithLibbpf, measureKernel } from "./kernel.js";
import { formatTable, type Row } from "./table.js";
import { EXAMPLES, type ExampleName, workload } from "./workloads.js";

export interface ClangBuild {
  object: string;
  insns: number;
  /** Median wall time of one `clang-19 -O2 -target bpf -g -c` process. */
  compileMs: number;
}

/** Median of `runs` timings of `f` (after one untimed warm-up run), in milliseconds. */
export function medianMs(runs: number, f: () => void): number {
  f();
  const times = Array.from({ length: runs }, () => {
    const start = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - start) / 1e6;
  }).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const builds = new Map<string, ClangBuild>();
let outDir: string | undefined;

/** Builds bench/c/<name>.c (once per process and variant) and times it. */
export function clangBuild(name: ExampleName, variant: CVariant = "extents", runs = 5): ClangBuild {
  let b = builds.get(`${name}/${variant}`);
  if (!b) {
    if (!outDir) {
      const dir = (outDir = mkdtempSync(join(tmpdir(), "iochain-bench-c-")));
      process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    }
    const dir = outDir;
    let object = "";
    const compileMs = medianMs(runs, () => (object = compileC(name, dir, variant)));
    b = { object, insns: countInsns(readElfFile(object)), compileMs };
    builds.set(`${name}/${variant}`, b);
  }
  return b;
}

/** The extent table the C programs run with: the file as one extent (iochain's gets the same). */
export function cExtentTable(fileSize: number): Uint8Array {
  return encodeExtentTable(identityExtents(BigInt(fileSize)), extentTableBytes(C_EXTENT_CAPACITY));
}

const kernelRuns = new Map<string, KernelStats>();

/** The C program loaded by libbpf and run over the example's workload (once per process and variant). */
export function clangKernel(name: ExampleName, variant: CVariant = "extents"): KernelStats {
  let s = kernelRuns.get(`${name}/${variant}`);
  if (!s) {
    const w = workload(name);
    const extents = variant === "extents" ? cExtentTable(w.bytes.length) : undefined;
    const k = loadWithLibbpf(clangBuild(name, variant).object, C_PROGRAMS[name].fn, { extents });
    try {
      s = measureKernel(k, cAbiArtifact(name, variant), w);
      kernelRuns.set(`${name}/${variant}`, s);
    } finally {
      k.close();
    }
  }
  return s;
}

export const fmt = (n: number, digits = 1): number => Number(n.toFixed(digits));

export function benchClang(): Row[] {
  const bpf = bpfAvailable();
  return EXAMPLES.flatMap(({ name }) =>
    C_VARIANTS.map((variant) => {
      const b = clangBuild(name, variant);
      const row: Row = {
        example: name,
        build: variant,
        insns: b.insns,
        "compile ms": fmt(b.compileMs),
      };
      if (!bpf.ok) return { ...row, verified: `n/a (${bpf.reason})` };
      const k = clangKernel(name, variant);
      return {
        ...row,
        xlated: k.xlatedInsns,
        verified: k.verifiedInsns,
        "steps/chain": fmt(k.steps / workload(name).chains.length, 2),
        "ns/step": fmt(k.nsPerStep),
        "us/chain": fmt(k.usPerChain, 2),
      };
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(formatTable("clang-19 + hand-written C (bench/c)", benchClang()));
}
