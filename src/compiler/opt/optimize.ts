// Runs a list of optimisation passes (the list itself is in src/compiler/pipeline.ts). Each pass
// rewrites one function in place; `dump` sees the IR after each one. The list runs again while a
// round still changes something (compared as text, once per round).
import type { Func, Module } from "../ir/ir.js";
import { printFunc, type DumpHook } from "../ir/print.js";

export interface Pass {
  name: string;
  /** `isEntry`: f is the storage function (funcs[0]; its first parameter is ctx). */
  run(f: Func, isEntry: boolean): unknown;
}

/** Rounds of the whole list at most; a round that changes nothing ends it early. */
const MAX_ROUNDS = 3;

export function runPasses(m: Module, passes: readonly Pass[], dump?: DumpHook): void {
  let before = m.funcs.map(printFunc);
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    for (const pass of passes) {
      m.funcs.forEach((f, k) => pass.run(f, k === 0));
      dump?.(`${pass.name} (round ${round})`, m);
    }
    const after = m.funcs.map(printFunc);
    if (after.every((text, k) => text === before[k])) break;
    before = after;
  }
}
