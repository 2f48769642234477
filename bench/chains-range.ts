// Range scans (examples/range/scan.ioc) over the t3 tree: chains that emit rows and suspend when
// their output buffer (32 rows) is full, resumed on the same block. Kernel chains go back to user
// space at each suspension (one more test run), so this shows what suspensions cost them beside
// the per-step runtime and the simulator (the VM). Two widths: ~66 rows a range (2 suspensions)
// and ~660 (20). No C anchor: the anchors do point lookups only.
import { readFileSync } from "node:fs";
import { scanRange } from "../examples/range/reference.js";
import type { ChainResult } from "../src/runtime/driver.js";
import { KernelChainSession } from "../src/runtime/kernel-chain-session.js";
import { openSession } from "../src/runtime/open-session.js";
import { sessionSyscalls } from "../src/runtime/session-syscalls.js";
import { anchorData, decodeKeys } from "./anchor-data.js";
import { type Measured, timeRounds } from "./chains-measure.js";
import { exampleProgram } from "./chains-program.js";
import { baseRow, fmt, ratio } from "./chains-rows.js";
import type { Row } from "./table.js";

type Range = { lo: bigint; hi: bigint };

/** One string for all answers (rows, aggregates, hops), as the reference renders them too. */
function render(results: readonly ChainResult[]): string {
  return results
    .map((r) => {
      if (r.status !== "done") return `status ${r.status} ${r.error ?? ""}`;
      const a = r.aggregates;
      const agg =
        BigInt(a.count as bigint) === 0n ? "0 0 - -" : `${a.count} ${a.sum} ${a.min} ${a.max}`;
      return `${r.rows.map((row) => `${row.key}:${row.ptr}`).join(",")}|${agg}|${r.hops}`;
    })
    .join("\n");
}

function expected(file: Uint8Array, ranges: readonly Range[]): string {
  return ranges
    .map(({ lo, hi }) => {
      const r = scanRange(file, lo, hi);
      const a = r.aggregates;
      const agg = a.count === 0n ? "0 0 - -" : `${a.count} ${a.sum} ${a.min} ${a.max}`;
      return `${r.rows.map((row) => `${row.key}:${row.ptr}`).join(",")}|${agg}|${r.hops}`;
    })
    .join("\n");
}

interface Runner {
  path: string;
  run(ranges: readonly Range[]): ChainResult[];
  syscalls(results: ChainResult[]): number;
  close(): void;
}

/** Each way to run the scans, opened one at a time (only one session is open at once). */
function runners(data: string): (() => Runner)[] {
  const artifact = exampleProgram("range", "scan");
  const out: (() => Runner)[] = [];
  for (const target of ["sim", "linux"] as const) {
    out.push(() => {
      const s = openSession(artifact, {
        target,
        data,
        chain: target === "linux" ? "step" : undefined,
      });
      return {
        path: target === "sim" ? "sim (VM), per step" : "per-step linux runtime",
        run: (r) => s.runBatch(r),
        syscalls: (res) => sessionSyscalls(s, res),
        close: () => s.close(),
      };
    });
  }
  for (const batch of [1, 64]) {
    out.push(() => {
      const s = KernelChainSession.open(artifact, { data, batch });
      return {
        path: `kernel chains K=${batch}${batch === 1 ? " unbatched" : ""}`,
        run: (r) => (batch === 1 ? r.map((x) => s.run(x)) : s.runBatch(r)),
        syscalls: () => s.runs,
        close: () => s.close(),
      };
    });
  }
  return out;
}

export function benchRange(opts: { ranges: number; rounds: number }): Row[] {
  const { tree: data, keyFile } = anchorData("t3", 20_000);
  const file = readFileSync(data);
  const starts = decodeKeys(readFileSync(keyFile));
  const table: Row[] = [];
  for (const width of [450n, 4500n]) {
    const n = width > 1000n ? Math.ceil(opts.ranges / 10) : opts.ranges;
    const ranges = starts.slice(0, n).map((lo) => ({ lo, hi: lo + width }));
    const want = expected(file, ranges);
    const rows: { m: Measured; rowsPer: number; suspPer: number }[] = [];
    for (const open of runners(data)) {
      const r = open();
      try {
        const before = r.syscalls([]);
        const results = r.run(ranges);
        if (render(results) !== want) throw new Error(`range ${r.path}: wrong answers`);
        const syscalls = r.syscalls(results) - before;
        const hops = results.reduce((s, x) => s + x.hops, 0);
        const rowsPer = results.reduce((s, x) => s + x.rows.length, 0) / n;
        const suspPer = results.reduce((s, x) => s + x.suspensions, 0) / n;
        const t = timeRounds(opts.rounds, n, () => r.run(ranges));
        const m = { path: r.path, lookups: n, ...t, hopsPerLookup: hops / n };
        rows.push({ m: { ...m, syscallsPerLookup: syscalls / n }, rowsPer, suspPer });
      } finally {
        r.close();
      }
    }
    const step = rows.find((x) => x.m.path === "per-step linux runtime")?.m;
    for (const { m, rowsPer, suspPer } of rows)
      table.push(
        baseRow(`t3, lo..lo+${width}`, m, {
          "rows/range": fmt(rowsPer, 1),
          "suspensions/range": fmt(suspPer, 2),
          "x per-step": ratio(step, m),
        }),
      );
  }
  // The shared columns say "lookup"; here each chain is a range.
  return table.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k.replace("lookup", "range"), v])),
  );
}
