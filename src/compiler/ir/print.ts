// The textual form of the IR, for --dump-ir and tests. One instruction per line:
//
//   func lookup(%0) {
//     slot0: 16 bytes, align 8        ; key
//   @entry0:
//     %1 = load u32 [%0+8]
//     %2 = add32 %1, 7
//     store u64 [map1+0], %2
//     check %2 <= 504 ok @body1 fail @oob2
//   ...
//   }
import {
  isReg,
  type Addr,
  type Block,
  type Func,
  type Inst,
  type Module,
  type Term,
  type Value,
} from "./ir.js";

/** Sees the IR after a named stage (for --dump-ir and tests). */
export type DumpHook = (stage: string, m: Module) => void;

export const printValue = (v: Value): string => (isReg(v) ? `%${v}` : v.toString());

export const blockLabel = (b: Block): string => `@${b.name ?? "b"}${b.id}`;

function printAddr(a: Addr): string {
  const base =
    a.base.kind === "reg"
      ? `%${a.base.reg}`
      : a.base.kind === "map"
        ? `map${a.base.map}`
        : `slot${a.base.slot}`;
  return a.off === 0 ? `[${base}]` : a.off > 0 ? `[${base}+${a.off}]` : `[${base}${a.off}]`;
}

const widthName = (w: number, signed = false): string => `${signed ? "s" : "u"}${w * 8}`;

export function printInst(i: Inst): string {
  const dst = (): string => ("dst" in i && i.dst !== undefined ? `%${i.dst} = ` : "");
  switch (i.op) {
    case "mov":
      return `${dst()}mov ${printValue(i.src)}`;
    case "alu":
      return `${dst()}${i.alu}${i.w === 32 ? "32" : ""} %${i.a}, ${printValue(i.b)}`;
    case "unary":
      return `${dst()}${i.un} %${i.a}`;
    case "load":
      return `${dst()}load ${widthName(i.width, i.signed)} ${printAddr(i.addr)}`;
    case "store":
      return `store ${widthName(i.width)} ${printAddr(i.addr)}, ${printValue(i.value)}`;
    case "addr":
      return `${dst()}addr ${printAddr(i.addr)}`;
    case "call": {
      const args = i.args.map((a, k) => (k === 1 && i.callback ? `&${i.callback}` : printValue(a)));
      return `${dst()}call ${i.helper}(${args.join(", ")})`;
    }
    case "callLocal":
      return `${dst()}call ${i.func}(${i.args.map(printValue).join(", ")})`;
  }
}

export function printTerm(t: Term): string {
  switch (t.op) {
    case "jump":
      return `jump ${blockLabel(t.target)}`;
    case "br":
      return `br ${t.cond}${t.w === 32 ? "32" : ""} %${t.a}, ${printValue(t.b)} ? ${blockLabel(t.then)} : ${blockLabel(t.else)}`;
    case "check":
      return `check %${t.value} <= ${t.max} ok ${blockLabel(t.ok)} fail ${blockLabel(t.fail)}`;
    case "ret":
      return t.value === undefined ? "ret" : `ret ${printValue(t.value)}`;
  }
}

export function printFunc(f: Func): string {
  const lines = [`func ${f.name}(${f.params.map((p) => `%${p}`).join(", ")}) {`];
  f.slots.forEach((s, i) =>
    lines.push(
      `  slot${i}: ${s.size} bytes, align ${s.align}${s.name ? `        ; ${s.name}` : ""}`,
    ),
  );
  for (const b of f.blocks) {
    lines.push(`${blockLabel(b)}:`);
    for (const i of b.insns) lines.push(`  ${printInst(i)}`);
    lines.push(`  ${printTerm(b.term)}`);
  }
  lines.push("}");
  return lines.join("\n");
}

export function printModule(m: Module): string {
  return m.funcs.map(printFunc).join("\n\n") + "\n";
}
