// The experiment's output as a text table, CSV and the `--json` object.
import type { Row } from "./experiments/types.js";
import type { SimOutput } from "./run.js";

const columns = (rows: readonly Row[]): string[] => {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
};

export function toTable(out: SimOutput): string {
  const cols = columns(out.rows);
  const cells = out.rows.map((r) => cols.map((c) => (r[c] === undefined ? "" : String(r[c]))));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (xs: string[]): string =>
    xs.map((x, i) => (i === 0 ? x.padEnd(width[i]) : x.padStart(width[i]))).join("  ");
  return [line(cols), ...cells.map(line)].join("\n") + "\n";
}

const csvCell = (v: string | number | boolean | undefined): string => {
  if (v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function toCsv(rows: readonly Row[]): string {
  const cols = columns(rows);
  return (
    [cols.join(","), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(","))].join("\n") + "\n"
  );
}

export function toJson(out: SimOutput): string {
  return JSON.stringify({ experiment: out.experiment, params: out.params, rows: out.rows }) + "\n";
}

/** `k=v, ...` of the parameters a run used (printed by every run). */
export const paramLine = (out: SimOutput): string =>
  "params: " +
  Object.entries(out.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ") +
  "\n";
