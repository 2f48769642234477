// A parameter file for `iochain sim run --params FILE`: values measured elsewhere (the machine
// calibration `npm run bench -- sim-machine` writes one), each with where it came from:
//   {"command": "...", "params": {"m_pread_ns": {"value": 367, "note": "measured: ..."}}}
// A bare number stands for a value with no note. Names and values are checked as --param's are.
import { IochainError } from "../diagnostics.js";
import { readInput } from "../files.js";

export interface ParamFile {
  /** name=value settings, as --param gives them (resolveParams checks them). */
  overrides: Record<string, string>;
  /** Where each value came from, as the file says ("measured: <command> ..."). */
  notes: Record<string, string>;
}

const bad = (path: string, why: string): IochainError =>
  new IochainError(
    "E0962",
    `${path}: ${why}`,
    undefined,
    'a parameter file is {"params": {"name": {"value": N, "note": "..."}}} (bench sim-machine writes one)',
  );

export function readParamFile(path: string): ParamFile {
  let json: unknown;
  try {
    json = JSON.parse(readInput(path, "parameter file").toString("utf8"));
  } catch (err) {
    if (err instanceof IochainError) throw err;
    throw bad(path, `not JSON: ${(err as Error).message}`);
  }
  const params = (json as { params?: unknown } | null)?.params;
  if (typeof params !== "object" || params === null || Array.isArray(params))
    throw bad(path, "no `params` object");
  const out: ParamFile = { overrides: {}, notes: {} };
  for (const [name, entry] of Object.entries(params as Record<string, unknown>)) {
    const value = typeof entry === "number" ? entry : (entry as { value?: unknown } | null)?.value;
    if (typeof value !== "number") throw bad(path, `parameter ${name} has no numeric value`);
    out.overrides[name] = String(value);
    const note = (entry as { note?: unknown }).note;
    if (typeof note === "string") out.notes[name] = note;
  }
  return out;
}
