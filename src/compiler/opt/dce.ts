// Dead-code elimination: drops instructions without side effects whose result nobody reads
// (liveness-based, repeated until nothing changes so chains of dead values all go), the unused
// result of calls, self-copies, and blocks the entry cannot reach.
import { removeUnreachable } from "../ir/cfg.js";
import { liveness, walkLiveBackwards } from "../ir/liveness.js";
import { defOf, hasSideEffects, type Func } from "../ir/ir.js";

export function dce(f: Func): boolean {
  let changed = removeUnreachable(f);
  for (let again = true; again;) {
    again = false;
    const { liveOut } = liveness(f);
    for (const b of f.blocks) {
      const dead = new Set<number>();
      walkLiveBackwards(b, liveOut.get(b)!, (k, live) => {
        if (k === b.insns.length) return;
        const i = b.insns[k];
        const dst = defOf(i);
        if (dst === undefined) return;
        const selfCopy = i.op === "mov" && i.src === dst;
        if (!live.has(dst) || selfCopy) {
          if (hasSideEffects(i)) {
            if ((i.op === "call" || i.op === "callLocal") && !live.has(dst)) {
              i.dst = undefined;
              changed = true;
            }
          } else {
            dead.add(k);
          }
        }
      });
      if (dead.size > 0) {
        b.insns = b.insns.filter((_, k) => !dead.has(k));
        again = changed = true;
      }
    }
  }
  return changed;
}
