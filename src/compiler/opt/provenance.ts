// Where a pointer points: into a map, the stack, or what a parameter points to (ctx, in the
// storage function). Lets CSE treat loads from a map the function never writes (the block, as a
// rule) as pure computations that may be reused across blocks, stores and calls.
import { isReg, type Func, type VReg } from "../ir/ir.js";
import type { SingleDefs } from "./single-defs.js";

export type Root =
  | { kind: "map"; map: number }
  | { kind: "stack" }
  | { kind: "param"; index: number }
  | { kind: "unknown" };

const UNKNOWN: Root = { kind: "unknown" };

/** Follows addr / pointer arithmetic / copies of stable vregs back to what the pointer is based on. */
export function rootOf(v: VReg, f: Func, sd: SingleDefs, depth = 0): Root {
  if (depth > 16 || !sd.stable(v)) return UNKNOWN;
  const p = f.params.indexOf(v);
  if (p >= 0) return { kind: "param", index: p };
  const d = sd.def(v);
  if (d?.op === "addr") {
    const base = d.addr.base;
    if (base.kind === "map") return { kind: "map", map: base.map };
    if (base.kind === "stack") return { kind: "stack" };
    return rootOf(base.reg, f, sd, depth + 1);
  }
  if (d?.op === "alu" && (d.alu === "add" || d.alu === "sub")) return rootOf(d.a, f, sd, depth + 1);
  if (d?.op === "mov" && isReg(d.src)) return rootOf(d.src, f, sd, depth + 1);
  return UNKNOWN;
}

/**
 * Maps the function may write: stores into them and maps whose pointers are passed to calls.
 * `"all"` when a store goes through a pointer of unknown origin. `ctxParam` is the index of the
 * parameter that holds ctx (the storage function's first), whose stores write no map.
 */
export function writtenMaps(
  f: Func,
  sd: SingleDefs,
  ctxParam: number | undefined,
): Set<number> | "all" {
  const written = new Set<number>();
  const writes = (root: Root): boolean => {
    if (root.kind === "map") written.add(root.map);
    return root.kind === "unknown" || (root.kind === "param" && root.index !== ctxParam);
  };
  for (const b of f.blocks) {
    for (const i of b.insns) {
      if (i.op === "store") {
        const base = i.addr.base;
        if (base.kind === "map") written.add(base.map);
        else if (base.kind === "reg" && writes(rootOf(base.reg, f, sd))) return "all";
      } else if (i.op === "call" || i.op === "callLocal") {
        // A pointer passed to a call may be written through; a scalar argument is harmless, but
        // its provenance is unknown here, so only pointers we can place are counted.
        for (const a of i.args) if (isReg(a)) writes(rootOf(a, f, sd));
      }
    }
  }
  return written;
}
