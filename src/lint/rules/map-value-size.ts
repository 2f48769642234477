// E0719: the kernel refuses an array map whose value is empty or larger than KMALLOC_MAX_SIZE
// (array_map_alloc_check: -E2BIG; 4 MiB on x86-64 with 4 KiB pages), whatever the program does.
// The scratch map grows with the output (capacity × row size) and the block map with the block.
import type { Diagnostic } from "../../diagnostics.js";
import { formatCount, type LintRule } from "../rule.js";

/** KMALLOC_MAX_SIZE on x86-64 (1 << (MAX_PAGE_ORDER 10 + PAGE_SHIFT 12)). */
export const KMALLOC_MAX_SIZE = 4 << 20;

export const mapValueSize: LintRule = {
  code: "E0719",
  name: "map-value-size",
  summary: "every map's value is between 1 byte and the kernel's 4 MiB (KMALLOC_MAX_SIZE)",
  check(cx) {
    const out: Diagnostic[] = [];
    for (const m of cx.artifact.maps) {
      if (m.valueSize >= 1 && m.valueSize <= KMALLOC_MAX_SIZE) continue;
      out.push({
        severity: "error",
        code: this.code,
        message:
          m.valueSize < 1
            ? `the ${m.name} map has an empty value: the kernel refuses it (EINVAL)`
            : `the ${m.name} map's value is ${formatCount(m.valueSize)} bytes; the kernel allocates at most ${formatCount(KMALLOC_MAX_SIZE)} (E2BIG)`,
        pos: cx.programPos,
        hint:
          m.name === "scratch"
            ? "lower the output's `capacity` (rows × row size is most of the scratch), or emit fewer fields"
            : "use a smaller block",
      });
    }
    return out;
  },
};
