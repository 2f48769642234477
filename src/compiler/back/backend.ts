// The back end, in order: legalize → calling convention → block layout → register allocation
// (with spilling) → frame layout → emission. Input: optimised IR; output: eBPF instructions.
import type { Insn } from "../../bpf/insn.js";
import { lowerCallingConvention } from "./calling-convention.js";
import { emitProgram, type AllocatedFunc } from "./emit.js";
import { checkCallChainStack, layoutFrame, type Frame } from "./frame.js";
import { calleesOf, type Module } from "../ir/ir.js";
import { layoutBlocks } from "./block-order.js";
import { legalize } from "./legalize.js";
import type { DumpHook } from "../ir/print.js";
import { allocateRegisters } from "./regalloc.js";

/** Drops functions no call chain from the entry reaches: the verifier refuses unreachable code. */
function removeUncalled(m: Module): void {
  const byName = new Map(m.funcs.map((f) => [f.name, f]));
  const called = new Set<string>([m.funcs[0].name]);
  const work = [m.funcs[0]];
  while (work.length > 0) {
    for (const b of work.pop()!.blocks) {
      for (const i of b.insns) {
        for (const name of calleesOf(i)) {
          if (called.has(name)) continue;
          called.add(name);
          const callee = byName.get(name);
          if (callee) work.push(callee);
        }
      }
    }
  }
  m.funcs = m.funcs.filter((f) => called.has(f.name));
}

export function generate(m: Module, dump?: DumpHook): Insn[] {
  removeUncalled(m);
  const allocated: AllocatedFunc[] = [];
  const frames = new Map<string, Frame>();
  for (const f of m.funcs) legalize(f);
  dump?.("legalize", m);
  for (const func of m.funcs) {
    const fixed = lowerCallingConvention(func);
    const order = layoutBlocks(func);
    const reg = allocateRegisters(func, fixed, order);
    const frame = layoutFrame(func);
    frames.set(func.name, frame);
    allocated.push({ func, order, reg, frame });
  }
  dump?.("regalloc", m);
  checkCallChainStack(m, frames);
  return emitProgram(allocated);
}
