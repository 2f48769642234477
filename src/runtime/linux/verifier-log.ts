// Reading a verifier log: the one-line reason for a rejection and the instruction it happened at.
//
// A rejection log (log_level 1) lists the instructions of the failing path, each as
// `N: (op) text` with register states, then the reason (a line or two), then statistics:
//   1: (37) r0 /= 0
//   div by zero
//   processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

const STATISTIC = [
  /^processed \d+ insns/,
  /^verification time \d+/,
  /^stack depth /,
  /^max_states_per_insn /,
  /^mark_precise: /,
];

const INSN_LINE = /^(\d+): \([0-9a-f]{2}\)/;

function meaningfulLines(log: string): string[] {
  return log
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "" && !STATISTIC.some((re) => re.test(l)));
}

/** Register states, branch pops, and the source lines a load with BTF line_info interleaves. */
const REGISTER_STATE = [/^\d+: R\d/, /^from \d+ to \d+: /, /^; /];

/**
 * The verifier's reason, on one line: what it printed after the instruction it stopped at (minus
 * statistics and register states). That is usually one line; a bad memory access gives two
 * (`invalid access to map value, value_size=4096 off=4092 size=8` then `R2 min value is outside
 * of the allowed memory range`), joined with "; ". Long tails give just their last line. A log
 * that ends with an instruction has no reason (the load failed after or outside the verifier's
 * walk, or the log was cut short): undefined, not the instruction.
 */
export function verifierReason(log: string): string | undefined {
  const lines = meaningfulLines(log);
  let lastInsn = -1;
  for (let i = lines.length - 1; i >= 0 && lastInsn < 0; i--)
    if (INSN_LINE.test(lines[i])) lastInsn = i;
  const tail = lines.slice(lastInsn + 1).filter((l) => !REGISTER_STATE.some((re) => re.test(l)));
  if (tail.length === 0) return undefined;
  return tail.length <= 3 ? tail.join("; ") : tail.at(-1);
}

/**
 * The instruction the verifier stopped at as it printed it, without the slot number, opcode and
 * register states: `r2 += r0` from `3: (0f) r2 += r0  ; R2_w=...`.
 */
export function failingInsnText(log: string): string | undefined {
  const lines = meaningfulLines(log);
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!INSN_LINE.test(lines[i])) continue;
    const text = lines[i]
      .replace(INSN_LINE, "")
      .replace(/\s+;.*$/, "")
      .trim();
    return text === "" ? undefined : text;
  }
  return undefined;
}

/**
 * The 8-byte slot index of the instruction the verifier stopped at: the last instruction it
 * printed, else a slot the reason names (`unreachable insn 2`, `infinite loop detected at insn 4`,
 * `jump out of range from insn 1 to 9`). Undefined when the log says neither.
 */
export function failingInsn(log: string): number | undefined {
  const lines = meaningfulLines(log);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = INSN_LINE.exec(lines[i]);
    if (m) return Number(m[1]);
  }
  const named = /\binsn (\d+)/.exec(lines.at(-1) ?? "");
  return named ? Number(named[1]) : undefined;
}
