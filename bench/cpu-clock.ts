// This thread's CPU time (CLOCK_THREAD_CPUTIME_ID through koffi): what a pass cost the thread that
// ran it — user and kernel time, the BPF programs it ran included — without the time other work
// on a shared machine held the CPU. bench/sim-machine.ts times each pass by both clocks.
import { createRequire } from "node:module";

const CLOCK_THREAD_CPUTIME_ID = 3;

interface Koffi {
  load(path: string): { func(signature: string): (...args: unknown[]) => number };
}

let clockGettime: ((clock: number, ts: Buffer) => number) | undefined;
const ts = Buffer.alloc(16);

/** ns of CPU time this thread has used so far. */
export function threadCpuNs(): number {
  if (!clockGettime) {
    const koffi = createRequire(import.meta.url)("koffi") as Koffi;
    const f = koffi.load("libc.so.6").func("int clock_gettime(int clock, void *ts)");
    clockGettime = (clock, buf) => f(clock, buf);
  }
  if (clockGettime(CLOCK_THREAD_CPUTIME_ID, ts) !== 0) throw new Error("clock_gettime failed");
  return Number(ts.readBigInt64LE(0)) * 1e9 + Number(ts.readBigInt64LE(8));
}
