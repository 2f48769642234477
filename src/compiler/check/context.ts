// State shared by the checker's passes (resolve, layouts, consts, types, control, storage): the
// loaded modules, the diagnostics collected so far, and what is known about the program being
// checked (its block size). Each pass reports every error it finds and goes on; the checker throws
// one DiagnosticsError at the end.
import { DiagnosticsError, type Diagnostic } from "../../diagnostics.js";
import type * as A from "../front/ast.js";
import { closest } from "../front/spelling.js";

export interface ErrorDecl {
  name: string;
  pub: boolean;
  span: A.Span;
}

export interface ModuleInfo {
  /** The path diagnostics print (as given for the main file; relative for imports). */
  file: string;
  /** Absolute path: the module's identity. */
  key: string;
  ast: A.Module;
  /** Top-level items by name (consts, layouts, fns, the storage fn). */
  items: Map<string, A.ConstItem | A.LayoutItem | A.FnItem | A.StorageItem>;
  /** Imported modules by the name they are known by here. */
  imports: Map<string, { module: ModuleInfo; span: A.Span }>;
  errors: Map<string, ErrorDecl>;
  isStd: boolean;
}

export class Diags {
  readonly list: Diagnostic[] = [];

  error(
    code: string,
    message: string,
    span: A.Span | undefined,
    hint?: string,
    notes?: string[],
  ): void {
    // The same error at the same place (e.g. a generic body seen twice) is reported once.
    if (this.list.some((d) => d.code === code && d.message === message && samePos(d.pos, span)))
      return;
    this.list.push({ severity: "error", code, message, pos: span, hint, notes });
  }

  get count(): number {
    return this.list.length;
  }

  /** Throws every diagnostic collected, in source order, if there is any. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const sorted = [...this.list].sort(
      (a, b) =>
        (a.pos?.file ?? "").localeCompare(b.pos?.file ?? "") ||
        (a.pos?.line ?? 0) - (b.pos?.line ?? 0) ||
        (a.pos?.col ?? 0) - (b.pos?.col ?? 0),
    );
    throw new DiagnosticsError(sorted);
  }
}

function samePos(
  a: A.Span | { line: number; col: number; file: string } | undefined,
  b: A.Span | undefined,
): boolean {
  if (!a || !b) return a === b;
  return a.file === b.file && a.line === b.line && a.col === b.col;
}

/** Per-function facts the checker collects for the control pass and the lowering. */
export interface FnFacts {
  item: A.FnItem | A.StorageItem;
  module: ModuleInfo;
  /** Calls of user functions made by the body, with the call's span. */
  calls: { callee: A.FnItem; module: ModuleInfo; span: A.Span }[];
  readsBlock: A.Span | undefined;
  fails: A.Span | undefined;
}

export interface CheckContext {
  diags: Diags;
  modules: Map<string, ModuleInfo>;
  main: ModuleInfo;
  /** The block size of the program's storage fn (reads are checked against it). */
  blockSize: number;
  facts: Map<A.FnItem | A.StorageItem, FnFacts>;
  /** Counter for local binding ids. */
  nextLocal: number;
}

export const didYouMean = (name: string, candidates: Iterable<string>): string | undefined => {
  const c = closest(name, candidates);
  return c ? `did you mean \`${c}\`?` : undefined;
};
