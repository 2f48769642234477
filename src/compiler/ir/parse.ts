// Reads the textual IR that print.ts writes, so tests (and bug reports) can state IR directly:
//
//   func f(%0) {
//   @entry0:
//     %1 = load u32 [%0+8]
//     br ugt %1, 256 ? @big1 : @small2
//   ...
//
// Each instruction's position is its line in the text (file "<ir>"). Malformed text is an
// internal error (E0999): this is a developer tool, not user input.
import type { SourcePos } from "../../diagnostics.js";
import { internalError } from "../../diagnostics.js";
import {
  imm,
  type Addr,
  type AluOp,
  type Base,
  type Block,
  type Cond,
  type Func,
  type Inst,
  type Module,
  type Term,
  type UnaryOp,
  ALU_OPS,
  CONDS,
  UNARY_OPS,
  type Value,
  type VReg,
  type Width,
} from "./ir.js";

const ALU = new Set<string>(ALU_OPS);
const UNARY = new Set<string>(UNARY_OPS);
const CONDITIONS = new Set<string>(CONDS);

export function parseIr(text: string, file = "<ir>"): Module {
  const funcs: Func[] = [];
  let f: Func | undefined;
  let blocks = new Map<string, Block>();
  let cur: Block | undefined;
  let line = 0;
  const fail = (why: string): never => {
    throw internalError(`${file}:${line}: bad IR: ${why}`);
  };
  const pos = (): SourcePos => ({ file, line, col: 1 });
  const reg = (s: string): VReg => {
    const m = /^%(\d+)$/.exec(s.trim()) ?? fail(`expected a vreg, got \`${s}\``);
    const n = Number(m[1]);
    f!.nextReg = Math.max(f!.nextReg, n + 1);
    return n as VReg;
  };
  const value = (s: string): Value =>
    s.trim().startsWith("%")
      ? reg(s)
      : /^-?\d+$/.test(s.trim())
        ? imm(BigInt(s.trim()))
        : fail(`bad operand \`${s}\``);
  const block = (label: string): Block => {
    const m = /^@([A-Za-z_.]*?)(\d*)$/.exec(label.trim()) ?? fail(`bad label \`${label}\``);
    let b = blocks.get(m[0]);
    if (!b) {
      const id = m[2] === "" ? f!.nextBlock : Number(m[2]);
      b = { id, name: m[1] || undefined, insns: [], term: { op: "ret", pos: pos() } };
      f!.nextBlock = Math.max(f!.nextBlock, id + 1);
      blocks.set(m[0], b);
    }
    return b;
  };
  const addr = (s: string): Addr => {
    const m =
      /^\[(%\d+|map\d+|slot\d+)(?:([+-]\d+))?\]$/.exec(s.trim()) ?? fail(`bad address \`${s}\``);
    const b = m[1];
    const base: Base = b.startsWith("%")
      ? { kind: "reg", reg: reg(b) }
      : b.startsWith("map")
        ? { kind: "map", map: Number(b.slice(3)) }
        : { kind: "stack", slot: Number(b.slice(4)) };
    return { base, off: Number(m[2] ?? 0) };
  };
  const width = (s: string): { width: Width; signed: boolean } => {
    const m = /^([us])(8|16|32|64)$/.exec(s) ?? fail(`bad width \`${s}\``);
    return { width: (Number(m[2]) / 8) as Width, signed: m[1] === "s" };
  };

  const parseInst = (body: string): Inst | Term => {
    let dst: VReg | undefined;
    const assign = /^(%\d+)\s*=\s*(.*)$/.exec(body);
    if (assign) {
      dst = reg(assign[1]);
      body = assign[2];
    }
    const [op, ...restWords] = body.split(/\s+/);
    const rest = restWords.join(" ");
    const p = pos();
    const needDst = (): VReg => dst ?? fail(`\`${op}\` needs a destination`);
    if (op === "mov") return { op: "mov", dst: needDst(), src: value(rest), pos: p };
    const alu = /^([a-z]+?)(32)?$/.exec(op);
    if (alu && ALU.has(alu[1])) {
      const [a, b] = rest.split(",");
      return {
        op: "alu",
        alu: alu[1] as AluOp,
        w: alu[2] ? 32 : 64,
        dst: needDst(),
        a: reg(a),
        b: value(b),
        pos: p,
      };
    }
    if (UNARY.has(op))
      return { op: "unary", un: op as UnaryOp, dst: needDst(), a: reg(rest), pos: p };
    if (op === "load") {
      const [w, a] = rest.split(/\s+/);
      return { op: "load", ...width(w), dst: needDst(), addr: addr(a), pos: p };
    }
    if (op === "store") {
      const m = /^(\S+)\s+(\[[^\]]*\]),\s*(.*)$/.exec(rest) ?? fail(`bad store`);
      return {
        op: "store",
        width: width(m[1]).width,
        addr: addr(m[2]),
        value: value(m[3]),
        pos: p,
      };
    }
    if (op === "addr") return { op: "addr", dst: needDst(), addr: addr(rest), pos: p };
    if (op === "call") {
      const m = /^([\w.]+)\((.*)\)$/.exec(rest) ?? fail(`bad call`);
      const texts = m[2].trim() === "" ? [] : m[2].split(",").map((t) => t.trim());
      // `&name` as the second argument: the address of function `name` (a bpf_loop callback).
      const callback = texts[1]?.startsWith("&") ? texts[1].slice(1) : undefined;
      const args = texts.map((t, k) => (k === 1 && callback ? 0n : value(t)));
      if (!/^\d+$/.test(m[1])) return { op: "callLocal", func: m[1], args, dst, pos: p };
      return callback
        ? { op: "call", helper: Number(m[1]), args, dst, callback, pos: p }
        : { op: "call", helper: Number(m[1]), args, dst, pos: p };
    }
    if (op === "jump") return { op: "jump", target: block(rest), pos: p };
    if (op === "br") {
      const m =
        /^([a-z]+?)(32)?\s+(%\d+),\s*(\S+)\s*\?\s*(@\S+)\s*:\s*(@\S+)$/.exec(rest) ??
        fail(`bad br`);
      if (!CONDITIONS.has(m[1])) fail(`unknown condition ${m[1]}`);
      return {
        op: "br",
        cond: m[1] as Cond,
        w: m[2] ? 32 : 64,
        a: reg(m[3]),
        b: value(m[4]),
        then: block(m[5]),
        else: block(m[6]),
        pos: p,
      };
    }
    if (op === "check") {
      const m =
        /^(%\d+)\s*<=\s*(-?\d+)\s+ok\s+(@\S+)\s+fail\s+(@\S+)$/.exec(rest) ?? fail(`bad check`);
      return {
        op: "check",
        value: reg(m[1]),
        max: imm(BigInt(m[2])),
        ok: block(m[3]),
        fail: block(m[4]),
        pos: p,
      };
    }
    if (op === "ret")
      return { op: "ret", value: rest.trim() === "" ? undefined : value(rest), pos: p };
    return fail(`unknown instruction \`${op}\``);
  };

  const TERMS = new Set(["jump", "br", "check", "ret"]);
  for (const raw of text.split("\n")) {
    line++;
    const s = raw.replace(/;.*$/, "").trim();
    if (s === "") continue;
    const header = /^func\s+([\w.]+)\((.*)\)\s*\{$/.exec(s);
    if (header) {
      f = {
        name: header[1],
        params: [],
        blocks: [],
        slots: [],
        nextReg: 0,
        nextBlock: 0,
        pos: pos(),
      };
      blocks = new Map();
      cur = undefined;
      const params = header[2].trim();
      if (params !== "") f.params = params.split(",").map(reg);
      funcs.push(f);
      continue;
    }
    if (!f) fail("expected `func NAME(...) {`");
    if (s === "}") {
      for (const [label, b] of blocks)
        if (!f!.blocks.includes(b)) fail(`${label} is used but never defined`);
      f = undefined;
      continue;
    }
    const slot = /^slot(\d+):\s*(\d+)\s+bytes,\s*align\s+(\d+)$/.exec(s);
    if (slot) {
      f!.slots[Number(slot[1])] = {
        size: Number(slot[2]),
        align: Number(slot[3]) as 1 | 2 | 4 | 8,
      };
      continue;
    }
    if (s.endsWith(":") && s.startsWith("@")) {
      cur = block(s.slice(0, -1));
      f!.blocks.push(cur);
      continue;
    }
    if (!cur) fail("an instruction outside a block");
    const item = parseInst(s);
    if (TERMS.has(item.op)) {
      cur!.term = item as Term;
      cur = undefined; // the next instruction needs a new label
    } else {
      cur!.insns.push(item as Inst);
    }
  }
  for (const g of funcs) {
    if (g.blocks.length === 0) throw internalError(`${file}: function ${g.name} has no blocks`);
  }
  return { funcs };
}
