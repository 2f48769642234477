// SVG plots of an experiment's rows: a Vega-Lite spec compiled to Vega and rendered by Vega's
// headless SVG renderer in Node (no browser, no hand-drawn paths). The model's rows are lines with
// points, coloured by dispatch; where the rows carry the paper's figures (paper_* fields) those
// are drawn beside them as hollow squares.
import { compile as compileVegaLite, type TopLevelSpec } from "vega-lite";
import { parse, View } from "vega";
import type { Row } from "./experiments/types.js";
import type { SimOutput } from "./run.js";

const SWEPT = [
  "depth",
  "index_ios",
  "threads",
  "batch",
  "cached_levels",
  "max_chain",
  "rate",
  "layer",
];

/** What the plot shows on y: the experiment's main figure and its unit. */
function yOf(experiment: string): { field: string; title: string; paper?: string } {
  if (experiment === "uring" || experiment === "threads")
    return { field: "iops", title: "throughput (lookups/s)" };
  if (experiment === "table1") return { field: "model_ns", title: "cost (ns)", paper: "paper_ns" };
  if (experiment === "index-ios")
    return {
      field: "mean_latency_us",
      title: "mean lookup latency (µs)",
      paper: "paper_mean_latency_us",
    };
  if (experiment === "depth")
    return {
      field: "mean_latency_us",
      title: "mean lookup latency (µs)",
      paper: "paper_latency_us",
    };
  return { field: "mean_latency_us", title: "mean latency (µs)" };
}

export function plotSpec(out: SimOutput): TopLevelSpec {
  const x = SWEPT.find((k) => out.rows.some((r) => k in r)) ?? "dispatch";
  const y = yOf(out.experiment);
  const values: Row[] = [];
  for (const r of out.rows) {
    values.push({ ...r, source: "model", y: r[y.field] as number });
    if (y.paper && typeof r[y.paper] === "number")
      values.push({ ...r, source: "paper", y: r[y.paper] as number });
  }
  const xType = typeof out.rows[0]?.[x] === "number" ? "quantitative" : "nominal";
  const units: Record<string, string> = {
    depth: "tree depth (levels)",
    index_ios: "index I/Os per lookup",
    threads: "threads",
    batch: "io_uring batch (chains per submission)",
    cached_levels: "tree levels cached in memory",
    max_chain: "in-kernel hop cap (0: none)",
    rate: "fault rate (per chain)",
    layer: "layer",
  };
  const xEnc = { field: x, type: xType, title: units[x] ?? x };
  const yEnc = { field: "y", type: "quantitative", title: y.title };
  const color = { field: "dispatch", type: "nominal", title: "dispatch" };
  const shape = {
    field: "source",
    type: "nominal",
    title: "figure",
    scale: { domain: ["model", "paper"], range: ["circle", "square"] },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `iochain sim: ${out.experiment}`,
    width: 520,
    height: 320,
    background: "white",
    data: { values },
    layer:
      xType === "nominal"
        ? [
            {
              mark: "bar",
              encoding: {
                x: xEnc,
                y: yEnc,
                color: { field: "source", type: "nominal", title: "figure" },
                xOffset: { field: "source" },
              },
            },
          ]
        : [
            {
              transform: [{ filter: "datum.source === 'model'" }],
              mark: "line",
              encoding: { x: xEnc, y: yEnc, color },
            },
            {
              mark: { type: "point", filled: false, size: 70, strokeWidth: 2 },
              encoding: { x: xEnc, y: yEnc, color, shape },
            },
          ],
  } as TopLevelSpec;
}

export async function renderSvg(out: SimOutput): Promise<string> {
  const vg = compileVegaLite(plotSpec(out)).spec;
  const view = new View(parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
