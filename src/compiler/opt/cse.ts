// Common-subexpression elimination by value numbering. A pure computation (ALU, unary, address)
// whose inputs are stable (single-defs.ts) is computed once: a later identical one that the
// first dominates becomes a copy of it. Loads from a map the function never writes (the block)
// are pure too; other loads are reused only inside one block and only until the next store or
// call (either may change memory). A load from ctx right after a store to the same place takes
// the stored value (forwarding). Map memory is never forwarded: the front end launders values
// through scratch on purpose (a store and a load) so that the verifier forgets their ranges and
// can prune loop states.
import { dominators } from "../ir/dominators.js";
import { printInst } from "../ir/print.js";
import {
  imm,
  isReg,
  usesOf,
  type Addr,
  type Block,
  type Func,
  type Inst,
  type Value,
  type VReg,
} from "../ir/ir.js";
import { rootOf, writtenMaps } from "./provenance.js";
import { singleDefs } from "./single-defs.js";

const COMMUTATIVE = new Set(["add", "mul", "and", "or", "xor"]);

/** Equal keys compute equal values from equal inputs; undefined for what is not a pure computation. */
function keyOf(i: Inst): string | undefined {
  switch (i.op) {
    case "alu":
      // Order commutative operands so `a + b` and `b + a` meet.
      if (COMMUTATIVE.has(i.alu) && isReg(i.b) && i.b < i.a)
        return printInst({ ...i, dst: 0 as VReg, a: i.b, b: i.a });
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
export function cse(f: Func, isEntry = false): void {
  const sd = singleDefs(f);
  const dom = dominators(f);
  const written = writtenMaps(f, sd, isEntry ? 0 : undefined);
  const rootOfAddr = (a: Addr) =>
    a.base.kind === "map"
      ? { kind: "map" as const, map: a.base.map }
      : a.base.kind === "reg"
        ? rootOf(a.base.reg, f, sd)
        : undefined;
  const invariant = (a: Addr): boolean => {
    const root = rootOfAddr(a);
    return written !== "all" && root?.kind === "map" && !written.has(root.map);
  };
  const intoCtx = (a: Addr): boolean => {
    const root = rootOfAddr(a);
    return isEntry && root?.kind === "param" && root.index === 0;
  };
  /** What a load of `width` bytes reads back right after `store width [a], v`, if expressible. */
  const forwardable = (width: number, v: Value): Value | undefined =>
    !isReg(v) ? imm(BigInt.asUintN(width * 8, v)) : width === 8 && sd.stable(v) ? v : undefined;

  // One table for the whole dominator-tree walk: a block's entries are dropped when its subtree
  // is done (an entry is only ever added, never replaced), rather than a copy per block.
  const available = new Map<string, Value>();
  const visit = (b: Block): void => {
    const added: string[] = [];
    const local = new Map<string, Value>(); // loads of memory that may change: this block only
    b.insns = b.insns.map((i): Inst => {
      if (i.op === "store" || i.op === "call" || i.op === "callLocal") {
        local.clear();
        if (i.op === "store" && intoCtx(i.addr)) {
          const v = forwardable(i.width, i.value);
          const load: Inst = {
            op: "load",
            width: i.width,
            signed: false,
            dst: 0 as VReg,
            addr: i.addr,
            pos: i.pos,
          };
          if (v !== undefined) local.set(printInst(load), v);
        }
        return i;
      }
      const key = keyOf(i);
      if (
        key === undefined ||
        i.dst === undefined ||
        !sd.stable(i.dst) ||
        !usesOf(i).every(sd.stable)
      )
        return i;
      const table = i.op === "load" && !invariant(i.addr) ? local : available;
      const prior = table.get(key);
      if (prior !== undefined) return { op: "mov", dst: i.dst, src: prior, pos: i.pos };
      table.set(key, i.dst);
      if (table === available) added.push(key);
      return i;
    });
    for (const c of dom.children.get(b)!) visit(c);
    for (const key of added) available.delete(key);
  };
  visit(dom.order[0]);
}
