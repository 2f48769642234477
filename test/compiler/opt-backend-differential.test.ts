// Differential tests of the whole middle and back end on random IR: the IR interpreter before
// optimisation is the reference; the optimised IR and the emitted eBPF (on the VM) must agree.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generate } from "../../src/compiler/back/backend.js";
import { optimize } from "../../src/compiler/pipeline.js";
import { printModule } from "../../src/compiler/ir/print.js";
import { ArrayMap, createVm } from "../../src/runtime/vm/index.js";
import { IrInterpreter, newMemory } from "./ir/ir-interp.js";
import { randomModule, SCRATCH_SIZE, seeds, type RandomOptions } from "./ir/random-ir.js";

const BLOCK_SIZE = 512;

function reference(seed: number, opts: RandomOptions, optimized: boolean) {
  const m = randomModule(seed, opts);
  if (optimized) optimize(m);
  const memory = newMemory([BLOCK_SIZE, SCRATCH_SIZE], seed);
  memory.maps[1].fill(0);
  const interp = new IrInterpreter(m, memory);
  const value = interp.run("main", [interp.ctxPointer()]).value;
  return {
    value: BigInt.asUintN(64, value),
    scratch: memory.maps[1],
    ctx: memory.ctx,
    text: printModule(m),
  };
}

function onVm(seed: number, opts: RandomOptions) {
  const m = randomModule(seed, opts);
  optimize(m);
  const insns = generate(m);
  const input = newMemory([BLOCK_SIZE, SCRATCH_SIZE], seed);
  const block = new ArrayMap({ valueSize: BLOCK_SIZE, maxEntries: 1, name: "block" });
  const scratch = new ArrayMap({ valueSize: SCRATCH_SIZE, maxEntries: 1, name: "scratch" });
  block.data.set(input.maps[0]);
  const vm = createVm(insns, { maps: [block, scratch] });
  const ctx = input.ctx.slice();
  const { r0 } = vm.run({ ctx });
  return { value: r0, scratch: scratch.data, ctx, count: insns.length };
}

const shapes: [string, RandomOptions][] = [
  ["straight-line and branches", { blocks: 6, values: 6, loops: false, calls: false }],
  ["many live values (spills)", { blocks: 5, values: 16, loops: false, calls: false }],
  ["loops", { blocks: 5, values: 6, loops: true, calls: false }],
  ["local calls", { blocks: 5, values: 8, loops: true, calls: true }],
];

describe("optimised IR and emitted eBPF agree with the unoptimised IR", () => {
  for (const [name, opts] of shapes) {
    it(name, () => {
      fc.assert(
        fc.property(seeds, (seed) => {
          const want = reference(seed, opts, false);
          const opt = reference(seed, opts, true);
          expect(opt.value, `optimised IR, seed ${seed}\n${opt.text}`).toBe(want.value);
          expect(opt.scratch).toEqual(want.scratch);
          const vm = onVm(seed, opts);
          expect(vm.value, `VM, seed ${seed}\n${opt.text}`).toBe(want.value);
          expect(vm.scratch).toEqual(want.scratch);
        }),
        { numRuns: 150 },
      );
    });
  }
});
