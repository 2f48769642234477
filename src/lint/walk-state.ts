// What the processed-instruction walk (estimate.ts) keeps of a verifier state: values (constants,
// unknowns, pointers) with the instruction each was computed at, frames, the checkpoints the
// verifier keeps and the paths still depending on them.

export type Val = string; // "c:<bigint>", "u:<id>", "p:<base>:<off|?id>", "x" (not initialised)

/** A value and where it was computed (an instruction index; -1: nowhere the verifier follows). */
export interface Slot {
  v: Val;
  d: number;
}

export interface Frame {
  regs: Val[];
  defs: number[];
  stack: Map<number, Slot>;
  /** Instruction to continue at after this frame's exit (-1: the program's end); a callback's
   * frame returns to its bpf_loop call, which the verifier then looks at again. */
  ret: number;
  callback: boolean;
  /** Callback passes pushed from this frame's current bpf_loop call (the verifier's callback_depth). */
  callbackDepth: number;
  id: number;
}

/** A state the verifier keeps; `branches` counts the paths from it still being walked. */
export interface Checkpoint {
  branches: number;
  parent?: Checkpoint;
}

export interface State {
  pc: number;
  frames: Frame[];
  parent?: Checkpoint;
  /** Jumps since the last checkpoint (more than 40 force one: jmp_history_cnt). */
  history: number;
}

export interface Kept {
  cp: Checkpoint;
  shape: string;
  values: Map<string, Slot>;
  /** Each frame's callbackDepth. */
  depths: number[];
  hit: number;
  miss: number;
}

export class Interner {
  private ids = new Map<string, number>();
  id(s: string): number {
    let n = this.ids.get(s);
    if (n === undefined) this.ids.set(s, (n = this.ids.size));
    return n;
  }
}

export const isConst = (v: Val): boolean => v.startsWith("c:");
export const constOf = (v: Val): bigint => BigInt(v.slice(2));
export const c = (n: bigint): Val => `c:${BigInt.asUintN(64, n)}`;
export const isScalar = (v: Val): boolean => v.startsWith("c:") || v.startsWith("u:");
