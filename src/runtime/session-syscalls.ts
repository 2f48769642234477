// The syscalls a session made for its chains, for `N chains ... C syscalls/chain`: kernel chains
// count their test runs; per-step kernel sessions a test run per step and a read per hop; the VM a
// read per hop.
import type { ChainResult } from "./driver.js";
import { KernelChainSession } from "./kernel-chain-session.js";
import { KernelSession, type ChainSession } from "./session.js";

export function sessionSyscalls(
  session: ChainSession | KernelChainSession,
  results: readonly ChainResult[],
): number {
  if (session instanceof KernelChainSession) return session.runs;
  const reads = results.reduce((n, r) => n + r.reads.file + r.reads.device, 0);
  if (session instanceof KernelSession) return reads + results.reduce((n, r) => n + r.steps, 0);
  return reads;
}
