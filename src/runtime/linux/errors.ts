// Errors of the linux runtime (E08xx). Each carries what a user needs to act: the kernel call that
// failed, its errno, and for a rejected program the verifier's reason and whole log.
import type { SourcePos } from "../../diagnostics.js";
import { IochainError } from "../../diagnostics.js";

/** A bpf() command, mmap or close failed (E0803), or bpf() cannot be used here (E0802). */
export class KernelError extends IochainError {
  constructor(
    code: string,
    message: string,
    /** errno of the failed call; 0 when no call was made (e.g. koffi is missing). */
    readonly errno: number,
    hint?: string,
    pos?: SourcePos,
  ) {
    super(code, message, pos, hint);
    this.name = "KernelError";
  }
}

/**
 * BPF_PROG_LOAD failed: the verifier rejected the program, or the kernel refused the load (E0801).
 * The message says why in plain words (verifier-messages.ts); notes give the verifier's own line
 * and the instruction; `log` is the whole log (`iochain run --verifier-log FILE` writes it out).
 */
export class LoadError extends KernelError {
  constructor(
    message: string,
    errno: number,
    /** The verifier's one-line reason (the log's last line that is not a statistic). */
    readonly reason: string,
    /** The whole verifier log ("" if the kernel wrote none). */
    readonly log: string,
    /** Index (into the loaded Insn array) of the instruction the verifier stopped at, if known. */
    readonly insnIndex: number | undefined,
    pos?: SourcePos,
    hint?: string,
    /** Where the verifier stopped and what it said, when the message puts it in plain words. */
    notes?: string[],
  ) {
    super("E0801", message, errno, hint, pos);
    this.name = "LoadError";
    if (notes?.length) this.diagnostic.notes = notes;
  }
}
