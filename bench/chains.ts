// Kernel chains against the C anchors, side by side in one run (issue 8's "Acceptance" bench):
// bptree lookups on the anchors' t3 and t5 trees with a warm page cache (bench/chains-warm.ts),
// range scans with suspensions (chains-range.ts), t5 with a cold page cache (chains-cold.ts), and
// last the goals as ratios measured in this run. Each table is printed as soon as it is
// measured; the goals table is what the bench/main.ts section returns.
//
//   npm run build && node dist/bench/main.js chains        (everything, a few minutes)
//   node dist/bench/chains.js warm|cold|range [t3|t5] [--keys N] [--rounds R]
import { pathToFileURL } from "node:url";
import type { TreeName } from "./anchor-data.js";
import { benchCold } from "./chains-cold.js";
import { benchRange } from "./chains-range.js";
import { benchWarm } from "./chains-warm.js";
import { formatTable, type Row } from "./table.js";

export interface ChainsOptions {
  parts: ("warm" | "range" | "cold")[];
  trees?: TreeName[];
  /** Keys per tree warm (the anchors' key file of that size); cold uses `coldKeys`. */
  keys?: number;
  coldKeys?: number;
  rounds?: number;
}

const WARM = "warm page cache, µs per lookup; x = speed relative to that row (median of rounds)";

/** Runs the chosen parts, printing each table; returns every table's rows by title. */
export async function runChains(opts: ChainsOptions): Promise<Map<string, Row[]>> {
  const rounds = opts.rounds ?? 5;
  const tables = new Map<string, Row[]>();
  const show = (title: string, rows: Row[]) => {
    tables.set(title, rows);
    console.log(formatTable(title, rows) + "\n");
  };
  if (opts.parts.includes("warm"))
    for (const tree of opts.trees ?? (["t3", "t5"] as const)) {
      const keys = opts.keys ?? 50_000;
      show(`chains, bptree ${tree}, ${WARM}`, await benchWarm({ tree, keys, rounds }));
    }
  if (opts.parts.includes("range"))
    show(
      "chains, range scans (examples/range/scan.ioc) over t3, warm; x per-step = speed relative to the per-step linux runtime",
      benchRange({ ranges: 1000, rounds }),
    );
  if (opts.parts.includes("cold")) {
    const keys = opts.coldKeys ?? 20_000;
    const runs = Math.min(rounds, 3);
    for (const tree of opts.trees?.length ? opts.trees : (["t5"] as const))
      show(
        `chains, bptree ${tree}, cold page cache (file evicted before each run; ${keys} lookups, median of ${runs} runs)`,
        await benchCold({ tree, keys, runs }),
      );
  }
  return tables;
}

/** Issue 8's goals, each a ratio read from the tables measured in this run. */
export function goals(tables: Map<string, Row[]>): Row[] {
  const all = [...tables.values()].flat();
  const find = (tree: string, path: string) =>
    all.find((r) => r.tree === tree && r.path === path) as Row | undefined;
  const out: Row[] = [];
  const goal = (what: string, tree: string, path: string, column: string, target: number) => {
    const r = find(tree, path);
    const got = r?.[column];
    out.push({
      goal: `${what} (${tree})`,
      measured: typeof got === "number" ? got : "not measured",
      target: `>= ${target}`,
      met: typeof got === "number" ? (got >= target ? "yes" : "NO") : "",
    });
  };
  // The trees whose warm table was measured in this run.
  const warmTrees = new Set(
    [...tables]
      .filter(([title]) => title.includes(WARM))
      .flatMap(([, rows]) => rows.map((r) => r.tree)),
  );
  for (const [tree, k64, k1, driver1, driver64] of [
    ["t3", 3.0, 1.0, 1.29, 3.8],
    ["t5", 2.5, 1.0, 1.6, 3.0],
  ] as const) {
    if (!warmTrees.has(tree)) continue;
    for (const api of ["runBatch", "runPacked"])
      goal(
        `kernel chains K=64 from Node (${api}), x C pread`,
        tree,
        `kernel chains K=64, ${api}`,
        "x C pread",
        k64,
      );
    goal(
      "kernel chains unbatched, x C pread",
      tree,
      "kernel chains K=1 unbatched, runBatch",
      "x C pread",
      k1,
    );
    goal(
      "kernel chains unbatched, x TS pread",
      tree,
      "kernel chains K=1 unbatched, runBatch",
      "x TS pread",
      3,
    );
    goal(
      "C driver K=1, x C pread (90% of 1.29/1.60)",
      tree,
      "C driver on our object, K=1",
      "x C pread",
      Number((0.9 * driver1).toFixed(2)),
    );
    goal(
      "C driver K=64, x C pread (90% of 3.8/3.0)",
      tree,
      "C driver on our object, K=64",
      "x C pread",
      Number((0.9 * driver64).toFixed(2)),
    );
  }
  const coldTrees = new Set(
    [...tables]
      .filter(([title]) => title.includes("cold page cache"))
      .flatMap(([, rows]) => rows.map((r) => r.tree)),
  );
  for (const tree of coldTrees)
    for (const t of [1, 2, 8, 32])
      goal(
        `cold: kernel chains ${t} thread(s), x io_uring Q=${t}`,
        String(tree),
        `kernel chains K=64, runPacked, ${t} thread${t > 1 ? "s" : ""}, readAhead random`,
        "x io_uring Q=T",
        0.9,
      );
  return out;
}

/** The bench/main.ts section: everything, then the goals table (returned for main to print). */
export async function benchChains(): Promise<Row[]> {
  const parts: ChainsOptions["parts"] = ["warm", "range", "cold"];
  return goals(await runChains({ parts }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const number = (flag: string) => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    const n = Number(argv[at + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} ${argv[at + 1]}: not a count`);
    return n;
  };
  const parts = (["warm", "range", "cold"] as const).filter((p) => argv.includes(p));
  const trees = (["t3", "t5"] as const).filter((t) => argv.includes(t));
  const keys = number("--keys");
  const chosen: ChainsOptions["parts"] = parts.length ? parts : ["warm", "range", "cold"];
  const tables = await runChains({
    parts: chosen,
    trees: trees.length ? trees : undefined,
    keys,
    coldKeys: keys,
    rounds: number("--rounds"),
  });
  const met = goals(tables);
  if (met.length)
    console.log(formatTable("chains: issue 8's goals (ratios from the tables above)", met));
}
