// Names, modules and imports: loads the main file and everything it imports (stdlib modules from
// <package root>/stdlib, user modules relative to the importing file), declares each module's
// top-level names, and looks names up (`x`, `module::x`) with "did you mean" hints.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { IochainError, toDiagnostics } from "../../diagnostics.js";
import { BuiltinError } from "../../abi/artifact.js";
import type * as A from "../front/ast.js";
import { didYouMean, type Diags, type ModuleInfo } from "./context.js";
import { SCALAR_SPELLINGS } from "./types.js";
import { parseImportedModule } from "../front/module-cache.js";
import { parseModule } from "../front/parse.js";
import { packageRoot, readText } from "../../files.js";

export interface LoadOptions {
  /** Reads an imported file (absolute path); defaults to the file system. */
  readFile?: (absPath: string) => string;
  /** The directory holding stdlib/ (defaults to the package root). */
  root?: string;
}

type Named = A.ConstItem | A.LayoutItem | A.FnItem | A.StorageItem;

export function loadProgram(
  source: string,
  file: string,
  diags: Diags,
  opts: LoadOptions = {},
): { main: ModuleInfo; modules: Map<string, ModuleInfo> } | undefined {
  const loader = new ModuleLoader(
    diags,
    opts.readFile ?? ((p: string) => readText(p, "module file")),
    opts.root ?? packageRoot(),
    path.resolve(file),
  );
  const main = loader.parse(source, file, loader.mainKey, false);
  if (!main) return undefined;
  return { main, modules: loader.modules };
}

/** Where an import points: the name shown in messages, the alias, the module's key (its path). */
interface ImportTarget {
  display: string;
  alias: string;
  key: string;
  isStd: boolean;
  targetSpan: A.Span;
  aliasSpan: A.Span;
}

/** Names an import's target; undefined (after a diagnostic) when there is no such module name. */
function importTarget(
  from: ModuleInfo,
  imp: A.ImportItem,
  root: string,
  diags: Diags,
): ImportTarget | undefined {
  let display: string;
  let alias: string;
  let isStd = false;
  if ("std" in imp.target) {
    const name = imp.target.std.name;
    display = path.join(path.relative(process.cwd(), root) || ".", "stdlib", `${name}.ioc`);
    alias = imp.alias?.name ?? name;
    isStd = true;
    const abs = path.join(root, "stdlib", `${name}.ioc`);
    if (!existsSync(abs)) {
      diags.error(
        "E0403",
        `there is no stdlib module \`${name}\``,
        imp.target.std.span,
        stdHint(root, name),
      );
      return undefined;
    }
  } else {
    const rel = imp.target.path.value;
    display = path.normalize(path.join(path.dirname(from.file), rel));
    const stem = path.basename(rel).replace(/\.ioc$/, "");
    alias = imp.alias?.name ?? stem;
    if (!imp.alias && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(stem)) {
      diags.error(
        "E0403",
        `the module name \`${stem}\` is not a valid name`,
        imp.target.path.span,
        `name it: \`import "${rel}" as some_name;\``,
      );
      return undefined;
    }
  }
  const key =
    "std" in imp.target
      ? path.join(root, "stdlib", `${imp.target.std.name}.ioc`)
      : path.resolve(path.dirname(from.key), imp.target.path.value);
  const targetSpan = "std" in imp.target ? imp.target.std.span : imp.target.path.span;
  const aliasSpan = imp.alias?.span ?? targetSpan;
  return { display, alias, key, isStd, targetSpan, aliasSpan };
}

/** Loads the main file and, depth first, every module it imports (each once, cycles reported). */
class ModuleLoader {
  readonly modules = new Map<string, ModuleInfo>();
  /** The import chain being loaded, for cycle reports. */
  private readonly loading: ModuleInfo[] = [];

  constructor(
    private readonly diags: Diags,
    private readonly readFile: (absPath: string) => string,
    private readonly root: string,
    readonly mainKey: string,
  ) {}

  parse(src: string, display: string, key: string, isStd: boolean): ModuleInfo | undefined {
    let ast: A.Module;
    try {
      // The main file is parsed afresh; imports (the stdlib) come from the cache when unchanged.
      ast =
        key === this.mainKey ? parseModule(src, display) : parseImportedModule(src, display, key);
    } catch (err) {
      for (const d of toDiagnostics(err))
        this.diags.error(d.code, d.message, d.pos as A.Span | undefined, d.hint);
      return undefined;
    }
    const info: ModuleInfo = {
      file: display,
      key,
      ast,
      items: new Map(),
      imports: new Map(),
      errors: new Map(),
      isStd,
    };
    this.modules.set(key, info);
    declareItems(info, this.diags);
    this.loading.push(info);
    for (const item of ast.items) if (item.kind === "import") this.resolveImport(info, item);
    this.loading.pop();
    return info;
  }

  private resolveImport(from: ModuleInfo, imp: A.ImportItem): void {
    const t = importTarget(from, imp, this.root, this.diags);
    if (!t) return;
    if (from.imports.has(t.alias) || from.items.has(t.alias)) {
      this.diags.error(
        "E0402",
        `the name \`${t.alias}\` is defined twice in this module`,
        t.aliasSpan,
        "import it under another name: `import ... as other;`",
      );
      return;
    }
    const cycleAt = this.loading.findIndex((m) => m.key === t.key);
    if (cycleAt >= 0) {
      const chain = [
        ...this.loading.slice(cycleAt).map((m) => m.file),
        this.loading[cycleAt].file,
      ].join(" → ");
      this.diags.error(
        "E0405",
        `import cycle: ${chain}`,
        t.targetSpan,
        "move what both modules need into a third module",
      );
      return;
    }
    const target = this.modules.get(t.key) ?? this.loadImported(t);
    if (!target) return;
    imp.resolved = t.key;
    from.imports.set(t.alias, { module: target, span: t.aliasSpan });
  }

  /** Reads and parses a module not loaded yet; an imported module has no storage function. */
  private loadImported(t: ImportTarget): ModuleInfo | undefined {
    let src: string;
    try {
      src = this.readFile(t.key);
    } catch (err) {
      // A missing file is "cannot find"; a device, FIFO or directory says what it is instead.
      const why = err instanceof IochainError && err.code !== "E0901" ? `: ${err.message}` : "";
      this.diags.error(
        "E0403",
        `cannot find the module file \`${t.display}\`${why}`,
        t.targetSpan,
        "import paths are relative to the importing file",
      );
      return undefined;
    }
    const target = this.parse(src, t.display, t.key, t.isStd);
    if (!target) return undefined;
    const storage = target.ast.items.find((i) => i.kind === "storage");
    if (storage) {
      this.diags.error(
        "E0613",
        `an imported module cannot define a storage function`,
        (storage as A.StorageItem).name.span,
        "a program's one storage fn lives in the file that is compiled",
      );
    }
    return target;
  }
}

function stdHint(root: string, name: string): string {
  let names: string[] = [];
  try {
    names = readdirSync(path.join(root, "stdlib"))
      .filter((f) => f.endsWith(".ioc"))
      .map((f) => f.slice(0, -4));
  } catch {
    names = [];
  }
  return (
    didYouMean(name, names) ??
    `the stdlib modules are: ${names.map((n) => `std::${n}`).join(", ") || "(none)"}`
  );
}

function declareItems(info: ModuleInfo, diags: Diags): void {
  for (const item of info.ast.items) {
    if (item.kind === "import") continue;
    if (item.kind === "error") {
      for (const n of item.names) {
        const prev = info.errors.get(n.name);
        if (prev) {
          diags.error("E0402", `the error \`${n.name}\` is declared twice`, n.span, undefined, [
            `first declared at ${where(prev.span)}`,
          ]);
        } else if (n.name in BuiltinError) {
          diags.error(
            "E0402",
            `\`${n.name}\` is a built-in error and is always declared`,
            n.span,
            "remove this declaration",
          );
        } else {
          info.errors.set(n.name, { name: n.name, pub: item.pub, span: n.span });
        }
      }
      continue;
    }
    const name = item.name;
    const prev = info.items.get(name.name);
    if (prev) {
      diags.error(
        "E0402",
        `the name \`${name.name}\` is defined twice in this module`,
        name.span,
        undefined,
        [`first defined at ${where(prev.name.span)}`],
      );
      continue;
    }
    info.items.set(name.name, item);
  }
}

export const where = (s: A.Span): string => `${s.file}:${s.line}:${s.col}`;

export type ItemRef =
  | { kind: "item"; item: Named; module: ModuleInfo }
  | { kind: "module"; module: ModuleInfo; alias: string };

/** Looks up `x` or `m::x` among the items and imports of `from`. Reports and returns undefined. */
export function lookupItem(
  from: ModuleInfo,
  p: A.Ident[],
  diags: Diags,
  extra: Iterable<string> = [],
): ItemRef | undefined {
  const [first, second] = p;
  if (p.length > 2) {
    diags.error("E0401", `modules do not nest: \`${p.map((i) => i.name).join("::")}\``, p[2].span);
    return undefined;
  }
  if (p.length === 1) {
    const item = from.items.get(first.name);
    if (item) return { kind: "item", item, module: from };
    const imp = from.imports.get(first.name);
    if (imp) return { kind: "module", module: imp.module, alias: first.name };
    // A name spelled like a scalar type (`u46be`) is most likely one misspelt, in a read or a cast.
    const typeLike = /^[ui]\d/.test(first.name) ? SCALAR_SPELLINGS : [];
    const candidates = [...from.items.keys(), ...from.imports.keys(), ...extra, ...typeLike];
    diags.error(
      "E0401",
      `unknown name \`${first.name}\``,
      first.span,
      didYouMean(first.name, candidates),
    );
    return undefined;
  }
  const imp = from.imports.get(first.name);
  if (!imp) {
    diags.error(
      "E0401",
      `unknown module \`${first.name}\``,
      first.span,
      didYouMean(first.name, from.imports.keys()) ??
        `import it first: \`import std::${first.name};\``,
    );
    return undefined;
  }
  const item = imp.module.items.get(second.name);
  if (!item) {
    const pubs = [...imp.module.items.values()]
      .filter((i) => i.kind !== "storage" && i.pub)
      .map((i) => i.name.name);
    diags.error(
      "E0401",
      `module \`${first.name}\` has no item \`${second.name}\``,
      second.span,
      didYouMean(second.name, pubs),
    );
    return undefined;
  }
  if (item.kind === "storage" || !item.pub) {
    diags.error(
      "E0406",
      `\`${second.name}\` is private to module \`${first.name}\``,
      second.span,
      `mark it \`pub\` in ${imp.module.file} to use it here`,
    );
    return undefined;
  }
  return { kind: "item", item, module: imp.module };
}

/** Looks up the error of `fail NAME;` / `fail m::NAME;`; returns its canonical name. */
export function lookupError(from: ModuleInfo, p: A.Ident[], diags: Diags): string | undefined {
  if (p.length === 1) {
    const name = p[0].name;
    if (name in BuiltinError || from.errors.has(name)) return name;
    diags.error(
      "E0404",
      `unknown error \`${name}\``,
      p[0].span,
      didYouMean(name, [...from.errors.keys(), ...Object.keys(BuiltinError)]) ??
        `declare it at the top level: \`error ${name};\``,
    );
    return undefined;
  }
  if (p.length === 2) {
    const imp = from.imports.get(p[0].name);
    const decl = imp?.module.errors.get(p[1].name);
    if (!imp) {
      diags.error("E0401", `unknown module \`${p[0].name}\``, p[0].span);
      return undefined;
    }
    if (!decl) {
      diags.error(
        "E0404",
        `module \`${p[0].name}\` declares no error \`${p[1].name}\``,
        p[1].span,
        didYouMean(p[1].name, imp.module.errors.keys()),
      );
      return undefined;
    }
    if (!decl.pub) {
      diags.error(
        "E0406",
        `the error \`${p[1].name}\` is private to module \`${p[0].name}\``,
        p[1].span,
        `mark it \`pub error\` in ${imp.module.file}`,
      );
      return undefined;
    }
    return decl.name;
  }
  diags.error("E0401", "modules do not nest", p[2].span);
  return undefined;
}
