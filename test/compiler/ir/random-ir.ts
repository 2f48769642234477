// Random IR programs for differential tests: the same program run by the IR interpreter before
// optimisation, after it, and compiled to eBPF on the VM must give the same result and memory.
// Programs are acyclic (forward branches only) or have counted loops, use many values at once
// (to force spills), call a local function (to exercise the call convention) and store into map 1.
import fc from "fast-check";
import { at, ModuleBuilder, type FuncBuilder } from "../../../src/compiler/ir/builder.js";
import {
  ALU_OPS,
  type Block,
  CONDS,
  type Module,
  UNARY_OPS,
  type Value,
  type VReg,
} from "../../../src/compiler/ir/ir.js";

const pos = { file: "random.ioc", line: 1, col: 1 };
export const SCRATCH_SIZE = 256;

/** A deterministic PRNG so a fast-check seed reproduces a program. */
class Rng {
  constructor(private s: number) {}
  next(): number {
    this.s = (Math.imul(this.s, 1103515245) + 12345) >>> 0;
    return this.s >>> 8;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bool(p = 0.5): boolean {
    return this.next() / (1 << 24) < p;
  }
  constant(): bigint {
    switch (this.int(5)) {
      case 0:
        return BigInt(this.int(8));
      case 1:
        return BigInt(this.int(1 << 16)) - 100n;
      case 2:
        return 1n << BigInt(this.int(63));
      case 3:
        return BigInt.asIntN(64, (BigInt(this.next()) << 40n) | BigInt(this.next()));
      default:
        return -BigInt(this.int(300));
    }
  }
}

export interface RandomOptions {
  blocks: number;
  values: number;
  loops: boolean;
  calls: boolean;
}

export function randomModule(seed: number, opts: RandomOptions): Module {
  const r = new Rng(seed);
  const m = new ModuleBuilder();
  const f = m.func("main", 1, pos);
  const ctx = f.params[0];
  const pool: VReg[] = [];
  for (let k = 0; k < opts.values; k++) {
    pool.push(k < 8 ? f.load(8, at.reg(ctx, 64 + 8 * k)) : f.mov(r.constant()));
  }
  // Values defined in the current block only (they do not dominate the others).
  let local: VReg[] = [];
  const any = (): VReg => r.pick([...pool, ...local]);
  const operand = (): Value => (r.bool(0.3) ? r.constant() : any());
  const body = (fb: FuncBuilder, n: number): void => {
    local = [];
    for (let k = 0; k < n; k++) {
      const into = r.bool(0.6) ? r.pick(pool) : undefined;
      let v: VReg;
      switch (r.int(9)) {
        case 0:
        case 1:
        case 2:
          v = fb.alu(r.pick(ALU_OPS), any(), operand(), r.bool(0.3) ? 32 : 64, into);
          break;
        case 3:
          v = fb.unary(r.pick(UNARY_OPS), any(), into);
          break;
        case 4:
          v = fb.load(
            r.pick([1, 2, 4, 8] as const),
            at.reg(ctx, 64 + r.int(7) * 8),
            r.bool(),
            into,
          );
          break;
        case 5:
          if (r.bool()) {
            fb.store(
              r.pick([1, 2, 4, 8] as const),
              at.map(1, r.int(SCRATCH_SIZE / 8) * 8),
              operand(),
            );
          } else {
            const p = fb.addr(at.map(1, r.int(SCRATCH_SIZE / 16) * 8));
            fb.store(
              r.pick([1, 2, 4, 8] as const),
              at.reg(fb.alu("add", p, BigInt(r.int(8) * 8)), 8),
              operand(),
            );
          }
          continue;
        case 6:
          if (opts.calls) {
            v = fb.callLocal("helper", [any(), operand()])!;
            if (into !== undefined) fb.mov(v, into);
            break;
          }
          v = fb.mov(operand(), into);
          break;
        case 7: {
          // A computed offset into the block map, guarded the way the front end guards them.
          const raw = any();
          const off = r.bool() ? fb.alu("and", raw, BigInt(r.pick([255, 504, 511]))) : raw;
          const width = r.pick([1, 2, 4, 8] as const);
          const ok = fb.block("ok");
          const fail = fb.block("oob");
          fb.check(off, BigInt(512 - width - 16), ok, fail);
          fb.setBlock(fail);
          fb.ret(7n);
          fb.setBlock(ok);
          const base = fb.addr(at.map(0, 0));
          const p = fb.alu("add", base, off);
          const q = r.bool() ? fb.alu("add", p, 8n) : p;
          v = fb.load(width, at.reg(q, r.bool() ? 0 : 8 - (r.bool() ? 8 : 0)), r.bool(), into);
          if (r.bool(0.3)) {
            // The same offset checked again: a redundant check.
            const ok2 = fb.block("ok");
            fb.check(off, 511n, ok2, fail);
            fb.setBlock(ok2);
            fb.store(width, at.reg(p, 0), v);
          }
          break;
        }
        default:
          v = fb.mov(operand(), into);
      }
      if (into === undefined) local.push(v);
    }
  };

  const blocks: Block[] = [];
  for (let k = 0; k < opts.blocks; k++) blocks.push(f.block());
  const exit = f.block("exit");
  f.jump(blocks[0]);
  blocks.forEach((b, k) => {
    f.setBlock(b);
    body(f, 1 + r.int(6));
    const later = (): Block => {
      const t = k + 1 + r.int(opts.blocks - k);
      return t < opts.blocks ? blocks[t] : exit;
    };
    if (opts.loops && r.bool(0.3)) {
      // A counted loop around a small body: header → body → header, then on.
      const counter = f.mov(0n);
      const head = f.block("loop");
      const inner = f.block("body");
      const after = later();
      f.jump(head);
      f.setBlock(head);
      f.br("ult", counter, BigInt(1 + r.int(5)), inner, after);
      f.setBlock(inner);
      body(f, 1 + r.int(4));
      f.alu("add", counter, 1n, 64, counter);
      f.jump(head);
    } else if (r.bool(0.6)) {
      f.br(r.pick(CONDS), r.pick(pool), operand(), later(), later(), r.bool(0.2) ? 32 : 64);
    } else {
      f.jump(later());
    }
  });
  f.setBlock(exit);
  let acc = pool[0];
  for (const v of pool.slice(1)) acc = f.alu("xor", acc, v);
  f.ret(acc);

  if (opts.calls) {
    const g = m.func("helper", 2, pos);
    const [a, b] = g.params;
    const x = g.alu("mul", a, 31n);
    const y = g.alu("xor", x, b);
    const low = g.block("low");
    const high = g.block("high");
    g.br("ugt", y, a, high, low);
    g.setBlock(low);
    g.ret(g.alu("sub", y, a));
    g.setBlock(high);
    g.ret(g.alu("lshr", y, 3n));
  }
  return m.finish();
}

export const seeds = fc.integer({ min: 1, max: 0x7fffffff });
