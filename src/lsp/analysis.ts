// What the language server knows about a document: its compile errors or lint findings, and the
// checked AST for hover and go-to-definition (the checker annotates names with their bindings and
// expressions with their types).
import { checkProgram, type CheckedProgram } from "../compiler/check/check.js";
import type { ModuleInfo } from "../compiler/check/context.js";
import * as A from "../compiler/front/ast.js";
import { type Diagnostic, type SourcePos, toDiagnostics } from "../diagnostics.js";
import { lintSource } from "../lint/lint.js";

export function diagnosticsOf(source: string, file: string): Diagnostic[] {
  return lintSource(source, file, { target: "linux" }).diagnostics;
}

export function checked(source: string, file: string): CheckedProgram | undefined {
  try {
    return checkProgram(source, file);
  } catch (err) {
    void toDiagnostics(err);
    return undefined;
  }
}

type AnyNode = { kind?: string; span?: A.Span } & Record<string, unknown>;

const contains = (s: A.Span, line: number, col: number): boolean =>
  (line > s.line || (line === s.line && col >= s.col)) &&
  (line < s.endLine || (line === s.endLine && col < s.endCol));

const size = (s: A.Span) => (s.endLine - s.line) * 10000 + (s.endCol - s.col);

/** The nodes of `root` whose spans contain (line, col), innermost last. */
function nodesAt(root: unknown, line: number, col: number): AnyNode[] {
  const out: AnyNode[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown) => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) return v.forEach(walk);
    const n = v as AnyNode;
    if (n.span && typeof n.span === "object" && "line" in n.span) {
      if (!contains(n.span, line, col)) return;
      out.push(n);
    }
    for (const [k, child] of Object.entries(n)) {
      // Annotations point elsewhere in the program (bindings, types): not children.
      if (k === "binding" || k === "ty" || k === "info" || k === "storage" || k === "span")
        continue;
      walk(child);
    }
  };
  walk(root);
  return out.sort((a, b) => size(b.span!) - size(a.span!));
}

const sizeOfStorage = (s: A.StorageType) => s.size;

/** Hover text for (line, col) of the main module, 1-based. */
export function hoverAt(p: CheckedProgram, line: number, col: number): string | undefined {
  const nodes = nodesAt(p.main.ast, line, col);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    // A field of a layout read: its byte offset and size.
    if (n.kind === "field") {
      const obj = n.object as { ty?: A.Type };
      const field = (n.field as A.Ident).name;
      if (obj.ty?.kind === "view") {
        const f = obj.ty.layout.fields.find((x) => x.name === field);
        if (f)
          return `${obj.ty.layout.name}.${f.name}: ${A.storageTypeName(f.type)} — offset ${f.offset}, size ${sizeOfStorage(f.type)} bytes`;
      }
    }
    if (n.kind === "layout" && n.info) {
      const info = n.info as A.LayoutInfo;
      const f = info.fields.find((x) => contains(x.span, line, col));
      if (f)
        return `${info.name}.${f.name}: ${A.storageTypeName(f.type)} — offset ${f.offset}, size ${sizeOfStorage(f.type)} bytes`;
      return `layout ${info.name}: ${info.size} bytes`;
    }
    if (n.kind === "name" && Array.isArray(n.path)) {
      const name = (n.path as A.Ident[]).map((i) => i.name).join("::");
      const ty = n.ty as A.Type | undefined;
      const b = n.binding as A.Binding | undefined;
      if (ty) return `${name}: ${A.typeName(ty)}`;
      if (b?.kind === "param") {
        const param = b.fn.params[b.index];
        if (param.ty) return `${name}: ${A.typeName(param.ty)} (parameter)`;
      }
    }
    if (n.ty && typeof n.ty === "object") return `${A.typeName(n.ty as A.Type)}`;
  }
  return undefined;
}

/** Where the name at (line, col) is defined: a local, a parameter, an item here or in an import. */
export function definitionAt(p: CheckedProgram, line: number, col: number): SourcePos | undefined {
  const nodes = nodesAt(p.main.ast, line, col);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    if (n.kind === "name" && Array.isArray(n.path)) {
      const b = n.binding as A.Binding | undefined;
      if (b && (b.kind === "local" || b.kind === "param")) return b.span;
      if (b && (b.kind === "const" || b.kind === "fn" || b.kind === "layout"))
        return { ...b.item.name.span, file: p.modules.get(b.module)?.key ?? b.item.name.span.file };
      const path = (n.path as A.Ident[]).map((i) => i.name);
      return itemSpan(p.main, path);
    }
    if (n.kind === "call") {
      const callee = n.callee as A.NameExpr;
      return itemSpan(
        p.main,
        callee.path.map((i) => i.name),
      );
    }
  }
  return undefined;
}

function itemSpan(m: ModuleInfo, path: string[]): SourcePos | undefined {
  if (path.length === 2) {
    const imported = m.imports.get(path[0]);
    const item = imported?.module.items.get(path[1]);
    return item ? { ...item.name.span, file: imported!.module.key } : undefined;
  }
  const item = m.items.get(path[0]);
  return item?.name.span;
}
