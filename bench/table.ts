// Plain-text tables for benchmark output: one header row, right-aligned numbers.
export type Row = Record<string, string | number>;

export function formatTable(title: string, rows: readonly Row[]): string {
  if (rows.length === 0) return `${title}\n  (no rows)`;
  const columns = Object.keys(rows[0]);
  const cell = (v: string | number | undefined) => (v === undefined ? "" : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[], numeric: boolean[]) =>
    "  " +
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join("  ");
  const numeric = columns.map((c) => rows.every((r) => typeof r[c] === "number"));
  return [
    title,
    line(columns, numeric),
    "  " + widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map((r) =>
      line(
        columns.map((c) => cell(r[c])),
        numeric,
      ),
    ),
  ].join("\n");
}
