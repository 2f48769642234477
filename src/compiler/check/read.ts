// Reads of the block in expressions: `T at off` (checked against the block size where the offset
// is known), layout fields, array indexes (checked against the length where the index is known),
// and the step's built-in values (block.offset, block.len, block.size, chain.hop).
import * as A from "../front/ast.js";
import { didYouMean } from "./context.js";
import { checkInt, checkValue, lookupLocal, set, type ExprEnv } from "./expr.js";
import { storageTypeOf } from "./disk-layouts.js";
import * as T from "./types.js";

const BLOCK_FIELDS: Record<string, A.IntType> = { offset: A.U64, len: A.U32, size: A.U32 };

export function checkField(
  env: ExprEnv,
  e: Extract<A.Expr, { kind: "field" }>,
): A.Type | undefined {
  const d = env.ctx.diags;
  const obj = e.object;
  if (
    obj.kind === "name" &&
    obj.path.length === 1 &&
    (obj.path[0].name === "block" || obj.path[0].name === "chain") &&
    !lookupLocal(env.scope, obj.path[0].name) &&
    !env.module.items.has(obj.path[0].name)
  ) {
    const which = obj.path[0].name as "block" | "chain";
    obj.binding = { kind: "builtin", name: which };
    const f = e.field.name;
    if (env.constOnly && !(which === "block" && f === "size")) {
      d.error("E0504", `\`${which}.${f}\` is not known at compile time`, e.span);
      return undefined;
    }
    if (which === "block" && f in BLOCK_FIELDS) {
      if (f === "size") return set(e, A.U32, BigInt(env.ctx.blockSize));
      if (env.facts) env.facts.readsBlock ??= e.span;
      return set(e, BLOCK_FIELDS[f]);
    }
    if (which === "chain" && f === "hop") {
      if (env.facts) env.facts.readsBlock ??= e.span;
      return set(e, A.U32);
    }
    d.error(
      "E0409",
      `\`${which}\` has no field \`${f}\``,
      e.field.span,
      didYouMean(f, which === "block" ? Object.keys(BLOCK_FIELDS) : ["hop"]) ??
        `its fields: ${which === "block" ? "offset, len, size" : "hop"}`,
    );
    return undefined;
  }
  const t = checkValue(env, obj);
  if (!t) return undefined;
  if (t.kind === "array" && t.elem.kind === "layout" && t.length !== "runtime")
    return checkProjection(env, e, t, t.elem.layout);
  if (t.kind !== "view") {
    d.error(
      "E0409",
      `${A.typeName(t)} has no fields`,
      e.field.span,
      t.kind === "array" ? "index the array: `a[i]`; its length is `len(a)`" : undefined,
    );
    return undefined;
  }
  const field = t.layout.fields.find((f) => f.name === e.field.name);
  if (!field) {
    d.error(
      "E0409",
      `the layout \`${t.layout.name}\` has no field \`${e.field.name}\``,
      e.field.span,
      didYouMean(
        e.field.name,
        t.layout.fields.map((f) => f.name),
      ),
    );
    return undefined;
  }
  if (field.type.kind === "scalar" && env.facts) env.facts.readsBlock ??= e.span;
  return set(e, T.valueOfStorage(field.type));
}

export function checkIndex(
  env: ExprEnv,
  e: Extract<A.Expr, { kind: "index" }>,
): A.Type | undefined {
  const d = env.ctx.diags;
  const t = checkValue(env, e.object);
  const it = checkInt(env, e.index, "an array index", A.U32);
  if (!t || !it) return undefined;
  if (t.kind !== "array") {
    d.error(
      "E0416",
      `${A.typeName(t)} cannot be indexed`,
      e.object.span,
      t.kind === "view" ? "index one of its array fields: `x.field[i]`" : undefined,
    );
    return undefined;
  }
  if (t.length === "runtime") {
    d.error(
      "E0419",
      "bytes of a run-time length can only be returned, not indexed",
      e.span,
      "read the byte you need: `u8 at off + i`",
    );
    return undefined;
  }
  const i = e.index.constValue;
  if (i !== undefined && typeof t.length === "number" && (i < 0n || i >= BigInt(t.length))) {
    d.error(
      "E0513",
      `index ${i} is out of bounds: the array has ${t.length} elements`,
      e.index.span,
      `valid indexes are 0 ..= ${t.length - 1}`,
    );
    return undefined;
  }
  if (e.index.ty?.kind === "int" && e.index.ty.signed) {
    d.error(
      "E0411",
      `an array index must be unsigned, found ${e.index.ty.name}`,
      e.index.span,
      "convert it: `i as u32`",
    );
    return undefined;
  }
  if (t.elem.kind === "scalar" && env.facts) env.facts.readsBlock ??= e.span;
  return set(e, T.valueOfStorage(t.elem));
}

export function checkAt(env: ExprEnv, e: Extract<A.Expr, { kind: "at" }>): A.Type | undefined {
  const d = env.ctx.diags;
  if (env.constOnly) {
    d.error("E0504", "a read of the block is not a constant", e.span);
    return undefined;
  }
  if (env.facts) env.facts.readsBlock ??= e.span;
  const off = checkInt(env, e.offset, "the offset of a read", A.U32);
  if (e.offset.ty?.kind === "int" && e.offset.ty.signed) {
    d.error(
      "E0411",
      `the offset of a read must be unsigned, found ${e.offset.ty.name}`,
      e.offset.span,
      "convert it: `off as u32`",
    );
    return undefined;
  }
  // `[u8; len] at off`: bytes of a run-time length (only as a `return` value).
  if (e.target.kind === "array" && e.target.length !== "_") {
    const lenExpr = e.target.length;
    const lt = checkValue(env, lenExpr);
    if (lt && lenExpr.constValue === undefined) {
      if (!T.isIntLike(lt)) {
        d.error(
          "E0411",
          `an array length must be an integer, found ${A.typeName(lt)}`,
          lenExpr.span,
        );
        return undefined;
      }
      const elem = storageTypeOf(env, e.target.elem, null, "read");
      if (!elem) return undefined;
      if (elem.kind !== "scalar" || elem.type.name !== "u8") {
        d.error(
          "E0419",
          "only bytes (`[u8; len]`) can be read with a run-time length",
          e.target.span,
        );
        return undefined;
      }
      if (lt.kind === "int" && lt.signed) {
        d.error("E0411", `a length must be unsigned, found ${lt.name}`, lenExpr.span);
        return undefined;
      }
      e.runtimeLength = lenExpr;
      return off ? set(e, { kind: "array", elem, length: "runtime" }) : undefined;
    }
  }
  const s = storageTypeOf(env, e.target, null, "read");
  if (!s || !off) return undefined;
  e.storage = s;
  if (s.size > env.ctx.blockSize) {
    d.error(
      "E0511",
      `${A.storageTypeName(s)} is ${s.size} bytes and does not fit in a block of ${env.ctx.blockSize} bytes`,
      e.target.span,
    );
    return undefined;
  }
  const o = e.offset.constValue;
  if (o !== undefined && (o < 0n || o + BigInt(s.size) > BigInt(env.ctx.blockSize))) {
    d.error(
      "E0512",
      `reading ${s.size} bytes at offset ${o} runs past the end of the ${env.ctx.blockSize}-byte block`,
      e.span,
      `the last valid offset for ${A.storageTypeName(s)} is ${env.ctx.blockSize - s.size}`,
    );
    return undefined;
  }
  return set(e, T.valueOfStorage(s));
}

/**
 * `entries.key` over an array of layouts: the array of every element's `key`, `sizeof(Entry)`
 * apart (a strided view; no bytes move). Searches take it like any array: `search::find(b.entry.key, n, k)`.
 */
function checkProjection(
  env: ExprEnv,
  e: Extract<A.Expr, { kind: "field" }>,
  t: A.ArrayType,
  layout: A.LayoutInfo,
): A.Type | undefined {
  const field = layout.fields.find((f) => f.name === e.field.name);
  if (!field) {
    env.ctx.diags.error(
      "E0409",
      `the layout \`${layout.name}\` (the elements of ${A.typeName(t)}) has no field \`${e.field.name}\``,
      e.field.span,
      didYouMean(
        e.field.name,
        layout.fields.map((f) => f.name),
      ),
    );
    return undefined;
  }
  if (field.type.kind === "array") {
    env.ctx.diags.error(
      "E0409",
      `\`${e.field.name}\` is an array: a projection takes one integer or layout per element`,
      e.field.span,
      "index the elements first: `a[i].field[j]`",
    );
    return undefined;
  }
  return set(e, {
    kind: "array",
    elem: field.type,
    length: t.length,
    stride: t.stride ?? layout.size,
  });
}
