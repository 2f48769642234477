// The eBPF calling convention made explicit before register allocation: parameters arrive in
// r1..r5, call arguments leave in r1..r5, results come back (and are returned) in r0. Each of
// these is a short-lived vreg pinned to its physical register, joined to the rest by `mov`s that
// the allocator usually makes vanish by giving both sides the same register.
import { newReg, type Func, type Inst, type VReg } from "../ir/ir.js";

/** Physical register numbers. */
export const R0 = 0;
export const R1 = 1;
export const R10 = 10;

/** vreg → the physical register it must live in. */
export type FixedRegs = Map<VReg, number>;

export function lowerCallingConvention(f: Func): FixedRegs {
  const fixed: FixedRegs = new Map();
  const pinned = (reg: number): VReg => {
    const r = newReg(f);
    fixed.set(r, reg);
    return r;
  };

  // Parameters: copy out of r1..r5 at entry.
  const entryCopies: Inst[] = f.params.map((p, k) => {
    const incoming = pinned(R1 + k);
    return { op: "mov", dst: p, src: incoming, pos: f.pos };
  });
  f.params = [...fixed.keys()];
  f.blocks[0].insns.unshift(...entryCopies);

  for (const b of f.blocks) {
    const out: Inst[] = [];
    for (const i of b.insns) {
      if (i.op !== "call" && i.op !== "callLocal") {
        out.push(i);
        continue;
      }
      // A callback's address (bpf_loop's r2) is loaded by the call itself (select.ts): its
      // placeholder argument gets no register, and r2 is free then (every argument register is).
      const args = i.args.flatMap((a, k) => {
        if (i.op === "call" && i.callback !== undefined && k === 1) return [];
        const r = pinned(R1 + k);
        out.push({ op: "mov", dst: r, src: a, pos: i.pos });
        return [r];
      });
      const result = i.dst;
      const r0 = result === undefined ? undefined : pinned(R0);
      out.push({ ...i, args, dst: r0 });
      if (result !== undefined && r0 !== undefined)
        out.push({ op: "mov", dst: result, src: r0, pos: i.pos });
    }
    b.insns = out;
    const t = b.term;
    if (t.op === "ret") {
      const r0 = pinned(R0);
      b.insns.push({ op: "mov", dst: r0, src: t.value ?? 0n, pos: t.pos });
      b.term = { op: "ret", value: r0, pos: t.pos };
    }
  }
  return fixed;
}
