// E0711: eBPF defines x / 0 = 0 and x % 0 = x, so a division by a value that may be zero does
// not fault — it silently answers something else than the program meant.
import { Alu, Class, classOf, opOf, srcOf } from "../../bpf/opcodes.js";
import type { LintRule } from "../rule.js";

export const divMaybeZero: LintRule = {
  code: "E0711",
  name: "division-by-maybe-zero",
  summary: "no division or remainder by a run-time value that may be zero",
  check(cx) {
    const seen = new Set<string>();
    return cx.artifact.insns.flatMap((insn) => {
      const cls = classOf(insn.code);
      const op = opOf(insn.code);
      if (
        (cls !== Class.ALU && cls !== Class.ALU64) ||
        (op !== Alu.DIV && op !== Alu.MOD) ||
        srcOf(insn.code) !== 0x08
      )
        return [];
      const pos = insn.pos ?? cx.programPos;
      const key = `${pos.line}:${pos.col}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [
        {
          severity: "warning" as const,
          code: this.code,
          message: `${op === Alu.DIV ? "division" : "remainder"} by a run-time value that may be zero (eBPF answers ${op === Alu.DIV ? "0" : "the dividend"} then)`,
          pos,
          hint: "test the divisor first (`if d == 0 { fail bad_input; }`), or divide by a constant",
        },
      ];
    });
  },
};
