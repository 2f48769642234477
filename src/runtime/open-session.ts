// Which session a run gets: the VM (sim), or the kernel — whole chains inside the kernel by
// default (kernel-chain-session.ts), or one test run per hop (`chain: "step"`, session.ts), which
// reads at device addresses and O_DIRECT need.
import type { ProgramArtifact } from "../abi/artifact.js";
import { IochainError } from "../diagnostics.js";
import { KernelChainSession, type KernelChainSessionOptions } from "./kernel-chain-session.js";
import { LoadError } from "./linux/errors.js";
import {
  type ChainSession,
  KernelSession,
  SimSession,
  type SimSessionOptions,
  type TargetName,
} from "./session.js";

/** How the linux target runs a chain: all of it in one test run, or one test run per hop. */
export type ChainMode = "kernel" | "step";

export type SessionOptions = SimSessionOptions &
  KernelChainSessionOptions & {
    target: TargetName;
    /** linux only; default: kernel chains, or per step where they cannot run (see fallback). */
    chain?: ChainMode;
  };

export type Session = (ChainSession | KernelChainSession) & {
  /** Why a linux session runs per step although kernel chains were not ruled out by the options. */
  readonly fallback?: string;
};

export function openSession(artifact: ProgramArtifact, options: SessionOptions): Session {
  if (options.target !== "linux") {
    if (options.chain === "kernel")
      throw new IochainError(
        "E0937",
        "--chain kernel runs chains inside the kernel: it needs --target linux",
      );
    return SimSession.open(artifact, options);
  }
  if (options.chain === "kernel") return KernelChainSession.open(artifact, options);
  if (options.chain === "step" || options.realDevice || options.direct)
    return KernelSession.open(artifact, options);
  try {
    return KernelChainSession.open(artifact, options);
  } catch (err) {
    if (!(err instanceof LoadError)) throw err;
    // The kernel refused the chain program (an older kernel, a step too large to nest): per step,
    // whose own load reports the step's problems if it has any.
    const session = KernelSession.open(artifact, options);
    return Object.assign(session, {
      fallback: `the kernel refused the chain program (${err.diagnostic.message}); ran per step`,
    });
  }
}
