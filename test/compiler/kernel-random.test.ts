// The kernel judges the back end: random IR programs (random-ir.ts), compiled, must pass the
// Linux verifier as BPF_PROG_TYPE_SYSCALL programs and compute what the IR interpreter computes.
import { describe, expect, it } from "vitest";
import { generate } from "../../src/compiler/back/backend.js";
import { optimize } from "../../src/compiler/pipeline.js";
import { BpfMap } from "../../src/runtime/linux/maps.js";
import { loadProgram } from "../../src/runtime/linux/program.js";
import { testRun } from "../../src/runtime/linux/test-run.js";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";
import { IrInterpreter, newMemory } from "./ir/ir-interp.js";
import { randomModule, SCRATCH_SIZE, type RandomOptions } from "./ir/random-ir.js";

const BLOCK_SIZE = 512;
const shapes: [string, RandomOptions][] = [
  ["branches", { blocks: 6, values: 6, loops: false, calls: false }],
  ["spills", { blocks: 5, values: 16, loops: false, calls: false }],
  ["loops", { blocks: 5, values: 6, loops: true, calls: false }],
  ["local calls", { blocks: 5, values: 8, loops: true, calls: true }],
];

describe.skipIf(noBpf !== undefined)("random compiled programs in the kernel", () => {
  for (const [name, opts] of shapes) {
    it(`${name}: the verifier accepts them and they compute the reference result`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const ref = newMemory([BLOCK_SIZE, SCRATCH_SIZE], seed);
        ref.maps[1].fill(0);
        const block = ref.maps[0].slice();
        const ctx = ref.ctx.slice();
        const interp = new IrInterpreter(randomModule(seed, opts), ref);
        const want = interp.run("main", [interp.ctxPointer()]).value;

        const m = randomModule(seed, opts);
        optimize(m);
        const insns = generate(m);
        const maps = [
          BpfMap.array({ valueSize: BLOCK_SIZE, name: "block" }),
          BpfMap.array({ valueSize: SCRATCH_SIZE, name: "scratch" }),
        ];
        try {
          maps[0].mmap().set(block);
          const prog = loadProgram(insns, {
            maps,
            name: `rand_${seed}`,
            file: `random seed ${seed}`,
          });
          try {
            const run = testRun(prog, ctx);
            expect(run.retval, `seed ${seed}`).toBe(Number(BigInt.asUintN(32, want)));
            expect(maps[1].mmap().slice(0, SCRATCH_SIZE), `seed ${seed}`).toEqual(ref.maps[1]);
          } finally {
            prog.close();
          }
        } finally {
          for (const map of maps) map.close();
        }
      }
    });
  }
});
