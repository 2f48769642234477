// Warm page cache, one tree: the C anchors (pread loop, io_uring Q = 1/8/32) and every iochain
// path over the same tree and keys, in one run, so the ratios to the C pread loop compare figures
// taken under the same load. Slow paths (TypeScript pread, per step) time a prefix of the keys;
// every path's answers are checked against the reference first (bench/chains-data.ts).
import type { TreeName } from "./anchor-data.js";
import { runAnchors } from "./anchors.js";
import { cDriverRows } from "./chains-cdriver.js";
import { loadLookups } from "./chains-data.js";
import type { Measured } from "./chains-measure.js";
import { type PathOptions, kernelChains, perStep, threaded, tsPreadLoop } from "./chains-paths.js";
import { errorCode, exampleProgram } from "./chains-program.js";
import { baseRow, fromAnchor, missingRow, ratio } from "./chains-rows.js";
import type { Row } from "./table.js";

export interface WarmOptions {
  tree: TreeName;
  /** Keys in the key file (the anchors and the fast paths run all of them per pass). */
  keys: number;
  rounds: number;
}

/** Keys per pass of the slow paths: enough for a stable median in well under a second a pass. */
const SLOW = { tsPread: 20_000, perStep: 2_000, unbatched: 50_000 };

export async function benchWarm({ tree, keys, rounds }: WarmOptions): Promise<Row[]> {
  const lookups = loadLookups(tree, keys);
  const artifact = exampleProgram("bptree", "lookup");
  const notFound = errorCode(artifact, "not_found");
  const opts = (n: number): PathOptions => ({
    lookups,
    artifact,
    rounds,
    n: Math.min(n, keys),
  });

  const rows: Measured[] = runAnchors({ tree, keys, rounds }).map((a) => fromAnchor(a, keys));
  rows.push(tsPreadLoop(opts(SLOW.tsPread)));
  rows.push(perStep(opts(SLOW.perStep)));
  for (const batch of [1, 8, 64, 256])
    for (const form of ["objects", "packed"] as const)
      rows.push(kernelChains(opts(batch === 1 ? SLOW.unbatched : keys), batch, form, notFound));
  for (const threads of [1, 2])
    rows.push(await threaded(opts(keys), threads, { batch: 64, notFound }));
  const driver = cDriverRows(lookups, artifact, rounds, notFound);
  if (typeof driver !== "string") rows.push(...driver);

  const cPread = rows.find((r) => r.path === "C pread loop");
  const tsPread = rows.find((r) => r.path.startsWith("TS pread loop"));
  const table = rows.map((m) =>
    baseRow(tree, m, { "x C pread": ratio(cPread, m), "x TS pread": ratio(tsPread, m) }),
  );
  if (typeof driver === "string")
    table.push(missingRow(tree, "C driver on our object", driver, table[0]));
  return table;
}
