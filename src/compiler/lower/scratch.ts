// The scratch map's layout (docs/abi.md "scratch layout"): 8-byte aligned regions in the order
// state variables (the user's, then the hidden ones the lowering needs), result bytes,
// aggregates, output rows. Also the artifact's view of it (FieldSpec, OutputSpec, AggregateSpec).
import type { AggregateSpec, FieldSpec, OutputSpec, ScalarType } from "../../abi/artifact.js";
import { WIDE_SUM_BYTES } from "../../abi/artifact.js";
import type * as A from "../front/ast.js";
import type { StorageInfo } from "../check/storage.js";

export interface ScratchLayout {
  /** Offsets of the user's state variables. */
  state: Map<A.StateDecl, number>;
  /** Hidden state: the current stage, the suspended scan (index + 1) and its record, rows emitted. */
  stage?: number;
  scanWhich?: number;
  scanRecord?: number;
  rowsTotal?: number;
  resultOffset?: number;
  aggregates: { info: StorageInfo["aggregates"][number]; offset: number; countOffset?: number }[];
  output?: {
    offset: number;
    rowSize: number;
    capacity: number;
    fields: { name: string; type: A.IntType; offset: number }[];
  };
  size: number;
  stateSpecs: FieldSpec[];
}

const align8 = (n: number): number => (n + 7) & ~7;
const scalarName = (t: A.IntType | A.BoolType): ScalarType => (t.kind === "bool" ? "bool" : t.name);

export function layoutScratch(info: StorageInfo): ScratchLayout {
  let at = 0;
  const specs: FieldSpec[] = [];
  const slot = (name: string, type: ScalarType): number => {
    const off = at;
    specs.push({ name, type, offset: off });
    at += 8;
    return off;
  };
  const state = new Map<A.StateDecl, number>();
  for (const s of info.state) state.set(s.decl, slot(s.decl.name.name, scalarName(s.type)));
  const layout: ScratchLayout = { state, aggregates: [], size: 0, stateSpecs: specs };
  if (info.stages.length > 0) layout.stage = slot("$stage", "u32");
  if (info.scans.length > 0) {
    layout.scanWhich = slot("$scan", "u32");
    layout.scanRecord = slot("$scan_record", "u64");
  }
  if (info.aggregates.some((a) => a.kind !== "count" && a.kind !== "sum"))
    layout.rowsTotal = slot("$rows_total", "u64");

  if (info.result.kind === "bytes") {
    layout.resultOffset = at;
    at = align8(at + info.result.length);
  }
  for (const a of info.aggregates) {
    const offset = at;
    // sum and avg keep a 128-bit sum (scan.ts, addWide): exact, never wrapped.
    at += a.kind === "sum" || a.kind === "avg" ? WIDE_SUM_BYTES : 8;
    layout.aggregates.push({
      info: a,
      offset,
      // Everything but count and sum needs to know whether any row was seen (artifact.ts).
      countOffset: a.kind === "count" || a.kind === "sum" ? undefined : layout.rowsTotal,
    });
  }
  if (info.output) {
    let rowAt = 0;
    const fields = info.output.fields.map((f) => {
      const size = f.type.bits / 8;
      rowAt = Math.ceil(rowAt / size) * size;
      const field = { name: f.name, type: f.type, offset: rowAt };
      rowAt += size;
      return field;
    });
    const rowSize = align8(Math.max(rowAt, 1));
    layout.output = { offset: at, rowSize, capacity: info.output.capacity, fields };
    at += rowSize * info.output.capacity;
  }
  layout.size = Math.max(8, align8(at));
  return layout;
}

export function outputSpec(l: ScratchLayout): OutputSpec | undefined {
  if (!l.output) return undefined;
  return {
    offset: l.output.offset,
    rowSize: l.output.rowSize,
    capacity: l.output.capacity,
    fields: l.output.fields.map((f) => ({ name: f.name, type: f.type.name, offset: f.offset })),
  };
}

export function aggregateSpecs(l: ScratchLayout): AggregateSpec[] {
  return l.aggregates.map((a) => ({
    name: a.info.name,
    kind: a.info.kind,
    type: a.info.type.name,
    offset: a.offset,
    ...(a.countOffset !== undefined ? { countOffset: a.countOffset } : {}),
  }));
}
