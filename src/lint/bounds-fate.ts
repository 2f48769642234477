// What became of each bounds check the lowering emitted (`check %v <= MAX` before a read at a
// run-time offset, an array index, a result's length): followed through the optimisation passes
// by the compiler's dump hook, each check is either elided by a pass — and the pass says why it
// could — or kept to the end, where the instruction defining the checked value says why nothing
// proved it. E0718 reports these (`iochain lint --report bounds`).
import type { SourcePos } from "../diagnostics.js";
import type { Func, Inst, Module, Term, VReg } from "../compiler/ir/ir.js";
import { defOf } from "../compiler/ir/ir.js";
import { MapIndex } from "../abi/artifact.js";

/** The storage function (Module.funcs[0], whose first parameter is ctx), by itself. */
const entryOf = new WeakMap<Func, Func>();

type CheckTerm = Extract<Term, { op: "check" }>;

export interface BoundsCheckFate {
  pos: SourcePos;
  /** The bound: the checked value must be ≤ this (unsigned). */
  max: bigint;
  /** The pass that elided it; undefined: kept in the final program. */
  elidedBy?: string;
  /** For a kept check: what the checked value is, from the instruction that defines it. */
  keptBecause?: string;
}

/** Why a pass can drop a check (the passes of src/compiler/pipeline.ts that do). */
export function whyElided(pass: string): string {
  switch (pass) {
    case "bounds-checks":
      return "a check or comparison before it, or how the value is computed, already bounds it";
    case "const-fold":
      return "the value is a constant within the bound";
    case "simplify-cfg":
    case "dce":
    case "tail-merge":
      return "no path that runs reaches it";
    default:
      return `the ${pass} pass removed it`;
  }
}

/** What the instruction defining `v` makes of it, as the reason a check on it had to stay. */
function describeDef(f: Func, v: VReg, depth = 0): string {
  if (f.params.includes(v)) return "the value comes into the function as an argument";
  const defs: Inst[] = [];
  for (const b of f.blocks) for (const i of b.insns) if (defOf(i) === v) defs.push(i);
  if (defs.length !== 1)
    return "the value has several definitions (a loop or a join), so no single one bounds it";
  const def = defs[0];
  // Copies and widenings keep the value: say where it came from.
  if (depth < 8 && def.op === "mov" && typeof def.src !== "bigint")
    return describeDef(f, def.src, depth + 1);
  if (depth < 8 && def.op === "unary" && def.un.startsWith("zext")) {
    const inner = describeDef(f, def.a, depth + 1);
    return def.un === "zext32" || inner.includes("argument")
      ? inner
      : `${inner} (narrowed by ${def.un})`;
  }
  const fromCtx =
    def.op === "load" && def.addr.base.kind === "reg" && def.addr.base.reg === f.params[0];
  if (fromCtx && f === entryOf.get(f))
    return "the value is a parameter of the chain (read from ctx): any value can come in";
  if (def.op === "load" && def.addr.base.kind === "map" && def.addr.base.map === MapIndex.scratch)
    return "the value is kept in scratch (state, or laundered where paths meet), which the verifier reads as any value";
  switch (def.op) {
    case "load":
      return def.signed || def.width === 8
        ? `the value is loaded (${def.width} bytes${def.signed ? ", signed" : ""}) and nothing compares it before the read`
        : `the value is loaded (${def.width} bytes: up to ${(1n << BigInt(def.width * 8)) - 1n}) and nothing compares it with the bound before the read`;
    case "alu":
      return `the value is computed at run time (${def.alu}) and nothing compares it with the bound before the read`;
    case "call":
    case "callLocal":
      return "the value is a call's result";
    default:
      return `the value is computed at run time (${def.op}) and nothing compares it with the bound before the read`;
  }
}

const checksOf = (m: Module): Map<CheckTerm, Func> => {
  const out = new Map<CheckTerm, Func>();
  for (const f of m.funcs) for (const b of f.blocks) if (b.term.op === "check") out.set(b.term, f);
  return out;
};

/** A dump hook for compile() that follows the checks, and the fates once compile() is done. */
export function trackBoundsChecks(): {
  dump: (stage: string, m: Module) => void;
  fates: () => BoundsCheckFate[];
} {
  const fates = new Map<CheckTerm, BoundsCheckFate>();
  let live = new Map<CheckTerm, Func>();
  let done = false;
  const dump = (stage: string, m: Module): void => {
    if (done) return;
    const pass = /^(.*) \(round \d+\)$/.exec(stage)?.[1];
    if (stage !== "lower" && stage !== "xrp" && pass === undefined) {
      // The backend's stages: the optimiser is done; what is left is kept.
      for (const [t, f] of live) fates.get(t)!.keptBecause = describeDef(f, t.value);
      done = true;
      return;
    }
    if (m.funcs[0]) entryOf.set(m.funcs[0], m.funcs[0]);
    const now = checksOf(m);
    const fresh = [...now.keys()].filter((t) => !fates.has(t));
    for (const [t] of live) {
      if (now.has(t)) continue;
      // A pass that rebuilt a check (same place and bound) carries it on.
      const k = fresh.findIndex((n) => n.pos === t.pos && n.max === t.max);
      if (k >= 0) {
        fates.set(fresh[k], fates.get(t)!);
        fates.delete(t);
        fresh.splice(k, 1);
      } else fates.get(t)!.elidedBy = pass ?? stage;
    }
    for (const t of fresh) fates.set(t, { pos: t.pos, max: t.max });
    live = now;
  };
  return { dump, fates: () => [...fates.values()] };
}
