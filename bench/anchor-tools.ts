// Builds and runs the host C programs behind the anchors (bench/c/pread-loop.c, uring-loop.c,
// evict.c, direct-probe.c) with the system compiler: `cc -O2` (CC overrides), `-luring` for the
// io_uring loop. A missing compiler or liburing is a reason to skip, not an error: build() says why.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AnchorData } from "./anchor-data.js";

/** bench/c in the repository (this file runs from bench/ or dist/bench/); not imported from
 * c-programs.ts, which loads the compiler and runtime modules the anchors do not need. */
const C_DIR = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, "bench", "c");
})();

export type Tool = "pread-loop" | "uring-loop" | "evict" | "direct-probe" | "calibrate";

const CC = process.env.CC ?? "cc";
const LIBS: Partial<Record<Tool, string[]>> = { "uring-loop": ["-luring"] };

const built = new Map<Tool, { bin: string } | { reason: string }>();
let outDir: string | undefined;

/** The tool's binary (compiled once per process), or why it cannot be built here. */
export function build(tool: Tool): { bin: string } | { reason: string } {
  let b = built.get(tool);
  if (!b) {
    if (!outDir) {
      const dir = (outDir = mkdtempSync(join(tmpdir(), "iochain-anchors-bin-")));
      process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    }
    const bin = join(outDir, tool);
    const src = join(C_DIR, `${tool}.c`);
    const r = spawnSync(CC, ["-O2", "-Wall", "-o", bin, src, ...(LIBS[tool] ?? [])], {
      encoding: "utf8",
    });
    if (r.error)
      b = { reason: `no C compiler (${CC}: ${(r.error as NodeJS.ErrnoException).code})` };
    else if (r.status !== 0)
      b = {
        reason: /liburing|-luring/.test(r.stderr)
          ? "liburing missing (apt-get install liburing-dev)"
          : `${CC} failed: ${r.stderr.split("\n")[0]}`,
      };
    else b = { bin };
    built.set(tool, b);
  }
  return b;
}

/** Runs a built tool and parses the JSON line it prints; a failure throws with its stderr. */
export function runTool<T>(bin: string, args: string[]): T {
  const r = spawnSync(bin, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0)
    throw new Error(`${bin} ${args.join(" ")}: ${r.error?.message ?? r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as T;
}

/** One anchor: a program and its arguments (the io_uring loop at each queue depth). */
export interface Anchor {
  name: string;
  tool: "pread-loop" | "uring-loop";
  args: string[];
}

export const ANCHORS: readonly Anchor[] = [
  { name: "C pread loop", tool: "pread-loop", args: [] },
  ...[1, 8, 32].map((q) => ({
    name: `C io_uring loop, Q=${q}`,
    tool: "uring-loop" as const,
    args: ["--q", String(q)],
  })),
];

/** The JSON line of bench/c/anchor.h's measure(). */
export interface AnchorRun {
  lookups: number;
  found: number;
  hops: number;
  hops_per_lookup: number;
  ns_per_lookup: number;
  ns_min: number;
  /** Bytes read from the device per lookup, readahead included (/proc/self/io). */
  device_bytes_per_lookup: number;
  /** The process's CPU time per lookup, median round (anchor.h's cpu_ns). */
  cpu_ns_per_lookup: number;
  checksum: string;
}

/**
 * Runs an anchor over `data` and checks its answers against the reference's. The C side has
 * already checked that every pass (the warm-up and each timed round) gave the same answers, so a
 * matching line means every timed pass was right; a wrong one throws instead of being timed.
 */
export function runAnchor(
  bin: string,
  anchor: Anchor,
  data: AnchorData,
  extra: string[] = [],
): AnchorRun {
  const run = runTool<AnchorRun>(bin, [
    data.tree,
    "--keys",
    data.keyFile,
    ...anchor.args,
    ...extra,
  ]);
  const want = data.expected;
  for (const field of ["lookups", "found", "hops", "checksum"] as const) {
    if (run[field] !== want[field])
      throw new Error(
        `${anchor.name} on ${data.tree}: ${field} ${run[field]}, the reference says ${want[field]}`,
      );
  }
  return run;
}
