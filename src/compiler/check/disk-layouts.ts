// Layouts and on-disk types: field offsets and sizes (packed), nesting (a layout may not contain
// itself), arrays, endianness defaults, and the value types written in signatures (`Node`,
// `[u64; _]`, `(u64, u32)`).
import * as A from "../front/ast.js";
import type { ExprEnv } from "./expr.js";
import { requireConstInt } from "./consts.js";
import { lookupItem } from "./resolve.js";
import { scalarSpelling } from "./types.js";

export const MAX_LAYOUT_SIZE = 65536;
export const MAX_ARRAY_LENGTH = 65536;

const inProgress = new Set<A.LayoutItem>();

/** The layout's offsets and size (computed once; recursion through fields is E0506). */
export function layoutInfo(env: ExprEnv, item: A.LayoutItem): A.LayoutInfo | undefined {
  if (item.info) return item.info;
  if (inProgress.has(item)) {
    env.ctx.diags.error(
      "E0506",
      `the layout \`${item.name.name}\` contains itself`,
      item.name.span,
      "a layout has a fixed size: store an offset to the other record instead",
    );
    return undefined;
  }
  inProgress.add(item);
  try {
    const fieldEnv: ExprEnv = { ...env, scope: undefined, constOnly: true };
    const fields: A.FieldInfo[] = [];
    const seen = new Map<string, A.Span>();
    let offset = 0;
    let ok = true;
    for (const f of item.fields) {
      const type = storageTypeOf(fieldEnv, f.type, item.endian ?? null, "field");
      if (!type) {
        ok = false;
        continue;
      }
      if (f.name) {
        if (seen.has(f.name.name)) {
          env.ctx.diags.error(
            "E0509",
            `the field \`${f.name.name}\` appears twice in \`${item.name.name}\``,
            f.name.span,
          );
          ok = false;
        }
        seen.set(f.name.name, f.name.span);
        fields.push({ name: f.name.name, offset, type, span: f.span });
      }
      offset += type.size;
    }
    if (item.fields.length === 0) {
      env.ctx.diags.error(
        "E0508",
        `the layout \`${item.name.name}\` has no fields`,
        item.name.span,
        "a layout describes at least one byte",
      );
      return undefined;
    }
    if (offset > MAX_LAYOUT_SIZE) {
      env.ctx.diags.error(
        "E0507",
        `the layout \`${item.name.name}\` is ${offset} bytes; layouts are at most ${MAX_LAYOUT_SIZE} bytes`,
        item.name.span,
      );
      return undefined;
    }
    if (!ok) return undefined;
    item.info = {
      name: item.name.name,
      module: env.module.file,
      size: offset,
      endian: item.endian ?? null,
      fields,
      span: item.name.span,
    };
    return item.info;
  } finally {
    inProgress.delete(item);
  }
}

/**
 * The on-disk type a TypeExpr names. `endian` is the default for multi-byte integers (a layout's);
 * `where` says what is being typed, for the messages. Multi-byte integers without an endianness
 * are E0503 unless `where` is "param-elem" (an array parameter's elements take any byte order).
 */
export function storageTypeOf(
  env: ExprEnv,
  t: A.TypeExpr,
  endian: A.Endian | null,
  where: "field" | "read" | "param-elem",
): A.StorageType | undefined {
  const d = env.ctx.diags;
  if (t.kind === "tuple") {
    d.error("E0510", "a tuple cannot be stored on disk", t.span, "use a layout with named fields");
    return undefined;
  }
  if (t.kind === "array") {
    if (t.length === "_") {
      d.error(
        "E0510",
        "`_` array lengths are only for function parameters",
        t.span,
        "give the length: `[T; 16]`",
      );
      return undefined;
    }
    const elem = storageTypeOf(env, t.elem, endian, where);
    const length = requireConstInt({ ...env, constOnly: true, scope: undefined }, t.length, {
      min: 1n,
      max: BigInt(MAX_ARRAY_LENGTH),
      code: "E0505",
      what: "the array length",
    });
    if (!elem || length === undefined) return undefined;
    const size = elem.size * Number(length);
    if (size > MAX_LAYOUT_SIZE) {
      d.error(
        "E0507",
        `the array is ${size} bytes; on-disk types are at most ${MAX_LAYOUT_SIZE} bytes`,
        t.span,
      );
      return undefined;
    }
    return { kind: "array", elem, length: Number(length), size };
  }
  const name = t.path[t.path.length - 1].name;
  const scalar = t.path.length === 1 ? scalarSpelling(name) : undefined;
  if (scalar) {
    if (scalar.type.kind === "bool") {
      d.error(
        "E0510",
        "`bool` has no on-disk representation",
        t.span,
        "read a `u8` and compare it: `flag != 0`",
      );
      return undefined;
    }
    const size = scalar.type.bits / 8;
    const e = scalar.endian ?? endian;
    if (size > 1 && e === null && where !== "param-elem") {
      const what = where === "field" ? "this field" : "this read";
      d.error(
        "E0503",
        `${what} has no byte order: \`${name}\` needs an endianness`,
        t.span,
        `write \`${name}le\` or \`${name}be\`, or give the layout one: \`layout X: little { ... }\``,
      );
      return undefined;
    }
    return { kind: "scalar", type: scalar.type, endian: size > 1 ? e : null, size };
  }
  const ref = lookupItem(env.module, t.path, d, [
    "u8",
    "u16",
    "u32",
    "u64",
    "i8",
    "i16",
    "i32",
    "i64",
    "bool",
  ]);
  if (!ref) return undefined;
  if (ref.kind !== "item" || ref.item.kind !== "layout") {
    d.error(
      "E0408",
      `\`${t.path.map((p) => p.name).join("::")}\` is not a type`,
      t.span,
      "types are integers (u8..u64, i8..i64, with le/be on disk), bool, arrays and layouts",
    );
    return undefined;
  }
  const info = layoutInfo({ ...env, module: ref.module }, ref.item);
  return info ? { kind: "layout", layout: info, size: info.size } : undefined;
}

export interface ValueTypeAllow {
  view?: boolean;
  array?: boolean;
  generic?: boolean;
  tuple?: boolean;
}

/** The value type a TypeExpr names in a signature or declaration (`u32`, `Node`, `[u64; _]`). */
export function valueTypeOf(
  env: ExprEnv,
  t: A.TypeExpr,
  allow: ValueTypeAllow,
): A.Type | undefined {
  const d = env.ctx.diags;
  if (t.kind === "tuple") {
    if (!allow.tuple) {
      d.error("E0419", "a tuple type is only allowed as a function's result", t.span);
      return undefined;
    }
    const elems = t.elems.map((e) => valueTypeOf(env, e, {}));
    if (elems.some((e) => e === undefined)) return undefined;
    return { kind: "tuple", elems: elems as A.Type[] };
  }
  if (t.kind === "array") {
    if (!allow.array) {
      d.error(
        "E0419",
        "an array is not a value that can be stored or computed here",
        t.span,
        "arrays live in the block: read elements with `arr[i]`, pass arrays to inlined functions",
      );
      return undefined;
    }
    const elem = storageTypeOf(env, t.elem, null, "param-elem");
    if (!elem) return undefined;
    if (t.length === "_") {
      if (!allow.generic) {
        d.error("E0510", "`_` array lengths are only for function parameters", t.span);
        return undefined;
      }
      return { kind: "array", elem, length: "generic" };
    }
    const length = requireConstInt({ ...env, constOnly: true, scope: undefined }, t.length, {
      min: 1n,
      max: BigInt(MAX_ARRAY_LENGTH),
      code: "E0505",
      what: "the array length",
    });
    return length === undefined ? undefined : { kind: "array", elem, length: Number(length) };
  }
  const name = t.path[t.path.length - 1].name;
  const scalar = t.path.length === 1 ? scalarSpelling(name) : undefined;
  if (scalar) {
    if (scalar.endian) {
      d.error(
        "E0418",
        `\`${name}\` is an on-disk type; values have no byte order`,
        t.span,
        `write \`${scalar.type.kind === "int" ? scalar.type.name : "bool"}\`: reads convert to host order`,
      );
      return undefined;
    }
    return scalar.type;
  }
  const ref = lookupItem(env.module, t.path, d, [
    "u8",
    "u16",
    "u32",
    "u64",
    "i8",
    "i16",
    "i32",
    "i64",
    "bool",
  ]);
  if (!ref) return undefined;
  if (ref.kind !== "item" || ref.item.kind !== "layout") {
    d.error("E0408", `\`${t.path.map((p) => p.name).join("::")}\` is not a type`, t.span);
    return undefined;
  }
  if (!allow.view) {
    d.error(
      "E0419",
      `a layout (\`${name}\`) is not a value that can be stored here`,
      t.span,
      "layouts are views of the block: bind one with `let x = Layout at off;`",
    );
    return undefined;
  }
  const info = layoutInfo({ ...env, module: ref.module }, ref.item);
  return info ? { kind: "view", layout: info } : undefined;
}
