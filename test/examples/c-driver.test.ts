// examples/c-driver: the C driver of kernel chains, built with cc against libbpf, runs the chain
// program of an object written by `iochain compile --target linux` over a generated bptree and
// answers every key (present and absent) as examples/bptree/reference.ts does — in batches of the
// object's capacity, of 1, of sizes that leave a partial batch, and with a budget so small that
// every batch takes many test runs. Its header is the one chain-header.ts generates.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeBptree } from "../../src/datagen/bptree.js";
import { lookupBptree } from "../../src/datagen/bptree-reference.js";
import { compile } from "../../src/compiler/pipeline.js";
import { chainAbiHeader } from "../../src/object/chain-header.js";
import { MemoryBlockSource } from "../../src/runtime/block-source.js";
import { runChain } from "../../src/runtime/driver.js";
import { SimTarget } from "../../src/runtime/sim/target.js";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";
import { repoRoot, runCli } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";
import { absentKeys } from "./helpers.js";

const DRIVER_DIR = path.join(repoRoot, "examples/c-driver");
const HEADER = path.join(DRIVER_DIR, "iochain_chain.h");

function whyNoCompiler(): string | undefined {
  if (spawnSync("cc", ["--version"], { stdio: "ignore" }).status !== 0) return "cc not installed";
  if (!existsSync("/usr/include/bpf/libbpf.h") && !existsSync("/usr/local/include/bpf/libbpf.h"))
    return "libbpf headers not installed (Debian: libbpf-dev)";
  return undefined;
}
const noCompiler = whyNoCompiler();

/** The same order every run (Fisher–Yates over a small LCG). */
function shuffled<T>(list: T[]): T[] {
  let x = 12345;
  for (let i = list.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}
const skip = noCompiler ?? noBpf;
if (skip) console.warn(`skipping the C driver's runs: ${skip}`);

describe("examples/c-driver", () => {
  it("iochain_chain.h is the header generated from abi/chain.ts", () => {
    expect(readFileSync(HEADER, "utf8")).toBe(chainAbiHeader());
    // What `iochain compile --emit chain-header` prints starts with the same text.
    const r = runCli([
      "compile",
      "examples/bptree/lookup.ioc",
      "--target",
      "linux",
      "--emit",
      "chain-header",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith(chainAbiHeader())).toBe(true);
    expect(r.stdout).toContain("--result bytes:16:64 --max-chain 7");
  });

  it.skipIf(noCompiler !== undefined)(
    "the header compiles, its offsets asserted by the C compiler",
    () => {
      const dir = tempDir("iochain-c-header-");
      const src = path.join(dir, "h.c");
      writeFileSync(src, '#include "iochain_chain.h"\nint main(void) { return 0; }\n');
      const cc = spawnSync(
        "cc",
        [
          "-std=c11",
          "-Wall",
          "-Wextra",
          "-Werror",
          "-pedantic",
          "-I",
          DRIVER_DIR,
          "-c",
          src,
          "-o",
          path.join(dir, "h.o"),
        ],
        { encoding: "utf8" },
      );
      expect(cc.status, cc.stderr).toBe(0);
    },
  );

  describe.skipIf(skip !== undefined)("over a bptree in the kernel", () => {
    const dir = tempDir("iochain-c-driver-");
    const driver = path.join(dir, "driver");
    const object = path.join(dir, "lookup.o");
    const data = path.join(dir, "t3.db");
    const BATCH = 16;

    let built = false;
    /** Builds the driver once (as the Makefile does, warnings as errors). */
    const buildDriver = (): void => {
      if (built) return;
      const cc = spawnSync(
        "cc",
        [
          "-O2",
          "-std=gnu11",
          "-Wall",
          "-Wextra",
          "-Werror",
          "-o",
          driver,
          path.join(DRIVER_DIR, "driver.c"),
          "-lbpf",
        ],
        { encoding: "utf8" },
      );
      expect(cc.status, cc.stderr).toBe(0);
      built = true;
    };

    it("builds, and answers every key as the reference", () => {
      buildDriver();

      const rel = "examples/bptree/lookup.ioc";
      const compiled = runCli([
        "compile",
        rel,
        "--target",
        "linux",
        "-o",
        object,
        "--batch",
        String(BATCH),
      ]);
      expect(compiled.code, compiled.stderr).toBe(0);
      expect(compiled.stdout).toContain("chain program lookup_chain (batch 16)");
      const artifact = compile(readFileSync(path.join(repoRoot, rel), "utf8"), rel);
      const codeOf = new Map(artifact.errors.map((e) => [e.name, e.code]));

      const tree = writeBptree(data, { seed: 11, keys: 3000, depth: 3 });
      const file = readFileSync(data);
      const present = tree.keys.filter((_, i) => i % 3 === 0); // 1000 keys
      const absent = absentKeys(tree.keys).filter((_, i) => i % 5 === 0);
      const keys = shuffled([...present, ...absent]);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.length).toBeGreaterThanOrEqual(1500);
      const keysFile = path.join(dir, "keys.txt");
      writeFileSync(keysFile, keys.map(String).join("\n") + "\n");
      const binFile = path.join(dir, "keys.bin");
      const bin = Buffer.alloc(8 * keys.length);
      keys.forEach((k, i) => bin.writeBigUInt64LE(k, 8 * i));
      writeFileSync(binFile, bin);

      const expected = keys.map((k) => {
        const r = lookupBptree(file, k);
        return "value" in r
          ? `${k}\t${Buffer.from(r.value).toString("hex")}`
          : `${k}\terror ${codeOf.get(r.error)}`;
      });
      expect(expected.filter((l) => l.includes("error")).length).toBe(absent.length);

      const runs: [string, string[]][] = [
        ["the object's batch", [keysFile]],
        ["batch 1", ["-b", "1", keysFile]],
        ["batch 7 (a partial last batch)", ["-b", "7", keysFile]],
        ["budget of one hop per chain per run", ["-m", "0", keysFile]],
        ["binary keys", ["-x", binFile]],
      ];
      for (const [what, args] of runs) {
        const r = spawnSync(driver, [object, data, "-r", "bytes:16:64", "-m", "7", ...args], {
          encoding: "utf8",
        });
        expect(r.status, `${what}: ${r.stderr}`).toBe(0);
        expect(r.stdout.trimEnd().split("\n"), what).toEqual(expected);
        expect(r.stderr, what).toMatch(/us\/chain/);
        if (what.startsWith("budget")) expect(r.stderr).not.toMatch(/ 1\.00 test runs per batch/);
      }

      // Past the object's capacity is refused, with the reason.
      const over = spawnSync(driver, [object, data, "-b", String(BATCH + 1), keysFile], {
        encoding: "utf8",
      });
      expect(over.status).not.toBe(0);
      expect(over.stderr).toContain(`holds ${BATCH} records`);
    });

    it("a row-producing program: chains that suspend are reported and skipped, the batch goes on", () => {
      buildDriver();
      const rel = "examples/range/scan.ioc";
      const scanObject = path.join(dir, "scan.o");
      const compiled = runCli(["compile", rel, "--target", "linux", "-o", scanObject]);
      expect(compiled.code, compiled.stderr).toBe(0);
      const artifact = compile(readFileSync(path.join(repoRoot, rel), "utf8"), rel);
      const tree = writeBptree(path.join(dir, "r.db"), { seed: 2, keys: 3000, depth: 3 });
      const k = tree.keys;
      const ranges: [bigint, bigint][] = [
        [k[10], k[12]],
        [k[100], k[900]],
        [k[5], k[5]],
        [0n, 1n],
        [k[2000], k[2040]],
      ];
      const expected = ranges.map(([lo, hi]) => {
        const r = runChain(
          artifact,
          SimTarget.create(artifact),
          new MemoryBlockSource(tree.bytes),
          {
            args: { lo, hi },
          },
        );
        if (r.suspensions > 0) return `${lo} ${hi}\tsuspended (rows: not supported by this driver)`;
        expect(r.status).toBe("done");
        return `${lo} ${hi}\tdone${r.rows.length ? `\t(${r.rows.length} rows not decoded)` : ""}`;
      });
      expect(expected.some((l) => l.includes("suspended"))).toBe(true);
      expect(expected.some((l) => l.includes("rows not decoded"))).toBe(true);
      const rangesFile = path.join(dir, "ranges.txt");
      writeFileSync(rangesFile, ranges.map(([lo, hi]) => `${lo} ${hi}`).join("\n") + "\n");
      const r = spawnSync(
        driver,
        [scanObject, path.join(dir, "r.db"), "-m", String(artifact.maxChain), rangesFile],
        {
          encoding: "utf8",
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trimEnd().split("\n")).toEqual(expected);
      expect(r.stderr).toMatch(/1 suspended/);
    });
  });
});
