// The verifier's statistics, from the lines it ends every log with (all of them at log level 4,
// BPF_LOG_STATS):
//   verification time 38 usec
//   stack depth 8+0
//   processed 18 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1

export interface VerifierStats {
  /** Instructions processed on all paths (equals bpf_prog_info.verified_insns). */
  processedInsns: number;
  /** The kernel's bound on processedInsns (1,000,000). */
  insnLimit: number;
  maxStatesPerInsn: number;
  totalStates: number;
  peakStates: number;
  markRead: number;
  verificationTimeUsec?: number;
  /** Stack bytes of each function (entry first), as "stack depth 8+0" lists them. */
  stackDepth?: number[];
}

const PROCESSED =
  /processed (\d+) insns \(limit (\d+)\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read (\d+)/;

/** The statistics of a log, or undefined when it has no "processed N insns" line. */
export function verifierStats(log: string): VerifierStats | undefined {
  const m = PROCESSED.exec(log);
  if (!m) return undefined;
  const [processedInsns, insnLimit, maxStatesPerInsn, totalStates, peakStates, markRead] = m
    .slice(1)
    .map(Number);
  const stats: VerifierStats = {
    processedInsns,
    insnLimit,
    maxStatesPerInsn,
    totalStates,
    peakStates,
    markRead,
  };
  const time = /verification time (\d+) usec/.exec(log);
  if (time) stats.verificationTimeUsec = Number(time[1]);
  const stack = /stack depth (\d+(?:\+\d+)*)/.exec(log);
  if (stack) stats.stackDepth = stack[1].split("+").map(Number);
  return stats;
}
