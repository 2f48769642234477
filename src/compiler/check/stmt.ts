// Statements and bodies: scopes and bindings (let/var/for/scan variables), assignments, loops with
// their bounds, and the actions (return, fail, resubmit, scan/emit) with where each is allowed.
import * as A from "../front/ast.js";
import type { StorageInfo } from "./storage.js";
import { checkAggregatesAtEmit } from "./aggregate-expr.js";
import {
  checkBool,
  checkExpr,
  checkInt,
  checkValue,
  coerce,
  ERROR_TY,
  lookupLocal,
  type ExprEnv,
  type Scope,
} from "./expr.js";
import { isGenericConst, requireConstInt } from "./consts.js";
import { valueTypeOf } from "./disk-layouts.js";
import { lookupError } from "./resolve.js";
import { readFileIndex } from "./read-files.js";
import * as T from "./types.js";

export const MAX_LOOP_ITERATIONS = 1 << 20;

export interface BodyEnv extends ExprEnv {
  scope: Scope;
  /** What `return` means: a function's result, or the storage function's. */
  owner: { kind: "fn"; item: A.FnItem } | { kind: "storage"; info: StorageInfo };
  loops: number;
}

function child(env: BodyEnv): BodyEnv {
  return { ...env, scope: { parent: env.scope, names: new Map() } };
}

function bindLocal(env: BodyEnv, id: A.Ident, ty: A.Type, mutable: boolean): A.LocalBinding | null {
  if (id.name === "_") return null;
  const binding: A.LocalBinding = {
    kind: "local",
    id: env.ctx.nextLocal++,
    name: id.name,
    mutable,
    span: id.span,
    ty,
  };
  env.scope.names.set(id.name, { binding, ty });
  return binding;
}

export function checkBlock(env: BodyEnv, b: A.Block): void {
  const inner = child(env);
  for (const s of b.stmts) checkStmt(inner, s);
}

export function checkStmts(env: BodyEnv, stmts: A.Stmt[]): void {
  for (const s of stmts) checkStmt(env, s);
}

function checkStmt(env: BodyEnv, s: A.Stmt): void {
  const d = env.ctx.diags;
  switch (s.kind) {
    case "let":
      return checkLet(env, s);
    case "assign":
      return checkAssign(env, s);
    case "if":
      checkBool(env, s.cond, "an `if` condition");
      checkBlock(env, s.then);
      if (s.else) checkBlock(env, s.else);
      return;
    case "for":
      return checkFor(env, s);
    case "while": {
      checkBool(env, s.cond, "a `while` condition");
      if (!s.max) {
        d.error(
          "E0601",
          "a `while` loop needs a bound",
          s.cond.span,
          "declare the most iterations it may take: `while cond max 64 { ... }`",
        );
      } else {
        s.limit = loopLimit(env, s.max);
      }
      checkBlock({ ...env, loops: env.loops + 1 }, s.body);
      return;
    }
    case "break":
    case "continue":
      if (env.loops === 0) d.error("E0603", `\`${s.kind}\` outside of a loop`, s.span);
      return;
    case "return":
      return checkReturn(env, s);
    case "fail": {
      const name = lookupError(env.module, s.error, d);
      if (name) s.errorName = name;
      if (env.facts) env.facts.fails ??= s.span;
      return;
    }
    case "resubmit":
      return checkResubmit(env, s);
    case "scan":
      return checkScan(env, s);
    case "expr": {
      const t = checkExpr(env, s.expr);
      if (t && s.expr.kind !== "call") {
        d.error(
          "E0622",
          "this expression does nothing",
          s.expr.span,
          "a statement is a call, an assignment or an action; to keep a value, bind it: `let x = ...;`",
        );
      }
      return;
    }
    case "block":
      checkBlock(env, s.block);
      return;
  }
}

function checkLet(env: BodyEnv, s: Extract<A.Stmt, { kind: "let" }>): void {
  const d = env.ctx.diags;
  let t = checkValue(env, s.init);
  if (s.type) {
    const declared = valueTypeOf(env, s.type, {});
    if (declared && t)
      t = coerce(env, s.init, declared, "the declared type") ? declared : undefined;
    else t = declared;
  } else if (t?.kind === "untyped") {
    t = coerce(env, s.init, A.U64, "a literal with no other type") ? A.U64 : undefined;
  }
  if (s.pattern.kind === "tuple") {
    const names = s.pattern.names;
    if (t && t.kind !== "tuple") {
      d.error("E0417", `${A.typeName(t)} is not a tuple and cannot be taken apart`, s.init.span);
      t = undefined;
    } else if (t?.kind === "tuple" && t.elems.length !== names.length) {
      d.error(
        "E0417",
        `the pattern has ${names.length} names but the value has ${t.elems.length} parts`,
        s.pattern.span,
      );
      t = undefined;
    }
    const elems = t?.kind === "tuple" ? t.elems : undefined;
    s.locals = names.map((n, i) => bindLocal(env, n, elems?.[i] ?? ERROR_TY, s.mutable));
    return;
  }
  if (t?.kind === "tuple") {
    d.error("E0417", `a tuple must be taken apart: \`let (a, b) = ...;\``, s.pattern.span);
    t = undefined;
  }
  if (t?.kind === "void") {
    d.error("E0411", "this call has no result to bind", s.init.span);
    t = undefined;
  }
  if (t && t.kind === "array" && t.length === "runtime") {
    d.error(
      "E0419",
      "bytes of a run-time length can only be returned, not bound",
      s.init.span,
      "return them directly: `return [u8; len] at off;`",
    );
    t = undefined;
  }
  if (s.mutable && t && !T.isScalar(t)) {
    d.error(
      "E0419",
      `a \`var\` holds an integer or a bool, not ${A.typeName(t)}`,
      s.init.span,
      "views of the block are bound with `let`",
    );
    t = undefined;
  }
  // A binding whose declaration failed gets ERROR_TY: its uses are not reported again.
  s.locals = [bindLocal(env, s.pattern.name, t ?? ERROR_TY, s.mutable)];
}

function checkAssign(env: BodyEnv, s: Extract<A.Stmt, { kind: "assign" }>): void {
  const d = env.ctx.diags;
  const name = s.target.path.length === 1 ? s.target.path[0].name : undefined;
  const local = name === undefined ? undefined : lookupLocal(env.scope, name);
  const valueTy = checkValue(env, s.value);
  if (!local) {
    const t = checkExpr(env, s.target);
    if (t)
      d.error(
        "E0413",
        `cannot assign to ${describeTarget(s.target)}`,
        s.target.span,
        "only `var` locals and `state` variables can change",
      );
    return;
  }
  s.target.binding = local.binding;
  s.target.ty = local.ty;
  const b = local.binding;
  const mutable = (b.kind === "local" && b.mutable) || b.kind === "state";
  if (!mutable) {
    const what =
      b.kind === "param" ? "the parameter" : b.kind === "local" ? "the immutable binding" : "";
    d.error(
      "E0413",
      `cannot assign to ${what} \`${name}\``,
      s.target.span,
      b.kind === "local"
        ? `declare it with \`var\` to change it: \`var ${name} = ...;\``
        : "parameters keep the chain's arguments; copy it into a `var`",
    );
    return;
  }
  if (local.ty === ERROR_TY || !valueTy) return;
  if (s.op === "=") {
    coerce(env, s.value, local.ty, `the type of \`${name}\``);
    return;
  }
  if (local.ty.kind !== "int") {
    d.error("E0414", `\`${s.op}\` cannot be applied to ${A.typeName(local.ty)}`, s.span);
    return;
  }
  if (s.op === "<<=" || s.op === ">>=") {
    const ct = checkInt(env, s.value, "a shift count", A.U32);
    if (ct?.kind === "int" && ct.signed)
      d.error("E0411", `a shift count must be unsigned, found ${ct.name}`, s.value.span);
    const c = s.value.constValue;
    if (c !== undefined && (c < 0n || c >= BigInt(local.ty.bits)))
      d.error("E0502", `shift by ${c} is out of range for ${local.ty.name}`, s.value.span);
    return;
  }
  coerce(env, s.value, local.ty, `the type of \`${name}\``);
}

function describeTarget(t: A.NameExpr): string {
  switch (t.binding?.kind) {
    case "const":
      return `the constant \`${t.path.map((p) => p.name).join("::")}\``;
    default:
      return `\`${t.path.map((p) => p.name).join("::")}\``;
  }
}

function loopLimit(env: BodyEnv, max: A.Expr): bigint | undefined {
  const t = checkExpr(env, max);
  // Computed from len() of a `[T; _]` parameter: folded at each inlined call (lower/stmt.ts).
  if (t && (t.kind === "int" || t.kind === "untyped") && isGenericConst(max)) return undefined;
  return requireConstInt(env, max, {
    min: 1n,
    max: BigInt(MAX_LOOP_ITERATIONS),
    code: "E0516",
    what: "a loop's `max`",
    hint: `a loop runs at most ${MAX_LOOP_ITERATIONS} times; the verifier walks every iteration`,
  });
}

/** Types a `start .. end` range; returns the loop variable's type. */
function checkRange(env: BodyEnv, start: A.Expr, end: A.Expr): A.IntType | undefined {
  const st = checkInt(env, start, "the start of a range");
  const et = checkInt(env, end, "the end of a range");
  if (!st || !et) return undefined;
  let t: A.IntType | undefined;
  if (st.kind === "untyped" && et.kind === "untyped") t = A.U32;
  else if (st.kind === "untyped") t = et as A.IntType;
  else if (et.kind === "untyped") t = st;
  else t = T.commonInt(st, et);
  if (!t) {
    env.ctx.diags.error(
      "E0410",
      `mismatched types in a range: ${A.typeName(st)} .. ${A.typeName(et)}`,
      { ...start.span, endLine: end.span.endLine, endCol: end.span.endCol },
      T.mismatchHint(st as A.IntType, et as A.IntType),
    );
    return undefined;
  }
  if (!coerce(env, start, t, "the range's type") || !coerce(env, end, t, "the range's type"))
    return undefined;
  return t;
}

function rangeLimit(
  env: BodyEnv,
  s: { start: A.Expr; end: A.Expr; max?: A.Expr; span: A.Span },
  what: string,
): bigint | undefined {
  if (s.max) return loopLimit(env, s.max);
  const a = s.start.constValue;
  const b = s.end.constValue;
  if (b !== undefined && a !== undefined) {
    const n = b > a ? b - a : 0n;
    if (n > BigInt(MAX_LOOP_ITERATIONS)) {
      env.ctx.diags.error(
        "E0516",
        `this ${what} runs ${n} times; loops run at most ${MAX_LOOP_ITERATIONS} times`,
        s.end.span,
      );
      return undefined;
    }
    return n === 0n ? 1n : n;
  }
  if (isGenericConst(s.end)) return undefined;
  if (s.end.ty) {
    env.ctx.diags.error(
      "E0601",
      `this ${what} has no bound: its end is only known at run time`,
      s.end.span,
      "declare the most iterations it may take: `... .. n max 64`",
    );
  }
  return undefined;
}

function checkFor(env: BodyEnv, s: Extract<A.Stmt, { kind: "for" }>): void {
  const t = checkRange(env, s.start, s.end);
  s.limit = rangeLimit(env, s, "loop");
  s.varTy = t;
  const inner = child({ ...env, loops: env.loops + 1 });
  s.local = bindLocal(inner, s.var, t ?? ERROR_TY, false) ?? undefined;
  for (const st of s.body.stmts) checkStmt(inner, st);
}

function checkReturn(env: BodyEnv, s: Extract<A.Stmt, { kind: "return" }>): void {
  const d = env.ctx.diags;
  if (env.owner.kind === "fn") {
    const fn = env.owner.item;
    const rt = fn.resultTy ?? A.VOID;
    if (!s.value) {
      if (rt.kind !== "void")
        d.error(
          "E0612",
          `\`${fn.name.name}\` returns ${A.typeName(rt)}: \`return\` needs a value`,
          s.span,
        );
      return;
    }
    const t = checkValue(env, s.value);
    if (rt.kind === "void") {
      d.error(
        "E0612",
        `\`${fn.name.name}\` has no result, so \`return\` takes no value`,
        s.value.span,
        "declare one: `fn f(...) -> u64 { ... }`",
      );
      return;
    }
    if (t) coerce(env, s.value, rt, `the result of \`${fn.name.name}\``);
    return;
  }
  const info = env.owner.info;
  const r = info.result;
  if (info.resultInvalid) {
    if (s.value) checkValue(env, s.value);
    return;
  }
  if (!s.value) {
    if (r.kind !== "none")
      d.error(
        "E0612",
        `\`${info.item.name.name}\` returns ${resultText(r)}: \`return\` needs a value`,
        s.span,
      );
    return;
  }
  const t = checkValue(env, s.value);
  if (r.kind === "none") {
    d.error(
      "E0612",
      `\`${info.item.name.name}\` has no result, so \`return\` takes no value`,
      s.value.span,
      "declare one: `storage fn f(...) -> u64`",
    );
    return;
  }
  if (!t) return;
  if (r.kind === "scalar") {
    coerce(env, s.value, r.type, "the storage function's result");
    return;
  }
  const ok =
    t.kind === "array" &&
    t.stride === undefined && // a projection's bytes are not contiguous
    t.elem.kind === "scalar" &&
    t.elem.type.name === "u8" &&
    (t.length === "runtime" || (typeof t.length === "number" && t.length <= r.length));
  if (!ok) {
    d.error(
      "E0411",
      `expected bytes of at most ${r.length} (the result), found ${A.typeName(t)}`,
      s.value.span,
      `read them: \`return [u8; ${r.length}] at off;\``,
    );
  }
}

export function resultText(r: StorageInfo["result"]): string {
  return r.kind === "scalar"
    ? A.typeName(r.type)
    : r.kind === "bytes"
      ? `[u8; ${r.length}]`
      : "nothing";
}

function checkResubmit(env: BodyEnv, s: Extract<A.Stmt, { kind: "resubmit" }>): void {
  const d = env.ctx.diags;
  if (env.owner.kind !== "storage") {
    d.error(
      "E0621",
      "`resubmit` is only allowed in the storage function",
      s.span,
      "return the offset from this function and resubmit it there",
    );
    checkExpr(env, s.offset);
    return;
  }
  const ot = checkInt(env, s.offset, "the offset of `resubmit`", A.U64);
  if (ot) coerce(env, s.offset, A.U64, "a file offset");
  if (s.size) {
    const st = checkInt(env, s.size, "the size of `resubmit`", A.U32);
    if (st) coerce(env, s.size, A.U32, "a read size");
    const v = s.size.constValue;
    if (v !== undefined && (v < 1n || v > BigInt(env.ctx.blockSize))) {
      d.error(
        "E0514",
        `a read of ${v} bytes does not fit the ${env.ctx.blockSize}-byte block`,
        s.size.span,
        `sizes are 1 ..= ${env.ctx.blockSize}`,
      );
    }
  }
  const info = env.owner.info;
  s.fileIndex = readFileIndex(env.ctx, info.files, s.file, { what: "resubmit", span: s.span });
  if (s.stage) {
    if (info.stages.length === 0) {
      d.error(
        "E0614",
        `there are no stages to go to: \`${info.item.name.name}\` has none`,
        s.stage.span,
        "group the body into `stage NAME { ... }` blocks, or drop `-> name`",
      );
    } else if (!info.stages.some((st) => st.name.name === s.stage!.name)) {
      d.error(
        "E0614",
        `unknown stage \`${s.stage.name}\``,
        s.stage.span,
        `the stages are: ${info.stages.map((st) => st.name.name).join(", ")}`,
      );
    }
  }
}

function checkScan(env: BodyEnv, s: A.ScanStmt): void {
  const d = env.ctx.diags;
  if (env.owner.kind !== "storage") {
    d.error("E0621", "`scan` is only allowed in the storage function", s.span);
    return;
  }
  const info = env.owner.info;
  if (env.loops > 0) {
    d.error(
      "E0633",
      "a `scan` cannot be inside a loop",
      s.span,
      "a scan is itself the loop over the block's records",
    );
  }
  if (!info.output) {
    if (!info.outputDeclared)
      d.error(
        "E0630",
        "`scan` needs an `output` declaration for its rows",
        s.span,
        "declare the rows in the storage function: `output { key: u64 } capacity 64;`",
      );
  }
  info.scans.push(s);
  s.scanIndex = info.scans.length - 1;
  const t = checkRange(env, s.start, s.end);
  s.limit = rangeLimit(env, s, "scan");
  s.varTy = t;
  const inner = child(env);
  s.local = bindLocal(inner, s.var, t ?? ERROR_TY, false) ?? undefined;
  s.letLocals = [];
  for (const l of s.lets) {
    let lt = checkValue(inner, l.value);
    if (lt?.kind === "untyped")
      lt = coerce(inner, l.value, A.U64, "a literal with no other type") ? A.U64 : undefined;
    if (lt?.kind === "tuple" || lt?.kind === "void") {
      d.error("E0417", `a scan's \`let\` binds one value, not ${A.typeName(lt)}`, l.value.span);
      lt = undefined;
    }
    const b = bindLocal(inner, l.name, lt ?? ERROR_TY, false);
    if (b) s.letLocals.push(b);
  }
  if (s.until) checkBool(inner, s.until, "the `until` condition");
  for (const f of s.filters) checkBool(inner, f, "a `filter` condition");
  const fields = info.output?.fields ?? [];
  const given = new Set<string>();
  for (const e of s.emit) {
    const field = fields.find((f) => f.name === e.name.name);
    const vt = checkValue(inner, e.value);
    if (!info.output) continue;
    if (!field) {
      d.error(
        "E0631",
        `the output has no field \`${e.name.name}\``,
        e.name.span,
        `its fields: ${fields.map((f) => f.name).join(", ")}`,
      );
      continue;
    }
    if (given.has(e.name.name)) {
      d.error("E0631", `the field \`${e.name.name}\` is given twice`, e.name.span);
      continue;
    }
    given.add(e.name.name);
    if (vt) coerce(inner, e.value, field.type, `the output field \`${field.name}\``);
  }
  const missing = fields.filter((f) => !given.has(f.name)).map((f) => f.name);
  if (info.output && missing.length > 0) {
    d.error(
      "E0631",
      `\`emit\` leaves out ${missing.map((m) => `\`${m}\``).join(", ")}`,
      s.emitSpan,
      "every field of the output row is given exactly once",
    );
  }
  checkAggregatesAtEmit(inner, info, s, inner.scope);
}
