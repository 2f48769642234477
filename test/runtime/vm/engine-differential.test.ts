// The translated engine against the reference interpreter on random programs: ALU (both widths,
// every operation and variant), forward jumps, stack and mem loads/stores (some out of bounds),
// atomics, lddw. Both must end with the same registers and memory, or fail with the same fault.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitImm64, type Insn } from "../../../src/bpf/insn.js";
import { Alu, Atomic, Class, Jmp, LD_IMM64, Mode, Size, Src } from "../../../src/bpf/opcodes.js";
import { createVm, VmFault, type Engine } from "../../../src/runtime/vm/index.js";

const MEM_BYTES = 96;
const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({
  code,
  dst,
  src,
  off,
  imm,
});
const lddw = (dst: number, value: bigint): Insn => ({
  ...insn(LD_IMM64, dst),
  ...splitImm64(value),
});

const imm32 = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 7, 8, 31, 32, 33, 63, 64, 0x7fffffff, -0x80000000, 0xffff, -0x8000),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);
const imm64 = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      0n,
      1n,
      2n,
      -1n,
      -2n,
      0x7fffffffffffffffn,
      -0x8000000000000000n,
      0xffffffffn,
      0xfffffffen,
      0x100000000n,
      0x80000000n,
      0x7fffffffn,
      -0x80000000n,
    ),
  },
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }),
);
// Few registers, so that operations feed each other; r9 (the mem pointer) and r10 now and then.
const dstReg = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
  fc.integer({ min: 4, max: 8 }),
);
const srcReg = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
  fc.integer({ min: 4, max: 10 }),
);
const cls = fc.constantFrom(Class.ALU, Class.ALU64);
const sizes = fc.constantFrom(Size.B, Size.H, Size.W, Size.DW);

type Gen = (remaining: number) => fc.Arbitrary<Insn[]>;

const aluOps = [
  Alu.ADD,
  Alu.SUB,
  Alu.MUL,
  Alu.DIV,
  Alu.OR,
  Alu.AND,
  Alu.LSH,
  Alu.RSH,
  Alu.MOD,
  Alu.XOR,
  Alu.MOV,
  Alu.ARSH,
];
const alu: Gen = () =>
  fc
    .tuple(
      cls,
      fc.constantFrom(...aluOps),
      fc.boolean(),
      dstReg,
      srcReg,
      imm32,
      fc.integer({ min: 0, max: 3 }),
    )
    .map(([c, op, x, d, s, imm, variant]) => {
      let off = 0;
      if (op === Alu.DIV || op === Alu.MOD) off = variant & 1;
      if (op === Alu.MOV && x) off = [0, 8, 16, 32][variant] ?? 0;
      if (op === Alu.MOV && x && c === Class.ALU && off === 32) off = 0;
      return [insn(c | op | (x ? Src.X : Src.K), d, x ? s : 0, off, x ? 0 : imm)];
    });
const negEnd: Gen = () =>
  fc
    .tuple(
      fc.constantFrom("neg32", "neg64", "le", "be", "bswap"),
      dstReg,
      fc.constantFrom(16, 32, 64),
    )
    .map(([k, d, bits]) => {
      if (k === "neg32") return [insn(Class.ALU | Alu.NEG, d)];
      if (k === "neg64") return [insn(Class.ALU64 | Alu.NEG, d)];
      const code =
        k === "bswap" ? Class.ALU64 | Alu.END : Class.ALU | Alu.END | (k === "be" ? Src.X : Src.K);
      return [insn(code, d, 0, 0, bits)];
    });
const condOps = [
  Jmp.JEQ,
  Jmp.JGT,
  Jmp.JGE,
  Jmp.JSET,
  Jmp.JNE,
  Jmp.JSGT,
  Jmp.JSGE,
  Jmp.JLT,
  Jmp.JLE,
  Jmp.JSLT,
  Jmp.JSLE,
];
const jump: Gen = (remaining) =>
  fc
    .tuple(
      fc.constantFrom(Class.JMP, Class.JMP32),
      fc.constantFrom(...condOps),
      fc.boolean(),
      srcReg,
      srcReg,
      imm32,
      fc.integer({ min: 0, max: Math.max(0, remaining) }),
    )
    .map(([c, op, x, d, s, imm, off]) => [
      insn(c | op | (x ? Src.X : Src.K), d, x ? s : 0, off, x ? 0 : imm),
    ]);
const ja: Gen = (remaining) =>
  fc
    .integer({ min: 0, max: Math.max(0, remaining) })
    .map((off) => [insn(Class.JMP | Jmp.JA, 0, 0, off)]);
const slot = fc.integer({ min: 1, max: 16 }).map((k) => -8 * k);
const stack: Gen = () =>
  fc
    .tuple(fc.constantFrom("stx", "st", "ldx", "ldxs"), sizes, dstReg, slot, imm32)
    .map(([k, size, r, off, imm]) => {
      if (k === "stx") return [insn(Class.STX | Mode.MEM | size, 10, r, off)];
      if (k === "st") return [insn(Class.ST | Mode.MEM | size, 10, 0, off, imm)];
      const sx = k === "ldxs" && size !== Size.DW;
      return [insn(Class.LDX | (sx ? Mode.MEMSX : Mode.MEM) | size, r, 10, off)];
    });
// Through r9 (the mem pointer): offsets a little outside the buffer fault, and must fault alike.
const memAccess: Gen = () =>
  fc
    .tuple(fc.boolean(), sizes, dstReg, fc.integer({ min: -4, max: MEM_BYTES + 2 }))
    .map(([write, size, r, off]) =>
      write
        ? [insn(Class.STX | Mode.MEM | size, 9, r, off)]
        : [insn(Class.LDX | Mode.MEM | size, r, 9, off)],
    );
const atomicOps = [
  Atomic.ADD,
  Atomic.OR,
  Atomic.AND,
  Atomic.XOR,
  Atomic.ADD | Atomic.FETCH,
  Atomic.OR | Atomic.FETCH,
  Atomic.AND | Atomic.FETCH,
  Atomic.XOR | Atomic.FETCH,
  Atomic.XCHG,
  Atomic.CMPXCHG,
];
const atomic: Gen = () =>
  fc
    .tuple(fc.constantFrom(Size.W, Size.DW), fc.constantFrom(...atomicOps), dstReg, slot)
    .map(([size, op, s, off]) => [insn(Class.STX | Mode.ATOMIC | size, 10, s, off, op)]);
const load64: Gen = () => fc.tuple(dstReg, imm64).map(([d, v]) => [lddw(d, v)]);

const step = (remaining: number) =>
  fc.oneof(
    { weight: 8, arbitrary: alu(remaining) },
    { weight: 2, arbitrary: negEnd(remaining) },
    { weight: 3, arbitrary: jump(remaining) },
    { weight: 1, arbitrary: ja(remaining) },
    { weight: 3, arbitrary: stack(remaining) },
    { weight: 2, arbitrary: memAccess(remaining) },
    { weight: 2, arbitrary: atomic(remaining) },
    { weight: 1, arbitrary: load64(remaining) },
  );

const LENGTH = 24;
const body = fc
  .tuple(...Array.from({ length: LENGTH }, (_, i) => step(LENGTH - i - 1)))
  .map((parts) => parts.flat());
const program = fc
  .tuple(fc.array(imm64, { minLength: 9, maxLength: 9 }), body)
  .map(([init, steps]) => {
    const insns: Insn[] = [insn(Class.ALU64 | Alu.MOV | Src.X, 9, 1)];
    init.forEach((v, r) => insns.push(lddw(r, v)));
    // Jump distances were drawn in instructions; lddw takes two slots, so re-aim every jump at
    // the instruction it meant (the same count ahead) and convert to slots.
    const start = insns.length;
    insns.push(...steps.map((i) => ({ ...i }))); // copies: fast-check may map the same values again
    for (let r = 0; r <= 8; r++) insns.push(insn(Class.STX | Mode.MEM | Size.DW, 9, r, 8 * r));
    insns.push(insn(Class.ALU64 | Alu.MOV, 0, 0, 0, 0), insn(Class.JMP | Jmp.EXIT));
    const slotOf: number[] = [];
    let s = 0;
    for (const i of insns) {
      slotOf.push(s);
      s += i.code === LD_IMM64 ? 2 : 1;
    }
    for (let i = start; i < start + steps.length; i++) {
      const j = insns[i];
      if (
        j.code !== LD_IMM64 &&
        (j.code & 0x07) !== Class.ALU64 &&
        ((j.code & 0x07) === Class.JMP || (j.code & 0x07) === Class.JMP32)
      ) {
        j.off = slotOf[i + 1 + j.off] - slotOf[i] - 1;
      }
    }
    return insns;
  });

/** The same body run `times` times by a loop whose counter lives on the stack (it clobbers r8). */
const looped = (insns: Insn[], times: number): Insn[] => {
  const head = insns.slice(0, 10); // mov r9, r1 and the nine lddw
  const body = insns.slice(10, -11); // up to the final stores, mov and exit
  const tail = insns.slice(-11);
  const bodySlots = body.reduce((n, i) => n + (i.code === LD_IMM64 ? 2 : 1), 0);
  return [
    ...head,
    insn(Class.ST | Mode.MEM | Size.DW, 10, 0, -136, 0),
    ...body,
    insn(Class.LDX | Mode.MEM | Size.DW, 8, 10, -136),
    insn(Class.ALU64 | Alu.ADD, 8, 0, 0, 1),
    insn(Class.STX | Mode.MEM | Size.DW, 10, 8, -136),
    insn(Class.JMP | Jmp.JLT, 8, 0, -(bodySlots + 4), times),
    ...tail,
  ];
};

function outcome(
  insns: Insn[],
  engine: Engine,
  memInit: Uint8Array,
  budget?: number,
  maxChunkSource?: number,
): unknown {
  const mem = memInit.slice();
  try {
    const { r0, insnCount } = createVm(insns, { engine, budget, maxChunkSource }).run({ mem });
    return { r0, insnCount, mem: Buffer.from(mem).toString("hex") };
  } catch (err) {
    // The fast engine charges the budget per block, so it may stop a few instructions earlier.
    if (err instanceof VmFault && err.code === "E0203") return { fault: err.code };
    if (err instanceof VmFault) return { fault: err.code, pc: err.pc, message: err.message };
    throw err;
  }
}

describe("fast engine = reference interpreter", () => {
  it("on random straight-line and forward-branching programs", () => {
    fc.assert(
      fc.property(
        program,
        fc.uint8Array({ minLength: MEM_BYTES, maxLength: MEM_BYTES }),
        (insns, mem) => {
          expect(outcome(insns, "fast", mem)).toEqual(outcome(insns, "reference", mem));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("on the same bodies in loops, under budgets that sometimes run out", () => {
    fc.assert(
      fc.property(
        program,
        fc.uint8Array({ minLength: MEM_BYTES, maxLength: MEM_BYTES }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 20, max: 400 }),
        fc.constantFrom(undefined, 200, 1000),
        (insns, mem, times, budget, chunk) => {
          const prog = looped(insns, times);
          const fast = outcome(prog, "fast", mem, budget, chunk) as { fault?: string };
          const reference = outcome(prog, "reference", mem, budget) as { fault?: string };
          // Charging a whole block up front, the fast engine may report the budget where the
          // reference gets a few instructions further and faults on one of them.
          if (fast.fault === "E0203" && reference.fault !== undefined) return;
          expect(fast).toEqual(reference);
        },
      ),
      { numRuns: 500 },
    );
  });
});
