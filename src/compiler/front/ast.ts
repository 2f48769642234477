// The syntax tree of an iochain module (docs/language.md), as the parser builds it, plus the
// semantic facts the checker attaches to it (types, constant values, what each name refers to).
// Every node carries a full span so that any later stage — checker, lowering, IR, emitted
// instructions, verifier messages — can point back at the source text.
import type { SourcePos } from "../../diagnostics.js";

/** A source range: where a node starts (line/col) and ends (endLine/endCol, exclusive). */
export interface Span extends SourcePos {
  endLine: number;
  endCol: number;
}

// ---------------------------------------------------------------------------------------------
// Semantic types (attached by the checker)

export type IntName = "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64";
export type Endian = "little" | "big";

export interface IntType {
  kind: "int";
  name: IntName;
  bits: 8 | 16 | 32 | 64;
  signed: boolean;
}
export interface BoolType {
  kind: "bool";
}
/** An integer literal or untyped constant that has not met a typed value yet (docs: Conversions). */
export interface UntypedIntType {
  kind: "untyped";
}
export interface VoidType {
  kind: "void";
}
/** A function result of several values, taken apart by `let (a, b) = f();`. */
export interface TupleType {
  kind: "tuple";
  elems: Type[];
}
/** A layout laid over the block (`Node at off`): its fields are loaded when used. */
export interface ViewType {
  kind: "view";
  layout: LayoutInfo;
}
/**
 * An on-disk array in the block: a layout's array field, `[T; N] at off`, or an array parameter.
 * `length` is a number when known, "generic" for a `[T; _]` parameter (known at each inlined
 * call), "runtime" for `[u8; len] at off` (bytes of a run-time length, only as a result).
 */
export interface ArrayType {
  kind: "array";
  elem: StorageType;
  length: number | "generic" | "runtime";
  /**
   * Bytes from one element to the next when they are not packed: a field projected out of an
   * array of layouts (`bucket.entry.key`: every entry's key, `sizeof(Entry)` apart).
   */
  stride?: number;
}
/** The value of a name that is not a value: a module, a layout, a function (for diagnostics). */
export interface NotAValueType {
  kind: "module" | "layout" | "fn";
  name: string;
}

export type Type =
  IntType | BoolType | UntypedIntType | VoidType | TupleType | ViewType | ArrayType | NotAValueType;

/** How bytes are laid out on disk: what layout fields and `at` reads describe. */
export type StorageType =
  | { kind: "scalar"; type: IntType; endian: Endian | null; size: number }
  | { kind: "array"; elem: StorageType; length: number; size: number }
  | { kind: "layout"; layout: LayoutInfo; size: number };

export interface LayoutInfo {
  name: string;
  /** The module (file) that declares it. */
  module: string;
  size: number;
  endian: Endian | null;
  fields: FieldInfo[];
  span: Span;
}

export interface FieldInfo {
  name: string;
  offset: number;
  type: StorageType;
  span: Span;
}

// ---------------------------------------------------------------------------------------------
// What a name refers to (attached by the resolver to `name` expressions and assignment targets)

export type Binding =
  | { kind: "local"; id: number; name: string; mutable: boolean; span: Span; ty?: Type }
  | { kind: "param"; index: number; name: string; fn: FnItem | StorageItem; span: Span }
  | { kind: "state"; decl: StateDecl }
  | { kind: "const"; item: ConstItem; module: string }
  | { kind: "fn"; item: FnItem; module: string }
  | { kind: "layout"; item: LayoutItem; module: string }
  | { kind: "module"; module: string; alias: string }
  | { kind: "builtin"; name: "block" | "chain" };

// ---------------------------------------------------------------------------------------------
// Syntax

export interface Node {
  span: Span;
}

export interface Ident extends Node {
  name: string;
}

export interface StringLit extends Node {
  value: string;
}

export interface Module extends Node {
  kind: "module";
  /** The path the diagnostics print (as given to the compiler). */
  file: string;
  source: string;
  items: Item[];
}

export type Item = ImportItem | ConstItem | ErrorItem | LayoutItem | FnItem | StorageItem;

export interface ImportItem extends Node {
  kind: "import";
  /** `import std::varint;` → { std: "varint" }; `import "./x.ioc";` → { path: "./x.ioc" }. */
  target: { std: Ident } | { path: StringLit };
  alias?: Ident;
  /** Set by the resolver: the imported module's canonical file path. */
  resolved?: string;
}

export interface ConstItem extends Node {
  kind: "const";
  pub: boolean;
  name: Ident;
  type?: TypeExpr;
  value: Expr;
  /** Set by the constant evaluator. */
  constValue?: bigint;
  ty?: Type;
}

export interface ErrorItem extends Node {
  kind: "error";
  pub: boolean;
  names: Ident[];
}

export interface LayoutItem extends Node {
  kind: "layout";
  pub: boolean;
  name: Ident;
  endian?: Endian;
  fields: LayoutField[];
  /** Set by the layout pass. */
  info?: LayoutInfo;
}

export interface LayoutField extends Node {
  /** null for padding (`_: [u8; 4]`). */
  name: Ident | null;
  type: TypeExpr;
}

export interface Param extends Node {
  name: Ident;
  type: TypeExpr;
  ty?: Type;
}

export interface FnItem extends Node {
  kind: "fn";
  pub: boolean;
  noinline: boolean;
  name: Ident;
  params: Param[];
  result?: TypeExpr;
  body: Block;
  resultTy?: Type;
}

export interface StorageItem extends Node {
  kind: "storage";
  name: Ident;
  params: Param[];
  result?: TypeExpr;
  clauses: StorageClause[];
  decls: StorageDecl[];
  /** With stages the body holds only `stage` blocks (then `body` is empty). */
  stages: Stage[];
  body: Block;
  resultTy?: Type;
}

export type StorageClause =
  | ({ kind: "reads"; files: StringLit[] } & Node)
  | ({ kind: "block"; value: Expr } & Node)
  | ({ kind: "start"; value: Expr; size?: Expr; file?: StringLit } & Node)
  | ({ kind: "max_chain"; value: Expr } & Node);

export type StorageDecl = StateDecl | OutputDecl | AggregateDecl;

export interface StateDecl extends Node {
  kind: "state";
  name: Ident;
  type: TypeExpr;
  init?: Expr;
  ty?: Type;
}

export interface OutputField extends Node {
  name: Ident;
  type: TypeExpr;
  ty?: Type;
}

export interface OutputDecl extends Node {
  kind: "output";
  fields: OutputField[];
  capacity?: Expr;
}

export type AggregateKind = "count" | "sum" | "min" | "max" | "avg";

export interface AggregateItem extends Node {
  name: Ident;
  /** As written (`count`, `sum`, ...); the checker rejects unknown kinds. */
  fn: Ident;
  /** The output field aggregated, when the argument is one name; absent for count(). */
  field?: Ident;
  /** The argument as written: a field or an expression over the output row's fields. */
  arg?: Expr;
}

export interface AggregateDecl extends Node {
  kind: "aggregate";
  items: AggregateItem[];
}

export interface Stage extends Node {
  name: Ident;
  body: Block;
}

// Types as written

export type TypeExpr =
  | ({ kind: "named"; path: Ident[] } & Node)
  | ({ kind: "array"; elem: TypeExpr; length: Expr | "_" } & Node)
  | ({ kind: "tuple"; elems: TypeExpr[] } & Node);

// Statements

export interface Block extends Node {
  stmts: Stmt[];
}

export type Pattern =
  ({ kind: "name"; name: Ident } & Node) | ({ kind: "tuple"; names: Ident[] } & Node);

export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "<<=" | ">>=";

/** A local variable as the checker binds it (lowering keys its storage by `id`). */
export type LocalBinding = Extract<Binding, { kind: "local" }>;

export type Stmt =
  | ({
      kind: "let";
      mutable: boolean;
      pattern: Pattern;
      type?: TypeExpr;
      init: Expr;
      /** Set by the checker: one binding per name of the pattern (null for `_`). */
      locals?: (LocalBinding | null)[];
    } & Node)
  | ({ kind: "assign"; target: NameExpr; op: AssignOp; value: Expr } & Node)
  | ({ kind: "if"; cond: Expr; then: Block; else?: Block } & Node)
  | ({
      kind: "for";
      var: Ident;
      start: Expr;
      end: Expr;
      max?: Expr;
      body: Block;
      /** Set by the checker: the loop variable, its type, and the iteration limit. */
      local?: LocalBinding;
      varTy?: IntType;
      limit?: bigint;
    } & Node)
  | ({ kind: "while"; cond: Expr; max?: Expr; body: Block; limit?: bigint } & Node)
  | ({ kind: "break" } & Node)
  | ({ kind: "continue" } & Node)
  | ({ kind: "return"; value?: Expr } & Node)
  /** `errorName` is set by the checker (the name in the artifact's error table). */
  | ({ kind: "fail"; error: Ident[]; errorName?: string } & Node)
  | ({
      kind: "resubmit";
      offset: Expr;
      size?: Expr;
      file?: StringLit;
      stage?: Ident;
      /** Set by the checker: the index in `reads` of the file the read is from. */
      fileIndex?: number;
    } & Node)
  | ScanStmt
  | ({ kind: "expr"; expr: Expr } & Node)
  | ({ kind: "block"; block: Block } & Node);

export interface ScanStmt extends Node {
  kind: "scan";
  var: Ident;
  start: Expr;
  end: Expr;
  max?: Expr;
  lets: { name: Ident; value: Expr; span: Span }[];
  until?: Expr;
  filters: Expr[];
  emit: { name: Ident; value: Expr; span: Span }[];
  emitSpan: Span;
  /** Set by the checker. */
  local?: LocalBinding;
  varTy?: IntType;
  limit?: bigint;
  letLocals?: LocalBinding[];
  /** 0-based index among the storage function's scans (for resuming after a suspension). */
  scanIndex?: number;
}

// Expressions. `ty` and `constValue` are set by the checker.

interface ExprBase extends Node {
  ty?: Type;
  /** The value when the expression is a compile-time constant. */
  constValue?: bigint;
}

export type UnaryOp = "-" | "!" | "~";
export type BinaryOp =
  | "*"
  | "/"
  | "%"
  | "+"
  | "-"
  | "<<"
  | ">>"
  | "&"
  | "^"
  | "|"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "&&"
  | "||";

export interface NameExpr extends ExprBase {
  kind: "name";
  /** `x` or `module::x`. */
  path: Ident[];
  binding?: Binding;
}

export type Expr =
  | ({ kind: "int"; value: bigint; text: string } & ExprBase)
  | ({ kind: "bool"; value: boolean } & ExprBase)
  | NameExpr
  | ({ kind: "unary"; op: UnaryOp; operand: Expr } & ExprBase)
  | ({ kind: "binary"; op: BinaryOp; left: Expr; right: Expr } & ExprBase)
  | ({ kind: "cast"; operand: Expr; target: TypeExpr } & ExprBase)
  | ({ kind: "call"; callee: NameExpr; args: Expr[] } & ExprBase)
  | ({ kind: "field"; object: Expr; field: Ident } & ExprBase)
  | ({ kind: "index"; object: Expr; index: Expr } & ExprBase)
  /** `TYPE at OFFSET`: a read of the block; `storage` is set by the checker. */
  | ({
      kind: "at";
      target: TypeExpr;
      offset: Expr;
      storage?: StorageType;
      runtimeLength?: Expr;
    } & ExprBase)
  | ({ kind: "tuple"; elems: Expr[] } & ExprBase)
  | ({ kind: "sizeof"; target: TypeExpr } & ExprBase)
  /** `if cond { then } else { else }` as a value (the arms are expressions). */
  | ({ kind: "if"; cond: Expr; then: Expr; else: Expr } & ExprBase);

// ---------------------------------------------------------------------------------------------
// Helpers

export const INT_NAMES: readonly IntName[] = ["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64"];

export function isIntName(name: string): name is IntName {
  return (INT_NAMES as readonly string[]).includes(name);
}

export function intType(name: IntName): IntType {
  const bits = Number(name.slice(1)) as 8 | 16 | 32 | 64;
  return { kind: "int", name, bits, signed: name.startsWith("i") };
}

export const BOOL: BoolType = { kind: "bool" };
export const UNTYPED: UntypedIntType = { kind: "untyped" };
export const VOID: VoidType = { kind: "void" };
export const U8 = intType("u8");
export const U32 = intType("u32");
export const U64 = intType("u64");

/** How diagnostics spell a type. */
export function typeName(t: Type): string {
  switch (t.kind) {
    case "int":
      return t.name;
    case "bool":
      return "bool";
    case "untyped":
      return "integer literal";
    case "void":
      return "()";
    case "tuple":
      return `(${t.elems.map(typeName).join(", ")})`;
    case "view":
      return t.layout.name;
    case "array":
      return `[${storageTypeName(t.elem)}; ${typeof t.length === "number" ? t.length : t.length === "generic" ? "_" : "len"}]`;
    case "module":
      return `module \`${t.name}\``;
    case "layout":
      return `layout \`${t.name}\``;
    case "fn":
      return `function \`${t.name}\``;
  }
}

export function storageTypeName(s: StorageType): string {
  switch (s.kind) {
    case "scalar":
      return s.endian && s.size > 1
        ? `${s.type.name}${s.endian === "big" ? "be" : "le"}`
        : s.type.name;
    case "array":
      return `[${storageTypeName(s.elem)}; ${s.length}]`;
    case "layout":
      return s.layout.name;
  }
}
