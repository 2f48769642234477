// The front end in one call: source → checked AST → IR + artifact metadata. The pipeline
// (pipeline.ts) runs the optimiser and the back end on `ir` and adds the instructions.
import { checkProgram, type CheckOptions } from "./check.js";
import { lowerProgram, type Lowered, type LowerOptions } from "./lower.js";

export type FrontEndOptions = CheckOptions & LowerOptions;

/** Throws IochainError / DiagnosticsError (E03xx–E06xx) for bad programs. */
export function frontEnd(source: string, file: string, opts: FrontEndOptions = {}): Lowered {
  return lowerProgram(checkProgram(source, file, opts), opts);
}
