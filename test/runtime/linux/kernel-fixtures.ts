// Shared by the linux runtime tests (not a test file): skip reasons and fd accounting.
import { readdirSync, readlinkSync } from "node:fs";
import { bpfAvailable } from "../../../src/runtime/linux/syscall.js";

const availability = bpfAvailable();
/** Why kernel tests are skipped here, or undefined when bpf() works. */
export const noBpf: string | undefined = availability.ok ? undefined : availability.reason;
if (noBpf) console.warn(`skipping kernel tests: ${noBpf}`);

/** Targets of this process's open fds that are BPF objects (maps, programs, stats). */
export function bpfFds(): string[] {
  const out: string[] = [];
  for (const name of readdirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the directory's own fd, closed by now
    }
    if (target.startsWith("anon_inode:bpf")) out.push(`${name} -> ${target}`);
  }
  return out;
}
