// The storage function's own parts: header clauses (reads, block, start, max_chain), parameters,
// result, state, output rows and aggregates, and stages. Produces the StorageInfo that the body
// checker and the lowering work from.
import { Ctx } from "../../abi/artifact.js";
import * as A from "../front/ast.js";
import type { CheckContext, ModuleInfo } from "./context.js";
import { checkExpr, checkInt, coerce, ERROR_TY, type ExprEnv, type Scope } from "./expr.js";
import { checkRowExpr } from "./aggregate-expr.js";
import { requireConstInt } from "./consts.js";
import { valueTypeOf } from "./disk-layouts.js";
import { where } from "./resolve.js";
import { checkReadsClause, readFileIndex } from "./read-files.js";
import { checkStart, type StartExpr } from "./start.js";

export const DEFAULT_BLOCK_SIZE = 4096;
export const DEFAULT_MAX_CHAIN = 16;
export const DEFAULT_CAPACITY = 64;
/** The ctx's argument slots (its last 8 bytes say which file a block is from). */
export const MAX_PARAMS = Ctx.maxArgs;
export const MAX_CAPACITY = 65536;

export type ResultInfo =
  | { kind: "none" }
  | { kind: "scalar"; type: A.IntType | A.BoolType }
  | { kind: "bytes"; length: number };

export interface StateInfo {
  decl: A.StateDecl;
  type: A.IntType | A.BoolType;
  init?: bigint;
}

export interface OutputFieldInfo {
  name: string;
  type: A.IntType;
}

export interface AggregateInfo {
  name: string;
  kind: A.AggregateKind;
  /** The output field aggregated (absent for count and for an expression). */
  field?: string;
  /** An expression over the row (`sum(price * qty)`): its fields are the locals `rowLocals`. */
  expr?: A.Expr;
  rowLocals?: Map<string, number>;
  /**
   * Set when `expr` names more than the row (`max(r.price)`, r a scan's `let`): `expr` stays
   * unchecked and each scan checks its own copy at its `emit` (aggregate-expr.ts).
   */
  perScan?: {
    /** The checked copy for each scan, by scan index: what the lowering of that scan uses. */
    scanExprs: Map<number, A.Expr>;
    /** The value's type in the first scan that checked it; later scans convert to it. */
    valueType?: A.IntType;
  };
  type: A.IntType;
  span: A.Span;
}

export interface StorageInfo {
  item: A.StorageItem;
  module: ModuleInfo;
  blockSize: number;
  /** The first read's offset when constant (else 0 and `startExpr`). */
  start: bigint;
  /** The first read when computed from the parameters (the program's start step). */
  startExpr?: StartExpr;
  maxChain: number;
  files: string[];
  /** Index in `files` of the first read's file (`start ... in "NAME"`, default 0). */
  startFile: number;
  params: { name: string; type: A.IntType | A.BoolType }[];
  result: ResultInfo;
  state: StateInfo[];
  output?: { fields: OutputFieldInfo[]; capacity: number };
  /** The result type was written but is invalid: `return` is not checked against it. */
  resultInvalid?: boolean;
  /** True when an `output` was written, even if it had errors (no second "missing" error). */
  outputDeclared: boolean;
  aggregates: AggregateInfo[];
  stages: A.Stage[];
  scans: A.ScanStmt[];
}

/** Block size first: every read in the program is checked against it. */
export function storageBlockSize(
  ctx: CheckContext,
  item: A.StorageItem,
  module: ModuleInfo,
): number {
  const env: ExprEnv = { ctx, module, scope: undefined, constOnly: true };
  const clauses = item.clauses.filter((c) => c.kind === "block");
  if (clauses.length === 0) return DEFAULT_BLOCK_SIZE;
  const v = requireConstInt(env, (clauses[0] as { value: A.Expr }).value, {
    min: 8n,
    max: 65536n,
    code: "E0514",
    what: "the block size",
    hint: "block sizes are 8 ..= 65536 bytes, a multiple of 8",
  });
  if (v === undefined) return DEFAULT_BLOCK_SIZE;
  if (v % 8n !== 0n) {
    ctx.diags.error(
      "E0514",
      `the block size ${v} is not a multiple of 8`,
      (clauses[0] as { value: A.Expr }).value.span,
      "block sizes are 8 ..= 65536 bytes, a multiple of 8",
    );
    return DEFAULT_BLOCK_SIZE;
  }
  return Number(v);
}

export function checkStorageHeader(
  ctx: CheckContext,
  item: A.StorageItem,
  module: ModuleInfo,
): { info: StorageInfo; scope: Scope } {
  const env: ExprEnv = { ctx, module, scope: undefined, constOnly: true };
  const info: StorageInfo = {
    item,
    module,
    blockSize: ctx.blockSize,
    start: 0n,
    maxChain: DEFAULT_MAX_CHAIN,
    files: [],
    startFile: 0,
    params: [],
    result: { kind: "none" },
    state: [],
    outputDeclared: false,
    aggregates: [],
    stages: item.stages,
    scans: [],
  };
  checkClauses(ctx, env, item, info);
  const { scope, declare } = storageScope(ctx, item);
  checkParams(ctx, env, item, info, declare);
  // Only the parameters are in scope for `start` (state is declared below).
  const first = checkStart(ctx, item, module, { names: new Map(scope.names) });
  if (first && "constant" in first) info.start = first.constant;
  else if (first) info.startExpr = first.computed;
  const startClause = item.clauses.find((c) => c.kind === "start");
  if (startClause?.kind === "start")
    info.startFile =
      readFileIndex(ctx, info.files, startClause.file, { what: "start", span: startClause.span }) ??
      0;
  if (item.result) {
    const errorsBefore = ctx.diags.count;
    info.result = storageResult(ctx, env, item.result);
    info.resultInvalid = ctx.diags.count > errorsBefore;
  }
  checkDecls(ctx, env, item, info, scope, declare);
  checkStages(ctx, item, info);
  return { info, scope };
}

type Declare = (id: A.Ident, binding: A.Binding, ty: A.Type) => void;

/** The header clauses: `reads`, `max_chain`, each at most once (`start`: start.ts). */
function checkClauses(
  ctx: CheckContext,
  env: ExprEnv,
  item: A.StorageItem,
  info: StorageInfo,
): void {
  const d = ctx.diags;
  const seenClause = new Map<string, A.Span>();
  for (const c of item.clauses) {
    const prev = seenClause.get(c.kind);
    if (prev) {
      d.error("E0616", `the \`${c.kind}\` clause is given twice`, c.span, undefined, [
        `first given at ${where(prev)}`,
      ]);
      continue;
    }
    seenClause.set(c.kind, c.span);
    if (c.kind === "reads") {
      checkReadsClause(ctx, c.files);
      info.files = c.files.map((f) => f.value);
    } else if (c.kind === "max_chain") {
      const v = requireConstInt(env, c.value, {
        min: 1n,
        max: (1n << 31n) - 1n,
        code: "E0515",
        what: "`max_chain`",
      });
      if (v !== undefined) info.maxChain = Number(v);
    }
  }
}

/** The scope of the storage function's body: parameters and state, each name once. */
function storageScope(ctx: CheckContext, item: A.StorageItem): { scope: Scope; declare: Declare } {
  const scope: Scope = { names: new Map() };
  const declare: Declare = (id, binding, ty) => {
    const prev = scope.names.get(id.name);
    if (prev) {
      const at =
        "span" in prev.binding
          ? prev.binding.span
          : "decl" in prev.binding
            ? prev.binding.decl.name.span
            : undefined;
      ctx.diags.error(
        "E0402",
        `the name \`${id.name}\` is defined twice in \`${item.name.name}\``,
        id.span,
        undefined,
        at ? [`first defined at ${where(at)}`] : undefined,
      );
      return;
    }
    scope.names.set(id.name, { binding, ty });
  };
  return { scope, declare };
}

/** Parameters: at most MAX_PARAMS (the ctx's argument slots), integers or bools. */
function checkParams(
  ctx: CheckContext,
  env: ExprEnv,
  item: A.StorageItem,
  info: StorageInfo,
  declare: Declare,
): void {
  const d = ctx.diags;
  if (item.params.length > MAX_PARAMS) {
    d.error(
      "E0617",
      `\`${item.name.name}\` has ${item.params.length} parameters; a storage function takes at most ${MAX_PARAMS}`,
      item.params[MAX_PARAMS].span,
      `the ctx carries ${MAX_PARAMS} arguments; pack small values together`,
    );
  }
  item.params.forEach((p, index) => {
    const t = valueTypeOf(env, p.type, {});
    if (t && t.kind !== "int" && t.kind !== "bool") {
      d.error(
        "E0617",
        `the parameter \`${p.name.name}\` must be an integer or a bool`,
        p.type.span,
      );
      return;
    }
    p.ty = t;
    if (t) info.params.push({ name: p.name.name, type: t });
    declare(
      p.name,
      { kind: "param", index, name: p.name.name, fn: item, span: p.name.span },
      t ?? ERROR_TY,
    );
  });
}

/** `state` variables (constant initial values), the `output` rows, then the aggregates. */
function checkDecls(
  ctx: CheckContext,
  env: ExprEnv,
  item: A.StorageItem,
  info: StorageInfo,
  scope: Scope,
  declare: Declare,
): void {
  const d = ctx.diags;
  for (const decl of item.decls) {
    if (decl.kind === "state") {
      const t = valueTypeOf(env, decl.type, {});
      if (t && t.kind !== "int" && t.kind !== "bool") {
        d.error("E0618", "a state variable is an integer or a bool", decl.type.span);
        continue;
      }
      let init: bigint | undefined;
      if (decl.init && t) {
        // Checked where the parameters are visible, so that using one says "not a constant".
        const initEnv: ExprEnv = { ...env, scope, constOnly: false };
        const it = checkExpr(initEnv, decl.init);
        if (it && coerce(initEnv, decl.init, t, `the type of \`${decl.name.name}\``)) {
          if (decl.init.constValue === undefined)
            d.error(
              "E0618",
              "a state variable's initial value must be a constant",
              decl.init.span,
              "it is set when the chain starts; compute run-time values in the body",
            );
          else init = decl.init.constValue;
        }
      }
      decl.ty = t;
      if (t) info.state.push({ decl, type: t, init });
      declare(decl.name, { kind: "state", decl }, t ?? ERROR_TY);
    } else if (decl.kind === "output") {
      checkOutput(ctx, env, info, decl);
    }
  }
  for (const decl of item.decls) if (decl.kind === "aggregate") checkAggregate(ctx, info, decl);
}

/** Stage names once each; with stages, no statements outside them; rows or a result, not both. */
function checkStages(ctx: CheckContext, item: A.StorageItem, info: StorageInfo): void {
  const d = ctx.diags;
  const stageNames = new Map<string, A.Span>();
  for (const st of item.stages) {
    const prev = stageNames.get(st.name.name);
    if (prev)
      d.error("E0402", `the stage \`${st.name.name}\` is defined twice`, st.name.span, undefined, [
        `first defined at ${where(prev)}`,
      ]);
    stageNames.set(st.name.name, st.name.span);
  }
  if (item.stages.length > 0 && item.body.stmts.length > 0) {
    d.error(
      "E0615",
      "with stages, the storage function's statements must all be inside a `stage`",
      item.body.stmts[0].span,
      "move this into a stage, or drop the stages",
    );
  }
  if (info.output && info.result.kind !== "none") {
    d.error(
      "E0634",
      "a storage function that returns a value cannot also produce rows",
      item.result!.span,
      "a scan returns rows and aggregates: drop the result type",
    );
  }
}

function storageResult(ctx: CheckContext, env: ExprEnv, t: A.TypeExpr): ResultInfo {
  const d = ctx.diags;
  if (t.kind === "array") {
    const vt = valueTypeOf(env, t, { array: true });
    if (!vt || vt.kind !== "array") return { kind: "none" };
    if (vt.elem.kind !== "scalar" || vt.elem.type.name !== "u8" || vt.elem.endian !== null) {
      d.error(
        "E0619",
        "a storage function returns an integer, a bool or bytes (`[u8; N]`)",
        t.span,
      );
      return { kind: "none" };
    }
    const length = vt.length as number;
    if (length > 4096) {
      d.error("E0619", `a result of ${length} bytes is too large; at most 4096`, t.span);
      return { kind: "none" };
    }
    return { kind: "bytes", length };
  }
  const vt = valueTypeOf(env, t, {});
  if (!vt) return { kind: "none" };
  if (vt.kind !== "int" && vt.kind !== "bool") {
    d.error("E0619", "a storage function returns an integer, a bool or bytes (`[u8; N]`)", t.span);
    return { kind: "none" };
  }
  return { kind: "scalar", type: vt };
}

function checkOutput(ctx: CheckContext, env: ExprEnv, info: StorageInfo, decl: A.OutputDecl): void {
  const d = ctx.diags;
  if (info.outputDeclared) {
    d.error("E0616", "a storage function has one `output` declaration", decl.span);
    return;
  }
  info.outputDeclared = true;
  const fields: OutputFieldInfo[] = [];
  let ok = true;
  for (const f of decl.fields) {
    const t = valueTypeOf(env, f.type, {});
    if (t && t.kind !== "int") {
      d.error(
        "E0630",
        "output fields are integers",
        f.type.span,
        "a bool can be emitted as `b as u8`",
      );
      ok = false;
      continue;
    }
    if (!t) {
      ok = false;
      continue;
    }
    if (fields.some((x) => x.name === f.name.name)) {
      d.error("E0402", `the output field \`${f.name.name}\` is defined twice`, f.name.span);
      ok = false;
      continue;
    }
    f.ty = t;
    fields.push({ name: f.name.name, type: t });
  }
  if (decl.fields.length === 0) {
    d.error("E0630", "the output row has no fields", decl.span);
    ok = false;
  }
  let capacity = DEFAULT_CAPACITY;
  if (decl.capacity) {
    const v = requireConstInt(env, decl.capacity, {
      min: 1n,
      max: BigInt(MAX_CAPACITY),
      code: "E0517",
      what: "the output capacity",
    });
    if (v !== undefined) capacity = Number(v);
  }
  if (ok) info.output = { fields, capacity };
}

const KINDS: A.AggregateKind[] = ["count", "sum", "min", "max", "avg"];

function checkAggregate(ctx: CheckContext, info: StorageInfo, decl: A.AggregateDecl): void {
  const d = ctx.diags;
  if (!info.outputDeclared) {
    d.error(
      "E0630",
      "`aggregate` needs an `output` declaration: aggregates are over the emitted rows",
      decl.span,
    );
    return;
  }
  for (const a of decl.items) {
    const kind = a.fn.name as A.AggregateKind;
    if (!KINDS.includes(kind)) {
      d.error(
        "E0635",
        `unknown aggregate \`${a.fn.name}\``,
        a.fn.span,
        `aggregates are ${KINDS.map((k) => `${k}()`).join(", ")}`,
      );
      continue;
    }
    if (
      info.aggregates.some((x) => x.name === a.name.name) ||
      info.output?.fields.some((f) => f.name === a.name.name)
    ) {
      d.error("E0402", `the name \`${a.name.name}\` is already used by the output`, a.name.span);
      continue;
    }
    if (kind === "count") {
      if (a.field) d.error("E0635", "`count()` takes no field", a.field.span, "write `count()`");
      info.aggregates.push({ name: a.name.name, kind, type: A.U64, span: a.span });
      continue;
    }
    // One name that is not an output field (`max(i)`, i the scan variable) is an expression too.
    const rowField = a.field && info.output?.fields.some((f) => f.name === a.field!.name);
    if (!rowField && a.arg && info.output) {
      const row = checkRowExpr(ctx, info, a.arg, kind);
      if (row) info.aggregates.push({ name: a.name.name, kind, ...row, span: a.span });
      continue;
    }
    if (!a.field) {
      d.error(
        "E0635",
        `\`${kind}\` needs the output field it aggregates`,
        a.fn.span,
        `write \`${kind}(field)\``,
      );
      continue;
    }
    if (!info.output) continue;
    const field = info.output.fields.find((f) => f.name === a.field!.name);
    if (!field) {
      d.error(
        "E0635",
        `the output has no field \`${a.field.name}\``,
        a.field.span,
        `its fields: ${info.output.fields.map((f) => f.name).join(", ")}`,
      );
      continue;
    }
    const type =
      kind === "sum" || kind === "avg"
        ? field.type.signed
          ? A.intType("i64")
          : A.U64
        : field.type;
    info.aggregates.push({ name: a.name.name, kind, field: field.name, type, span: a.span });
  }
}
