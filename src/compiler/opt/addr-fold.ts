// Address folding: a memory access through a pointer computed as `base + constant` accesses
// `[base + constant + off]` directly (eBPF loads and stores carry a 16-bit offset), and an access
// through `addr [map/slot + k]` uses that map or slot base itself. The pointer's computation then
// usually dies. Only stable vregs (single-defs.ts) are looked through.
import { isImm, type Addr, type Func } from "../ir/ir.js";
import { fitsOff16 } from "../../bpf/insn.js";
import { singleDefs, type SingleDefs } from "./single-defs.js";

function fold(a: Addr, sd: SingleDefs): Addr {
  for (let depth = 0; depth < 8 && a.base.kind === "reg"; depth++) {
    const base = a.base.reg;
    const d = sd.stable(base) ? sd.def(base) : undefined;
    if (d?.op === "alu" && d.alu === "add" && d.w === 64 && isImm(d.b) && sd.stable(d.a)) {
      const off = a.off + Number(d.b);
      if (!fitsOff16(off) || !fitsOff16(Number(d.b))) break;
      a = { base: { kind: "reg", reg: d.a }, off };
    } else if (d?.op === "mov" && !isImm(d.src) && sd.stable(d.src)) {
      a = { base: { kind: "reg", reg: d.src }, off: a.off };
    } else if (d?.op === "addr" && (d.addr.base.kind !== "reg" || sd.stable(d.addr.base.reg))) {
      const off = a.off + d.addr.off;
      if (d.addr.base.kind === "reg" && !fitsOff16(off)) break;
      a = { base: d.addr.base, off };
    } else {
      break;
    }
  }
  return a;
}

export function foldAddresses(f: Func): void {
  const sd = singleDefs(f);
  for (const b of f.blocks) {
    for (const i of b.insns) {
      if (i.op === "load" || i.op === "store" || i.op === "addr") i.addr = fold(i.addr, sd);
    }
  }
}
