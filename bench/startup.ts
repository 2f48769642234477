// Start-up and compile time as a user sees them: each command as its own process, measured side
// by side (the commands of one table take turns, run after run, so that load on the machine falls
// on all alike), median wall time. Goals (issue 9): `iochain --help` within 1.3x `node -e 0`;
// `iochain compile` of each example within 2x clang-19 compiling its C equivalent (bench/c).
// "cold": --no-cache, the compiler runs; "cached": the artifact cache hits (docs/cli.md).
// `iochain` is bin/iochain as installed: node from the start-up snapshot (scripts/snapshot.mjs);
// the "plain" rows run the same commands without it (IOCHAIN_NO_SNAPSHOT=1: the esbuild bundle).
// bin/iochain starts node without NODE_EXTRA_CA_CERTS (node 20 parses that CA bundle before any
// script runs, ~30 ms): `node -e 0` is measured likewise, and where the variable is set, rows
// marked "with NODE_EXTRA_CA_CERTS" show what node and a cold compile cost with it.
//
//   npm run build && node dist/bench/main.js startup      (BENCH_RUNS=N, default 15)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { C_DIR, CLANG, CLANG_FLAGS, repoRoot } from "./c-programs.js";
import { type Row } from "./table.js";
import { EXAMPLES } from "./workloads.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const IOCHAIN = join(repoRoot, "bin", "iochain");

interface Command {
  label: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
}

/** Median wall milliseconds of each command, the commands taking turns; one warm-up run each. */
function sideBySide(commands: Command[]): number[] {
  const times = commands.map(() => [] as number[]);
  for (let run = -1; run < RUNS; run++)
    commands.forEach((c, i) => {
      const start = process.hrtime.bigint();
      const r = spawnSync(c.argv[0], c.argv.slice(1), {
        env: c.env ?? process.env,
        stdio: "ignore",
      });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`${c.argv.join(" ")} exited with ${r.status}`);
      if (run >= 0) times[i].push(ms);
    });
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

/** A cold compile as bin/iochain runs it from the snapshot, but with the environment as given. */
function snapshotCompile(args: string[]): string[] {
  const snapshot = join(repoRoot, "dist", "snapshot");
  const flags = readFileSync(join(snapshot, "node"), "utf8").split("\n")[1].split(" ");
  const blob = join(snapshot, "iochain.blob");
  return [
    process.execPath,
    ...flags,
    "--snapshot-blob",
    blob,
    join(repoRoot, "bin", "iochain.js"),
    ...args,
  ];
}

const ms = (n: number): number => Number(n.toFixed(1));
const ratio = (a: number, b: number): number => Number((a / b).toFixed(2));

export function benchStartup(): Row[] {
  const dir = mkdtempSync(join(tmpdir(), "iochain-bench-startup-"));
  try {
    const caCerts = process.env.NODE_EXTRA_CA_CERTS;
    const asIochain = { ...process.env };
    delete asIochain.NODE_EXTRA_CA_CERTS;
    const env = { ...asIochain, XDG_CACHE_HOME: join(dir, "cache") };
    const empty = join(dir, "empty.c");
    writeFileSync(empty, "");
    const node = process.execPath;
    const rows: Row[] = [];
    const plain = { ...env, IOCHAIN_NO_SNAPSHOT: "1" };
    // bin/iochain runs these from the plain bundle (no compiler needed; docs/cli.md).
    const [nodeMs, helpMs, versionMs, nodeCaMs] = sideBySide([
      { label: "node -e 0", argv: [node, "-e", "0"], env: asIochain },
      { label: "iochain --help", argv: [IOCHAIN, "--help"] },
      { label: "iochain --version", argv: [IOCHAIN, "--version"] },
      ...(caCerts ? [{ label: "node -e 0 with CA", argv: [node, "-e", "0"] }] : []),
    ]);
    rows.push({ command: "node -e 0", ms: ms(nodeMs), baseline: "", ratio: "", goal: "" });
    if (nodeCaMs !== undefined) {
      rows.push({
        command: "node -e 0 with NODE_EXTRA_CA_CERTS",
        ms: ms(nodeCaMs),
        baseline: "node -e 0",
        ratio: ratio(nodeCaMs, nodeMs),
        goal: "",
      });
    }
    rows.push(
      {
        command: "iochain --help",
        ms: ms(helpMs),
        baseline: "node -e 0",
        ratio: ratio(helpMs, nodeMs),
        goal: "<= 1.3",
      },
      {
        command: "iochain --version",
        ms: ms(versionMs),
        baseline: "node -e 0",
        ratio: ratio(versionMs, nodeMs),
        goal: "<= 1.3",
      },
    );
    for (const { name, program } of EXAMPLES) {
      const source = join(repoRoot, "examples", name, `${program}.ioc`);
      const out = join(dir, `${name}.o`);
      const compile = [IOCHAIN, "compile", source, "--target", "linux", "-o", out];
      const [clangMs, emptyMs, coldMs, cachedMs, plainMs, coldCaMs] = sideBySide([
        {
          label: "clang",
          argv: [CLANG, ...CLANG_FLAGS, join(C_DIR, `${name}.c`), "-o", join(dir, `${name}-c.o`)],
        },
        { label: "clang empty", argv: [CLANG, ...CLANG_FLAGS, empty, "-o", join(dir, "empty.o")] },
        { label: "cold", argv: [...compile, "--no-cache"], env },
        { label: "cached", argv: compile, env },
        { label: "cold plain", argv: [...compile, "--no-cache"], env: plain },
        ...(caCerts
          ? [
              {
                label: "cold with CA",
                argv: snapshotCompile(compile.slice(1).concat("--no-cache")),
                env: { ...env, NODE_EXTRA_CA_CERTS: caCerts },
              },
            ]
          : []),
      ]);
      rows.push(
        {
          command: `clang-19 ${name}.c`,
          ms: ms(clangMs),
          baseline: `(empty file ${ms(emptyMs)})`,
          ratio: "",
          goal: "",
        },
        {
          command: `iochain compile ${name} cold`,
          ms: ms(coldMs),
          baseline: `clang-19 ${name}.c`,
          ratio: ratio(coldMs, clangMs),
          goal: "<= 2",
        },
        {
          command: `iochain compile ${name} cached`,
          ms: ms(cachedMs),
          baseline: `clang-19 ${name}.c`,
          ratio: ratio(cachedMs, clangMs),
          goal: "<= 2",
        },
        {
          command: `iochain compile ${name} cold (plain bundle)`,
          ms: ms(plainMs),
          baseline: `clang-19 ${name}.c`,
          ratio: ratio(plainMs, clangMs),
          goal: "",
        },
      );
      if (coldCaMs !== undefined) {
        rows.push({
          command: `iochain compile ${name} cold with NODE_EXTRA_CA_CERTS`,
          ms: ms(coldCaMs),
          baseline: `clang-19 ${name}.c`,
          ratio: ratio(coldCaMs, clangMs),
          goal: "",
        });
      }
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
