// The checker: loads the program (main file + imports), then runs the passes in order — storage
// header (block size first: reads are checked against it), constants, layouts, function
// signatures and bodies, the storage body, then the control rules — collecting every error.
// Throws one DiagnosticsError listing them all, or returns the checked program for lowering.
import { internalError } from "../../diagnostics.js";
import * as A from "../front/ast.js";
import { Diags, type CheckContext, type FnFacts, type ModuleInfo } from "./context.js";
import { ERROR_TY, type Scope } from "./expr.js";
import { ensureSignature } from "./call.js";
import { checkBlock, checkStmts, resultText, type BodyEnv } from "./stmt.js";
import { checkConstItem } from "./consts.js";
import { checkCallGraph, checkNoinline, checkScanEffects, checkTermination } from "./control.js";
import { layoutInfo } from "./disk-layouts.js";
import { loadProgram, type LoadOptions } from "./resolve.js";
import { checkAggregatesHaveScans } from "./aggregate-expr.js";
import {
  checkStorageHeader,
  DEFAULT_BLOCK_SIZE,
  storageBlockSize,
  type StorageInfo,
} from "./storage.js";

export type { StorageInfo } from "./storage.js";

export interface CheckedProgram {
  main: ModuleInfo;
  modules: Map<string, ModuleInfo>;
  storage: StorageInfo;
  facts: Map<A.FnItem | A.StorageItem, FnFacts>;
}

export type CheckOptions = LoadOptions;

export function checkProgram(
  source: string,
  file: string,
  opts: CheckOptions = {},
): CheckedProgram {
  const diags = new Diags();
  const loaded = loadProgram(source, file, diags, opts);
  if (!loaded) {
    diags.throwIfAny();
    throw internalError("loading failed without a diagnostic");
  }
  const { main, modules } = loaded;
  const storages = main.ast.items.filter((i): i is A.StorageItem => i.kind === "storage");
  if (storages.length === 0) {
    diags.error(
      "E0613",
      `${main.file} has no storage function`,
      { file: main.file, line: 1, col: 1, endLine: 1, endCol: 1 },
      "a program is one `storage fn name(...) { ... }`; see docs/language.md",
    );
  }
  for (const extra of storages.slice(1)) {
    diags.error(
      "E0613",
      "a program has exactly one storage function",
      extra.name.span,
      `\`${storages[0].name.name}\` is the first; compile the others from their own files`,
    );
  }
  const ctx: CheckContext = {
    diags,
    modules,
    main,
    blockSize: DEFAULT_BLOCK_SIZE,
    facts: new Map(),
    nextLocal: 0,
  };
  const storage = storages[0];
  if (storage) ctx.blockSize = storageBlockSize(ctx, storage, main);

  for (const m of modules.values()) {
    for (const item of m.ast.items) {
      if (item.kind === "const") checkConstItem(ctx, item, m);
      else if (item.kind === "layout")
        layoutInfo({ ctx, module: m, scope: undefined, constOnly: true }, item);
      else if (item.kind === "fn") ensureSignature(ctx, item, m);
    }
  }
  for (const m of modules.values()) {
    for (const item of m.ast.items) if (item.kind === "fn") checkFn(ctx, item, m);
  }

  let info: StorageInfo | undefined;
  if (storage) info = checkStorage(ctx, storage, main);

  const roots: (A.FnItem | A.StorageItem)[] = storage ? [storage] : [];
  for (const m of modules.values())
    for (const item of m.ast.items) if (item.kind === "fn") roots.push(item);
  checkCallGraph(ctx, roots);
  for (const m of modules.values()) {
    for (const item of m.ast.items)
      if (item.kind === "fn" && item.noinline) checkNoinline(ctx, item);
  }

  diags.throwIfAny();
  return { main, modules, storage: info!, facts: ctx.facts };
}

function newFacts(ctx: CheckContext, item: A.FnItem | A.StorageItem, module: ModuleInfo): FnFacts {
  const facts: FnFacts = { item, module, calls: [], readsBlock: undefined, fails: undefined };
  ctx.facts.set(item, facts);
  return facts;
}

function checkFn(ctx: CheckContext, fn: A.FnItem, module: ModuleInfo): void {
  const scope: Scope = { names: new Map() };
  fn.params.forEach((p, index) => {
    if (scope.names.has(p.name.name)) {
      ctx.diags.error("E0402", `the parameter \`${p.name.name}\` is defined twice`, p.name.span);
      return;
    }
    scope.names.set(p.name.name, {
      binding: { kind: "param", index, name: p.name.name, fn, span: p.name.span },
      ty: p.ty ?? ERROR_TY, // an invalid type poisons quietly: no follow-on errors
    });
  });
  const env: BodyEnv = {
    ctx,
    module,
    scope,
    facts: newFacts(ctx, fn, module),
    owner: { kind: "fn", item: fn },
    loops: 0,
  };
  checkStmts(env, fn.body.stmts);
  const rt = fn.resultTy;
  if (rt && rt.kind !== "void") {
    checkTermination(
      ctx.diags,
      fn.body,
      `\`${fn.name.name}\` can reach its end without returning ${A.typeName(rt)}`,
      "end every path with `return value;` or `fail name;`",
    );
  }
}

function checkStorage(ctx: CheckContext, item: A.StorageItem, module: ModuleInfo): StorageInfo {
  const { info, scope } = checkStorageHeader(ctx, item, module);
  const facts = newFacts(ctx, item, module);
  facts.calls.push(...(info.startExpr?.calls ?? []));
  const env: BodyEnv = { ctx, module, scope, facts, owner: { kind: "storage", info }, loops: 0 };
  const hint =
    info.result.kind === "none"
      ? "end every path with `resubmit offset;`, `return;` or `fail name;`"
      : `end every path with \`resubmit offset;\`, \`return value;\` (${resultText(info.result)}) or \`fail name;\``;
  if (item.stages.length > 0) {
    for (const st of item.stages) {
      checkBlock(env, st.body);
      checkTermination(
        ctx.diags,
        st.body,
        `the stage \`${st.name.name}\` can reach its end without an action`,
        hint,
      );
      checkScanEffects(ctx.diags, st.body.stmts);
    }
  } else {
    checkStmts({ ...env, scope: { parent: scope, names: new Map() } }, item.body.stmts);
    checkTermination(
      ctx.diags,
      item.body,
      `\`${item.name.name}\` can reach its end without an action`,
      hint,
    );
    checkScanEffects(ctx.diags, item.body.stmts);
  }
  checkAggregatesHaveScans(ctx, info);
  return info;
}
