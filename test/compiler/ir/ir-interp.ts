// A reference interpreter of the IR, for testing passes: run a function before and after a pass
// and compare results and memory. Pointers are bigints whose upper 32 bits name a region
// (ctx, a map value, a stack slot of a frame) and whose lower 32 bits are the offset in it.
import {
  isImm,
  type Addr,
  type Func,
  type Module,
  type Value,
  type VReg,
} from "../../../src/compiler/ir/ir.js";
import { evalAlu, evalCond, evalUnary } from "../../../src/compiler/opt/eval.js";

export interface Memory {
  ctx: Uint8Array;
  maps: Uint8Array[];
}

export interface RunResult {
  value: bigint;
  steps: number;
}

const CTX_REGION = 1n;
const MAP_REGION = 2n; // map i is region 2 + i
const STACK_REGION = 64n; // frames' slots are allocated from here up

export class IrInterpreter {
  private regions = new Map<bigint, Uint8Array>();
  private nextRegion = STACK_REGION;
  steps = 0;

  constructor(
    private readonly module: Module,
    readonly memory: Memory,
    private readonly budget = 1_000_000,
    /** Helper implementations by number. */
    private readonly helpers: Record<number, (args: bigint[]) => bigint> = {},
  ) {
    this.regions.set(CTX_REGION, memory.ctx);
    memory.maps.forEach((m, i) => this.regions.set(MAP_REGION + BigInt(i), m));
  }

  ctxPointer(): bigint {
    return CTX_REGION << 32n;
  }

  run(name: string, args: bigint[]): RunResult {
    const f = this.module.funcs.find((g) => g.name === name);
    if (!f) throw new Error(`no function ${name}`);
    const value = this.call(f, args);
    return { value, steps: this.steps };
  }

  private call(f: Func, args: bigint[]): bigint {
    const regs = new Map<VReg, bigint>();
    f.params.forEach((p, i) => regs.set(p, args[i] ?? 0n));
    const slots = f.slots.map((s) => {
      const region = this.nextRegion++;
      this.regions.set(region, new Uint8Array(s.size));
      return region << 32n;
    });
    const val = (v: Value): bigint => {
      if (isImm(v)) return v;
      const r = regs.get(v);
      if (r === undefined) throw new Error(`${f.name}: %${v} read before it is written`);
      return r;
    };
    const address = (a: Addr): bigint => {
      const base =
        a.base.kind === "reg"
          ? val(a.base.reg)
          : a.base.kind === "map"
            ? (MAP_REGION + BigInt(a.base.map)) << 32n
            : slots[a.base.slot];
      return BigInt.asIntN(64, base + BigInt(a.off));
    };
    let block = f.blocks[0];
    for (;;) {
      for (const i of block.insns) {
        if (++this.steps > this.budget) throw new Error("step budget exhausted");
        switch (i.op) {
          case "mov":
            regs.set(i.dst, val(i.src));
            break;
          case "alu":
            regs.set(i.dst, evalAlu(i.alu, i.w, val(i.a), val(i.b)));
            break;
          case "unary":
            regs.set(i.dst, evalUnary(i.un, val(i.a)));
            break;
          case "load":
            regs.set(i.dst, this.load(address(i.addr), i.width, i.signed));
            break;
          case "store":
            this.store(address(i.addr), i.width, val(i.value));
            break;
          case "addr":
            regs.set(i.dst, address(i.addr));
            break;
          case "call": {
            const h = this.helpers[i.helper];
            if (!h) throw new Error(`no helper ${i.helper}`);
            const r = h(i.args.map(val));
            if (i.dst !== undefined) regs.set(i.dst, r);
            break;
          }
          case "callLocal": {
            const g = this.module.funcs.find((x) => x.name === i.func);
            if (!g) throw new Error(`no function ${i.func}`);
            const r = this.call(g, i.args.map(val));
            if (i.dst !== undefined) regs.set(i.dst, r);
            break;
          }
        }
      }
      if (++this.steps > this.budget) throw new Error("step budget exhausted");
      const t = block.term;
      switch (t.op) {
        case "jump":
          block = t.target;
          break;
        case "br":
          block = evalCond(t.cond, t.w, val(t.a), val(t.b)) ? t.then : t.else;
          break;
        case "check":
          block = BigInt.asUintN(64, val(t.value)) <= BigInt.asUintN(64, t.max) ? t.ok : t.fail;
          break;
        case "ret":
          return t.value === undefined ? 0n : val(t.value);
      }
    }
  }

  private locate(p: bigint, width: number): [Uint8Array, number] {
    const u = BigInt.asUintN(64, p);
    const region = this.regions.get(u >> 32n);
    const off = Number(u & 0xffffffffn);
    if (!region || off + width > region.length)
      throw new Error(`bad access at 0x${u.toString(16)} (${width} bytes)`);
    return [region, off];
  }

  private load(p: bigint, width: number, signed: boolean): bigint {
    const [m, off] = this.locate(p, width);
    let v = 0n;
    for (let k = width - 1; k >= 0; k--) v = (v << 8n) | BigInt(m[off + k]);
    return signed ? BigInt.asIntN(width * 8, v) : v;
  }

  private store(p: bigint, width: number, value: bigint): void {
    const [m, off] = this.locate(p, width);
    for (let k = 0; k < width; k++) m[off + k] = Number((value >> BigInt(8 * k)) & 0xffn);
  }
}

/** A fresh memory: a 128-byte ctx and the given map sizes, filled by `seed` when given. */
export function newMemory(mapSizes: number[], seed?: number): Memory {
  let x = seed ?? 0;
  const fill = (a: Uint8Array): Uint8Array => {
    if (seed !== undefined)
      for (let i = 0; i < a.length; i++) a[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    return a;
  };
  return { ctx: fill(new Uint8Array(128)), maps: mapSizes.map((n) => fill(new Uint8Array(n))) };
}
