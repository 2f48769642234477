// Run-time faults of the VM. A fault names the instruction (its slot index, its text and, when the
// instruction came from source, its position) and, for memory faults, the address, so that a user
// sees which line of which program touched what.
import { IochainError } from "../../diagnostics.js";
import type { SourcePos } from "../../diagnostics.js";

export const FaultCode = {
  /** A load, store or atomic outside every region, or past the end of one. */
  OUT_OF_BOUNDS: "E0201",
  /** A store or atomic into a read-only region. */
  READ_ONLY: "E0202",
  /** The instruction budget ran out. */
  BUDGET: "E0203",
  /** A call would need more than MAX_FRAMES frames. */
  CALL_DEPTH: "E0204",
  /** A helper, kfunc or callx target the VM does not provide. */
  UNKNOWN_CALL: "E0205",
  /** An instruction the VM cannot execute: unknown opcode, bad register, a write to r10. */
  BAD_INSN: "E0206",
  /** Control reaches a slot that is not an instruction start of the current function. */
  BAD_JUMP: "E0207",
  /** A helper got an argument of the wrong kind (not a map, a pointer to too little memory). */
  HELPER_ARG: "E0208",
  /** A map the VM was given is malformed, or an lddw names a map (value) it was not given. */
  BAD_MAP: "E0209",
} as const;

export type FaultCodeValue = (typeof FaultCode)[keyof typeof FaultCode];

export class VmFault extends IochainError {
  constructor(
    code: FaultCodeValue,
    /** What went wrong, without the location (the message adds it). */
    readonly reason: string,
    /** Slot index of the faulting instruction (-1 when no instruction is involved). */
    readonly pc: number,
    /** The faulting instruction as text. */
    readonly insnText: string,
    /** The address a memory fault tried to use. */
    readonly address?: bigint,
    pos?: SourcePos,
    hint?: string,
  ) {
    super(code, pc >= 0 ? `${reason} at pc ${pc} (\`${insnText}\`)` : reason, pos, hint);
    this.name = "VmFault";
  }
}

export const hex64 = (v: bigint): string =>
  "0x" + BigInt.asUintN(64, v).toString(16).padStart(16, "0");
