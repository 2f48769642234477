// The C driver on our object (examples/c-driver, written beside this bench): a C user's figures
// with iochain's compiled object — libbpf loads lookup.ioc's chain program from
// `iochain compile --target linux -o lookup.o`, the driver maps the tree and runs the anchors' key
// file in batches of K (K = 1 and 64). Its answers are checked against the reference like every
// other row's. Where it cannot run (no driver yet, no libbpf), this hook returns why, and the
// table shows that reason instead of rows.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProgramArtifact } from "../src/abi/artifact.js";
import { checkAnswers, foldValues, type Lookups } from "./chains-data.js";
import type { Measured } from "./chains-measure.js";
import { repoRoot } from "./chains-program.js";

const DRIVER_DIR = join(repoRoot, "examples", "c-driver");

function run(cmd: string, args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")}: ${r.error?.message ?? r.stderr.trim()}`);
  return r;
}

/**
 * The C driver's rows for K = 1 and 64 over the whole key file, or why there are none. Built as
 * its Makefile builds it (cc -O2 driver.c -lbpf), into a temporary directory: the example's own
 * directory is left alone.
 */
export function cDriverRows(
  lookups: Lookups,
  artifact: ProgramArtifact,
  rounds: number,
  notFound: number,
): Measured[] | string {
  if (!existsSync(join(DRIVER_DIR, "README.md")) || !existsSync(join(DRIVER_DIR, "driver.c")))
    return "not run: examples/c-driver has no README.md yet";
  if (artifact.result.kind !== "bytes") return "not measured: lookup.ioc returns no bytes";
  const dir = mkdtempSync(join(tmpdir(), "iochain-bench-cdriver-"));
  try {
    const bin = join(dir, "driver");
    const cc = process.env.CC ?? "cc";
    try {
      run(cc, ["-O2", "-Wall", "-std=gnu11", "-o", bin, join(DRIVER_DIR, "driver.c"), "-lbpf"]);
    } catch (err) {
      return `not built: ${(err as Error).message.split("\n").at(-1)?.slice(0, 80)}`;
    }
    const object = join(dir, "lookup.o");
    const source = join(repoRoot, "examples", "bptree", "lookup.ioc");
    run(process.execPath, [
      join(repoRoot, "bin", "iochain.js"),
      "compile",
      source,
      "--target",
      "linux",
      "-o",
      object,
      "--batch",
      "64",
    ]);
    const { offset, length } = artifact.result;
    const want = lookups.data.expected;
    return [1, 64].map((k) => {
      const out = run(bin, [
        "--batch",
        String(k),
        "--result",
        `bytes:${offset}:${length}`,
        "--max-chain",
        String(artifact.maxChain),
        "--binary",
        "--repeat",
        String(rounds + 1),
        object,
        lookups.data.tree,
        lookups.data.keyFile,
      ]);
      // "N chains, batch K: X us/chain (median of R passes; best Y), H blocks/chain, T test runs
      // per batch; D done, F failed, S suspended, A abi violations" (the answers are checked below)
      const m =
        /: ([\d.]+) us\/chain \(median of \d+ passes; best ([\d.]+)\), ([\d.]+) blocks\/chain, ([\d.]+) test runs per batch/.exec(
          out.stderr,
        );
      if (!m) throw new Error(`c-driver: unexpected summary: ${out.stderr.trim()}`);
      const hops = Number(m[3]);
      // Answer lines: "KEY\tHEX" when found, "KEY\terror ..." when not; hops only in the summary.
      const answers = out.stdout
        .trimEnd()
        .split("\n")
        .map((line) => {
          const v = line.split("\t")[1] ?? "";
          if (/^[0-9a-f]+$/.test(v)) return { value: Buffer.from(v, "hex"), hops: 0 };
          // Anything but not_found (a suspension, an ABI violation, another error) is wrong here.
          if (v.split(" ")[0] !== "error" || Number(v.split(" ")[1]) !== notFound)
            throw new Error(`C driver K=${k}: ${line}`);
          return { value: undefined, hops: 0 };
        });
      const got = foldValues(answers);
      checkAnswers(`C driver K=${k}`, { ...got, hops: want.hops }, want);
      if (Math.abs(hops * want.lookups - want.hops) > want.lookups * 0.01)
        throw new Error(
          `C driver K=${k}: ${hops} blocks/chain, the reference ${want.hops / want.lookups}`,
        );
      return {
        path: `C driver on our object, K=${k}`,
        lookups: want.lookups,
        nsPerLookup: Number(m[1]) * 1000,
        nsMin: Number(m[2]) * 1000,
        hopsPerLookup: hops,
        syscallsPerLookup: Number(m[4]) / k,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
