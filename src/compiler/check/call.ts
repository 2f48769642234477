// Calls in expressions: user functions (arity, argument conversions, the call graph facts) and the
// builtins len, min, max and bswap16/32/64; function signatures are resolved here once.
import * as A from "../front/ast.js";
import type { CheckContext, ModuleInfo } from "./context.js";
import {
  checkExpr,
  checkInt,
  checkValue,
  coerce,
  lookupLocal,
  meet,
  set,
  type ExprEnv,
  BUILTIN_FNS,
} from "./expr.js";
import { valueTypeOf } from "./disk-layouts.js";

export function checkCall(env: ExprEnv, e: Extract<A.Expr, { kind: "call" }>): A.Type | undefined {
  const d = env.ctx.diags;
  const p = e.callee.path;
  const name = p[0].name;
  if (
    p.length === 1 &&
    !env.module.items.has(name) &&
    !lookupLocal(env.scope, name) &&
    (BUILTIN_FNS as readonly string[]).includes(name)
  ) {
    return checkBuiltinCall(env, e, name);
  }
  const ct = checkExpr(env, e.callee);
  if (!ct) {
    for (const a of e.args) checkExpr(env, a);
    return undefined;
  }
  if (ct.kind !== "fn" || e.callee.binding?.kind !== "fn") {
    d.error("E0407", `${A.typeName(ct)} is not a function`, e.callee.span);
    return undefined;
  }
  const fn = e.callee.binding.item;
  const fnModule = env.ctx.modules.get(e.callee.binding.module)!;
  if (e.args.length !== fn.params.length) {
    d.error(
      "E0412",
      `\`${fn.name.name}\` takes ${fn.params.length} argument${fn.params.length === 1 ? "" : "s"}, but ${e.args.length} ${e.args.length === 1 ? "was" : "were"} given`,
      e.span,
      `its parameters: (${fn.params.map((q) => q.name.name).join(", ")})`,
    );
    for (const a of e.args) checkExpr(env, a);
    return undefined;
  }
  ensureSignature(env.ctx, fn, fnModule);
  let ok = true;
  e.args.forEach((a, i) => {
    const pt = fn.params[i].ty;
    const at = checkValue(env, a);
    if (!at || !pt) {
      ok = false;
      return;
    }
    ok = coerce(env, a, pt, `parameter \`${fn.params[i].name.name}\` of \`${fn.name.name}\``) && ok;
  });
  env.facts?.calls.push({ callee: fn, module: fnModule, span: e.span });
  if (!ok || !fn.resultTy) return set(e, fn.resultTy);
  return set(e, fn.resultTy);
}

/** Resolves a function's parameter and result types (once). */
export function ensureSignature(ctx: CheckContext, fn: A.FnItem, module: ModuleInfo): void {
  if (fn.resultTy) return;
  const env: ExprEnv = { ctx, module, scope: undefined, constOnly: true };
  for (const prm of fn.params) {
    prm.ty ??= valueTypeOfParam(env, prm);
  }
  fn.resultTy = fn.result ? (valueTypeOfResult(env, fn.result) ?? A.VOID) : A.VOID;
}

function valueTypeOfParam(env: ExprEnv, prm: A.Param): A.Type | undefined {
  return valueTypeOf(env, prm.type, { view: true, array: true, generic: true });
}

function valueTypeOfResult(env: ExprEnv, t: A.TypeExpr): A.Type | undefined {
  return valueTypeOf(env, t, { tuple: true });
}

function checkBuiltinCall(
  env: ExprEnv,
  e: Extract<A.Expr, { kind: "call" }>,
  name: string,
): A.Type | undefined {
  const d = env.ctx.diags;
  const arity = name === "min" || name === "max" ? 2 : 1;
  if (e.args.length !== arity) {
    d.error(
      "E0412",
      `\`${name}\` takes ${arity} argument${arity === 1 ? "" : "s"}, but ${e.args.length} ${e.args.length === 1 ? "was" : "were"} given`,
      e.span,
    );
    return undefined;
  }
  if (name === "len") {
    const t = checkValue(env, e.args[0]);
    if (!t) return undefined;
    if (t.kind !== "array" || t.length === "runtime") {
      d.error("E0411", `\`len\` takes an array, found ${A.typeName(t)}`, e.args[0].span);
      return undefined;
    }
    return set(e, A.UNTYPED, t.length === "generic" ? undefined : BigInt(t.length));
  }
  if (name === "min" || name === "max") {
    const a = checkInt(env, e.args[0], `an argument of \`${name}\``);
    const b = checkInt(env, e.args[1], `an argument of \`${name}\``);
    if (!a || !b) return undefined;
    const t = meet(env, e.args[0], e.args[1], name, e.span);
    if (!t) return undefined;
    const x = e.args[0].constValue;
    const y = e.args[1].constValue;
    if (x !== undefined && y !== undefined)
      return set(e, t, name === "min" ? (x < y ? x : y) : x > y ? x : y);
    if (t.kind === "untyped") {
      coerce(env, e.args[0], A.U64, name);
      coerce(env, e.args[1], A.U64, name);
      return set(e, A.U64);
    }
    return set(e, t);
  }
  const bits = Number(name.slice(5)) as 16 | 32 | 64;
  const t = A.intType(`u${bits}` as A.IntName);
  const at = checkValue(env, e.args[0]);
  if (!at || !coerce(env, e.args[0], t, `the argument of \`${name}\``)) return undefined;
  const v = e.args[0].constValue;
  if (v === undefined) return set(e, t);
  let r = 0n;
  for (let i = 0; i < bits / 8; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return set(e, t, r);
}
