// Common-subexpression elimination by value numbering. A pure computation (ALU, unary, address)
// whose inputs are stable (single-defs.ts) is computed once: a later identical one that the
// first dominates becomes a copy of it. Loads from a map the function never writes (the block)
// are pure too; other loads are reused only inside one block and only until the next store or
// call (either may change memory).
import { dominators } from "../dominators.js";
import { printFunc, printInst } from "../ir-print.js";
import { isReg, usesOf, type Block, type Func, type Inst, type VReg } from "../ir.js";
import { rootOf, writtenMaps } from "./provenance.js";
import { singleDefs } from "./single-defs.js";

const COMMUTATIVE = new Set(["add", "mul", "and", "or", "xor"]);

/** Equal keys compute equal values from equal inputs; undefined for what is not a pure computation. */
function keyOf(i: Inst): string | undefined {
  switch (i.op) {
    case "alu":
      // Order commutative operands so `a + b` and `b + a` meet.
      if (COMMUTATIVE.has(i.alu) && isReg(i.b) && i.b < i.a) return printInst({ ...i, dst: 0 as VReg, a: i.b, b: i.a });
      return printInst({ ...i, dst: 0 as VReg });
    case "unary":
    case "addr":
    case "load":
      return printInst({ ...i, dst: 0 as VReg });
    default:
      return undefined;
  }
}

/** `isEntry`: f is the storage function, whose first parameter is ctx (no map behind it). */
export function cse(f: Func, isEntry = false): boolean {
  const before = printFunc(f);
  const sd = singleDefs(f);
  const dom = dominators(f);
  const written = writtenMaps(f, sd, isEntry ? 0 : undefined);
  const invariant = (i: Inst): boolean => {
    if (i.op !== "load" || written === "all") return false;
    const base = i.addr.base;
    const root = base.kind === "map" ? { kind: "map" as const, map: base.map } : base.kind === "reg" ? rootOf(base.reg, f, sd) : undefined;
    return root?.kind === "map" && !written.has(root.map);
  };

  const visit = (b: Block, inherited: Map<string, VReg>): void => {
    const available = new Map(inherited);
    const loads = new Map<string, VReg>(); // this block only
    b.insns = b.insns.map((i): Inst => {
      if (i.op === "store" || i.op === "call" || i.op === "callLocal") {
        loads.clear();
        return i;
      }
      const key = keyOf(i);
      if (key === undefined || i.dst === undefined || !sd.stable(i.dst) || !usesOf(i).every(sd.stable)) return i;
      const table = i.op === "load" && !invariant(i) ? loads : available;
      const prior = table.get(key);
      if (prior !== undefined) return { op: "mov", dst: i.dst, src: prior, pos: i.pos };
      table.set(key, i.dst);
      return i;
    });
    for (const c of dom.children.get(b)!) visit(c, available);
  };
  visit(dom.order[0], new Map());
  return printFunc(f) !== before;
}
