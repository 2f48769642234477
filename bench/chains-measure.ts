// What one row of the chains section measured, and the round timer all of them share. Callers run
// one checked pass first (it also warms the page cache and the JIT), then `rounds` timed passes;
// the median is the figure, the fastest pass beside it (the least disturbed on a shared machine).
import { readFileSync } from "node:fs";
import { threadCpuNs } from "./cpu-clock.js";

export interface Measured {
  path: string;
  /** Lookups (or ranges) per timed pass: slow paths time a prefix of the keys. */
  lookups: number;
  nsPerLookup: number;
  nsMin: number;
  /** This thread's CPU time per lookup, median pass (bench/cpu-clock.ts); when timeRounds timed it. */
  cpuNsPerLookup?: number;
  hopsPerLookup: number;
  /** Syscalls per lookup, when the path can count them (undefined: not known). */
  syscallsPerLookup?: number;
  /** Bytes read from the device per lookup (cold runs). */
  deviceBytesPerLookup?: number;
}

/**
 * ns of each pass of `pass` (a synchronous pass over `lookups` lookups): median and best, per
 * lookup; and the median pass's CPU time of this thread (what the pass cost, without the time
 * other work held the CPU).
 */
export function timeRounds(
  rounds: number,
  lookups: number,
  pass: () => void,
): { nsPerLookup: number; nsMin: number; cpuNsPerLookup: number } {
  const ns: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = threadCpuNs();
    const start = process.hrtime.bigint();
    pass();
    ns.push(Number(process.hrtime.bigint() - start));
    cpu.push(threadCpuNs() - c0);
  }
  const sorted = [...cpu].sort((a, b) => a - b);
  return { ...summarize(ns, lookups), cpuNsPerLookup: sorted[Math.floor(rounds / 2)] / lookups };
}

/** Median and best of per-pass times (ns for a whole pass) as ns per lookup. */
export function summarize(
  passNs: number[],
  lookups: number,
): { nsPerLookup: number; nsMin: number } {
  const sorted = [...passNs].sort((a, b) => a - b);
  return {
    nsPerLookup: sorted[Math.floor(sorted.length / 2)] / lookups,
    nsMin: sorted[0] / lookups,
  };
}

/** Bytes this process has read from storage so far (/proc/self/io read_bytes; all threads). */
export function readBytes(): number {
  try {
    const io = readFileSync("/proc/self/io", "utf8");
    return Number(/^read_bytes:\s*(\d+)/m.exec(io)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}
