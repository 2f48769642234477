// The chains section's table rows: µs and lookups/s, hops and syscalls per lookup, and each row's
// speed as a ratio to the rows it is judged against (issue 8's goals are such ratios, measured in
// the same run: a ratio survives the machine's load better than a raw figure does).
import type { AnchorRow } from "./anchors.js";
import type { Measured } from "./chains-measure.js";
import type { Row } from "./table.js";

/** Rounded for the table. */
export const fmt = (n: number, digits: number): number => Number(n.toFixed(digits));

/** "" where a figure is not known. */
const maybe = (n: number | undefined, digits: number): number | string =>
  n === undefined || Number.isNaN(n) ? "" : fmt(n, digits);

/** `base / m`: how many times faster `m` is than `base` ("" without a base). */
export const ratio = (base: Measured | undefined, m: Measured): number | string =>
  base ? fmt(base.nsPerLookup / m.nsPerLookup, 2) : "";

/** The anchors' rows as measurements; a pread loop makes one syscall per hop. */
export function fromAnchor(a: AnchorRow, lookups: number): Measured {
  return {
    path: a.name,
    lookups,
    nsPerLookup: a.nsPerLookup,
    nsMin: a.nsMin,
    hopsPerLookup: a.hopsPerLookup,
    syscallsPerLookup: a.name === "C pread loop" ? a.hopsPerLookup : undefined,
    deviceBytesPerLookup: a.deviceBytesPerLookup,
  };
}

/** The columns every chains table shares, then the row's ratios (`extra`, in order). */
export function baseRow(tree: string, m: Measured, extra: Row = {}): Row {
  return {
    tree,
    path: m.path,
    lookups: m.lookups,
    "us/lookup": fmt(m.nsPerLookup / 1000, 3),
    "us (best)": fmt(m.nsMin / 1000, 3),
    "lookups/s": Math.round(1e9 / m.nsPerLookup),
    "hops/lookup": fmt(m.hopsPerLookup, 2),
    "syscalls/lookup": maybe(m.syscallsPerLookup, 3),
    ...extra,
  };
}

/** A row for a path that could not run here, with the reason in the path column. */
export function missingRow(tree: string, path: string, reason: string, like: Row): Row {
  return Object.fromEntries(
    Object.keys(like).map((k) => [
      k,
      k === "tree" ? tree : k === "path" ? `${path}: ${reason}` : "",
    ]),
  );
}
