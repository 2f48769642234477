// Stack frame layout: every stack slot of a function (the front end's buffers and the
// allocator's spill slots) gets a fixed, aligned offset below r10. eBPF gives a program 512 bytes
// of stack, and that budget covers the frames of a whole BPF-to-BPF call chain.
import { IochainError } from "../../diagnostics.js";
import { calleesOf, type Func, type Module } from "../ir/ir.js";

export const MAX_STACK = 512;

export interface Frame {
  /** r10-relative offset (negative) of each slot of Func.slots. */
  offsets: number[];
  /** Bytes used, a multiple of 8. */
  size: number;
}

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

export function layoutFrame(f: Func): Frame {
  const offsets = new Array<number>(f.slots.length);
  const byAlign = f.slots
    .map((s, i) => ({ ...s, i }))
    .sort((a, b) => b.align - a.align || a.i - b.i);
  let used = 0;
  for (const s of byAlign) {
    used = roundUp(used + s.size, s.align);
    offsets[s.i] = -used;
  }
  const size = roundUp(used, 8);
  if (size > MAX_STACK) {
    throw new IochainError(
      "E0690",
      `function \`${f.name}\` needs ${size} bytes of stack, more than the ${MAX_STACK} eBPF allows`,
      f.pos,
      "keep fewer or smaller local arrays, or split the work across stages",
    );
  }
  return { offsets, size };
}

/** Checks that the deepest BPF-to-BPF call chain fits the 512-byte stack (frames of 32-byte granules, as the verifier counts). */
export function checkCallChainStack(m: Module, frames: Map<string, Frame>): void {
  const byName = new Map(m.funcs.map((f) => [f.name, f]));
  const deepest = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = deepest.get(name);
    if (known !== undefined) return known;
    const f = byName.get(name)!;
    let callees = 0;
    for (const b of f.blocks) {
      for (const i of b.insns) {
        // A bpf_loop callback runs in a frame above its caller's, like a callee.
        for (const callee of calleesOf(i)) callees = Math.max(callees, depthOf(callee));
      }
    }
    const total = roundUp(Math.max(frames.get(name)!.size, 1), 32) + callees;
    deepest.set(name, total);
    return total;
  };
  const entry = m.funcs[0];
  const total = depthOf(entry.name);
  if (total > MAX_STACK) {
    throw new IochainError(
      "E0691",
      `the calls from \`${entry.name}\` need ${total} bytes of stack in their deepest chain, more than the ${MAX_STACK} eBPF allows`,
      entry.pos,
      "inline a function or make its local arrays smaller",
    );
  }
}
