// The optimisation passes, in order (QBE's main.c style: the list IS the documentation).
// Each pass rewrites one function in place; `dump` sees the IR after each one. The list runs again
// while a round still changes something (compared as text, once per round).
import { foldAddresses } from "./opt/addr-fold.js";
import { constFold } from "./opt/const-fold.js";
import { coalesceCopies } from "./opt/coalesce.js";
import { copyProp } from "./opt/copy-prop.js";
import { cse } from "./opt/cse.js";
import { dce } from "./opt/dce.js";
import { removeDeadStores } from "./opt/dead-stores.js";
import { forwardLoads } from "./opt/load-forward.js";
import { removeRedundantChecks } from "./opt/bounds-checks.js";
import { demandedBits } from "./opt/demanded-bits.js";
import { reassociate } from "./opt/reassociate.js";
import { simplifyCfg } from "./opt/simplify-cfg.js";
import { strengthReduce } from "./opt/strength.js";
import { mergeTails } from "./opt/tail-merge.js";
import { printFunc } from "./ir-print.js";
import type { Func, Module } from "./ir.js";

export interface Pass {
  name: string;
  /** `isEntry`: f is the storage function (funcs[0]; its first parameter is ctx). */
  run(f: Func, isEntry: boolean): unknown;
}

export const PASSES: Pass[] = [
  { name: "const-fold", run: constFold },
  { name: "copy-prop", run: copyProp },
  { name: "reassociate", run: reassociate },
  { name: "strength", run: strengthReduce },
  { name: "const-fold", run: constFold },
  { name: "addr-fold", run: foldAddresses },
  { name: "demanded-bits", run: demandedBits },
  { name: "cse", run: cse },
  { name: "load-forward", run: forwardLoads },
  { name: "copy-prop", run: copyProp },
  { name: "bounds-checks", run: removeRedundantChecks },
  { name: "tail-merge", run: mergeTails },
  { name: "simplify-cfg", run: simplifyCfg },
  { name: "dead-stores", run: removeDeadStores },
  { name: "dce", run: dce },
  { name: "coalesce", run: coalesceCopies },
];

/** Rounds of the whole list at most; a round that changes nothing ends it early. */
const MAX_ROUNDS = 3;

export type DumpHook = (stage: string, m: Module) => void;

export function optimize(m: Module, dump?: DumpHook): void {
  let before = m.funcs.map(printFunc);
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    for (const pass of PASSES) {
      m.funcs.forEach((f, k) => pass.run(f, k === 0));
      dump?.(`${pass.name} (round ${round})`, m);
    }
    const after = m.funcs.map(printFunc);
    if (after.every((text, k) => text === before[k])) break;
    before = after;
  }
}
