// E0718 (`--report bounds`, notes): which bounds checks the compiler elided because it proved
// them, and which it kept and why — one note per source position, from bounds-fate.ts.
import type { Diagnostic } from "../../diagnostics.js";
import { whyElided } from "../bounds-fate.js";
import type { BoundsCheckFate } from "../bounds-fate.js";
import type { LintRule } from "../rule.js";

export const boundsReport: LintRule = {
  code: "E0718",
  name: "bounds-report",
  summary: "with --report bounds: each bounds check, elided (and why) or kept (and why)",
  check(cx) {
    if (!cx.options.reportBounds) return [];
    const byPos = new Map<string, BoundsCheckFate[]>();
    for (const f of cx.boundsChecks) {
      const key = `${f.pos.file}:${f.pos.line}:${f.pos.col}`;
      byPos.set(key, [...(byPos.get(key) ?? []), f]);
    }
    const out: Diagnostic[] = [];
    for (const fates of byPos.values()) {
      const kept = fates.filter((f) => f.elidedBy === undefined);
      const elided = fates.filter((f) => f.elidedBy !== undefined);
      const bound = `≤ ${fates[0].max}`;
      const count = (n: number) =>
        fates.length > 1 ? `${n} of ${fates.length} checks` : "the check";
      const parts: string[] = [];
      if (elided.length > 0)
        parts.push(
          `${count(elided.length)} (${bound}) elided: ${[...new Set(elided.map((f) => whyElided(f.elidedBy!)))].join("; ")}`,
        );
      if (kept.length > 0)
        parts.push(
          `${count(kept.length)} (${bound}) kept: ${[...new Set(kept.map((f) => f.keptBecause ?? "it is in the final program"))].join("; ")}`,
        );
      out.push({
        severity: "note",
        code: this.code,
        message: `bounds: ${parts.join("; ")}`,
        pos: fates[0].pos,
        hint:
          kept.length > 0
            ? "a kept check costs a compare and a branch; compare the value with the bound yourself first (or mask it) if the format guarantees it"
            : undefined,
      });
    }
    return out;
  },
};
