// iochain demo: the whole product in one run. Builds a BPF-KV B+tree file, compiles the lookup
// in examples/bptree, runs lookups on the VM and (where bpf() is permitted) in the kernel —
// a test run per hop, then whole chains inside the kernel — checks every answer against the plain
// TypeScript reference, and says what happened.
import type { Command } from "commander";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeBptree } from "../datagen/bptree.js";
import { lookupBptree, type LookupResult } from "../datagen/bptree-reference.js";
import { Rng } from "../datagen/rng.js";
import { packageRoot } from "../files.js";
import type { ChainResult } from "../runtime/driver.js";
import { bpfAvailable } from "../runtime/linux/syscall.js";
import { KernelChainSession } from "../runtime/kernel-chain-session.js";
import { KernelSession, SimSession, type ChainSession } from "../runtime/session.js";
import { DEFAULT_BATCH } from "../abi/chain.js";
import { compileFile } from "./artifact-cache.js";
import { parseCount } from "./options.js";
import { CATALOGUE } from "./catalogue.js";

interface DemoOptions {
  keys: string;
  lookups: string;
  seed: string;
  dir?: string;
  json?: boolean;
}

/** A target's run: how many answers agree with the reference, and how fast. */
interface RunSummary {
  agree: number;
  mismatches: number;
  lookups_per_second: number;
}

/** What `demo --json` prints (docs/schemas/demo.schema.json). */
interface DemoSummary {
  tree: { path: string; keys: number; levels: number; nodes: number; bytes: number };
  compile: { ms: number; instructions: number; maps: { name: string; value_size: number }[] };
  lookups: number;
  present: number;
  vm: RunSummary;
  kernel:
    | { skipped: string }
    | (RunSummary & {
        verified_insns: number;
        xlated_insns: number;
        jited_bytes: number;
        program_runs: number;
        ns_per_run: number;
      });
  chains: (RunSummary & { verified_insns: number; batch: number; test_runs: number }) | null;
  ok: boolean;
}

type Say = (line?: string) => void;

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const round = (x: number): number => Math.round(x);

function describeResult(r: ChainResult | LookupResult): string {
  if ("error" in r && r.error) return `failed: ${r.error} after ${r.hops} block reads`;
  const value = (r as { value: Uint8Array }).value;
  return `found after ${r.hops} block reads, value ${hex(value).slice(0, 32)}…`;
}

function agrees(r: ChainResult, ref: LookupResult): boolean {
  if (r.hops !== ref.hops) return false;
  if ("error" in ref) return r.status === "failed" && r.error === ref.error;
  return r.status === "done" && r.value instanceof Uint8Array && hex(r.value) === hex(ref.value);
}

/** Runs every key through one session (in one batch); counts the answers the reference disputes. */
function runAll(
  session: ChainSession | KernelChainSession,
  keys: bigint[],
  refs: LookupResult[],
  say: Say,
): { results: ChainResult[]; mismatches: number; seconds: number } {
  let mismatches = 0;
  const t0 = process.hrtime.bigint();
  const results = session.runBatch(keys.map((key) => ({ key })));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  keys.forEach((key, i) => {
    const r = results[i];
    if (!agrees(r, refs[i])) {
      mismatches++;
      if (mismatches <= 3)
        say(
          `   MISMATCH key ${key}: got ${describeResult(r)}; reference ${describeResult(refs[i])}`,
        );
    }
  });
  return { results, mismatches, seconds };
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(CATALOGUE.demo.summary)
    .option("--keys <n>", "keys in the tree", "20000")
    .option(
      "--lookups <n>",
      "lookups to run on each target (half present keys, half absent)",
      "1000",
    )
    .option("--seed <n>", "seed of the generator and of the chosen keys", "1")
    .option("--dir <dir>", "where to write the tree (default: a new temporary directory)")
    .option("--json", "print a summary as JSON instead (docs/schemas/demo.schema.json)")
    .action(async (opts: DemoOptions) => {
      const say: Say = opts.json
        ? () => undefined
        : (line = "") => void process.stdout.write(line + "\n");
      const keyCount = parseCount("--keys", opts.keys, 1, 50_000_000);
      const lookups = parseCount("--lookups", opts.lookups, 1, 10_000_000);
      const seed = parseCount("--seed", opts.seed, 0, 0xffffffff);
      const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), "iochain-demo-"));
      const data = path.join(dir, "bptree.db");

      say("iochain demo: a point lookup in BPF-KV's on-disk B+tree, from source to kernel\n");
      const tree = writeBptree(data, { keys: keyCount, seed });
      say(
        `1. built ${data}: ${keyCount} keys, ${tree.depth} levels, ${tree.nodes} nodes, ${tree.bytes.length} bytes`,
      );

      const source = path.join(packageRoot(), "examples/bptree/lookup.ioc");
      const t0 = process.hrtime.bigint();
      // Afresh, not from the artifact cache: the demo shows what compiling takes.
      const { artifact } = await compileFile({ file: source, cache: false });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const maps = artifact.maps.map((m) => `${m.name} ${m.valueSize} B`).join(", ");
      say(
        `2. compiled examples/bptree/lookup.ioc in ${ms.toFixed(0)} ms: ${artifact.insns.length} eBPF instructions; maps: ${maps}`,
      );

      const rng = new Rng(seed);
      const keys = Array.from({ length: lookups }, (_, i) => {
        const k = tree.keys[rng.below(tree.keys.length)];
        return i % 2 === 0 ? k : k + 1n; // keys grow by at least 1, so k + 1 is often absent
      });
      const file = readFileSync(data);
      const refs = keys.map((k) => lookupBptree(file, k));
      const present = refs.filter((r) => !("error" in r)).length;
      say(
        `   ${lookups} lookups, ${present} of them for present keys; the TypeScript reference answers each too\n`,
      );

      const summary: DemoSummary = {
        tree: {
          path: data,
          keys: keyCount,
          levels: tree.depth,
          nodes: tree.nodes,
          bytes: tree.bytes.length,
        },
        compile: {
          ms: round(ms),
          instructions: artifact.insns.length,
          maps: artifact.maps.map((m) => ({ name: m.name, value_size: m.valueSize })),
        },
        lookups,
        present,
        vm: { agree: 0, mismatches: 0, lookups_per_second: 0 },
        kernel: { skipped: "" },
        chains: null,
        ok: false,
      };
      const runSummary = (run: { mismatches: number; seconds: number }): RunSummary => ({
        agree: lookups - run.mismatches,
        mismatches: run.mismatches,
        lookups_per_second: round(lookups / run.seconds),
      });

      const sim = SimSession.open(artifact, { data });
      const simRun = (() => {
        try {
          return runAll(sim, keys, refs, say);
        } finally {
          sim.close();
        }
      })();
      summary.vm = runSummary(simRun);
      say(`3. VM (iochain's VM running the same bytecode):`);
      say(`   key ${keys[0]}: ${describeResult(simRun.results[0])}`);
      say(`   key ${keys[1]}: ${describeResult(simRun.results[1])}`);
      say(
        `   ${lookups - simRun.mismatches}/${lookups} agree with the reference, ${(lookups / simRun.seconds).toFixed(0)} lookups/s\n`,
      );

      let kernelMismatches = 0;
      const kernel = bpfAvailable();
      if (!kernel.ok) {
        summary.kernel = { skipped: kernel.reason };
        say(`4. kernel: skipped — ${kernel.reason}`);
      } else {
        const linux = KernelSession.open(artifact, { data, stats: true });
        try {
          const info = linux.programInfo();
          say(
            `4. kernel (BPF_PROG_TYPE_SYSCALL through bpf()): the verifier accepted it — ${info.verifiedInsns} instructions processed, ${info.xlatedBytes / 8} translated, ${info.jitedBytes} bytes JITed`,
          );
          const linuxRun = runAll(linux, keys, refs, say);
          kernelMismatches = linuxRun.mismatches;
          const after = linux.programInfo();
          const perStep = after.runCount > 0n ? Number(after.runTimeNs / after.runCount) : 0;
          summary.kernel = {
            ...runSummary(linuxRun),
            verified_insns: info.verifiedInsns,
            xlated_insns: info.xlatedBytes / 8,
            jited_bytes: info.jitedBytes,
            program_runs: Number(after.runCount),
            ns_per_run: perStep,
          };
          say(`   key ${keys[0]}: ${describeResult(linuxRun.results[0])}`);
          say(
            `   ${lookups - linuxRun.mismatches}/${lookups} agree with the reference; ${after.runCount} program runs, ${perStep} ns each in the kernel; ${(lookups / linuxRun.seconds).toFixed(0)} lookups/s with a test run and a pread per hop\n`,
          );
        } finally {
          linux.close();
        }
        const chains = KernelChainSession.open(artifact, {
          data,
          stats: true,
          batch: DEFAULT_BATCH,
        });
        try {
          const info = chains.programInfo();
          const chainRun = runAll(chains, keys, refs, say);
          kernelMismatches += chainRun.mismatches;
          const after = chains.programInfo();
          const perLookup = Number(after.runTimeNs) / lookups;
          summary.chains = {
            ...runSummary(chainRun),
            verified_insns: info.verifiedInsns,
            batch: DEFAULT_BATCH,
            test_runs: chains.runs,
          };
          say(
            `5. kernel chains (whole lookups inside the kernel, ${DEFAULT_BATCH} per test run, blocks copied from the page cache): the chain program verified in ${info.verifiedInsns} instructions`,
          );
          say(`   key ${keys[0]}: ${describeResult(chainRun.results[0])}`);
          say(
            `   ${lookups - chainRun.mismatches}/${lookups} agree with the reference; ${chains.runs} test runs in all, ${perLookup.toFixed(0)} ns per lookup in the kernel; ${(lookups / chainRun.seconds).toFixed(0)} lookups/s\n`,
          );
        } finally {
          chains.close();
        }
      }

      const ok = simRun.mismatches === 0 && kernelMismatches === 0;
      summary.ok = ok;
      if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
      say(
        ok
          ? "demo: every answer matched the reference."
          : "demo: some answers did NOT match the reference (see above).",
      );
      if (!ok) process.exitCode = 1;
    });
}
