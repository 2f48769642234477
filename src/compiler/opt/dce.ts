// Dead-code elimination: drops instructions without side effects whose result nobody reads
// (liveness-based, repeated until nothing changes so chains of dead values all go), the unused
// result of calls, self-copies, and blocks the entry cannot reach.
import { removeUnreachable } from "../ir/cfg.js";
import { addTermUses, addUses, deleteReg, hasReg, liveOutBits, regWords } from "../ir/liveness.js";
import { hasSideEffects, type Func } from "../ir/ir.js";

export function dce(f: Func): boolean {
  let changed = removeUnreachable(f);
  const live = new Uint32Array(regWords(f)); // live after the instruction at hand
  for (let again = true; again;) {
    again = false;
    const liveOut = liveOutBits(f);
    for (let k = 0; k < f.blocks.length; k++) {
      const b = f.blocks[k];
      live.set(liveOut[k]);
      addTermUses(b.term, live);
      let dead: boolean[] | undefined; // by instruction index
      for (let j = b.insns.length - 1; j >= 0; j--) {
        const i = b.insns[j];
        if (i.op !== "store" && i.dst !== undefined) {
          const dst = i.dst;
          const used = hasReg(live, dst);
          if (!used || (i.op === "mov" && i.src === dst)) {
            if (hasSideEffects(i)) {
              if (!used) {
                i.dst = undefined; // a call's result nobody reads
                changed = true;
              }
            } else {
              (dead ??= [])[j] = true;
            }
          }
          deleteReg(live, dst);
        }
        // A dead instruction's operands stay live for now: the next sweep finds them dead.
        addUses(i, live);
      }
      if (dead !== undefined) {
        const d = dead;
        b.insns = b.insns.filter((_, j) => d[j] !== true);
        again = changed = true;
      }
    }
  }
  return changed;
}
