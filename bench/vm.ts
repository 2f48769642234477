// VM throughput: instructions per second of both engines on four kernels — an ALU loop, loads and
// stores, branches, and the storage-function case: a binary search over 512 sorted u64 keys in a
// 4 KiB block reached through lddw map_value, one search per run (so run() overhead counts too).
//
//   npm run build && node dist/bench/vm.js        (or through dist/bench/main.js)
import { pathToFileURL } from "node:url";
import { assembleUbpf } from "../src/bpf/asm/ubpf.js";
import type { Insn } from "../src/bpf/insn.js";
import {
  ArrayMap,
  createVm,
  type Engine,
  type RunInput,
  type Vm,
} from "../src/runtime/vm/index.js";
import { formatTable, type Row } from "./table.js";

interface Kernel {
  name: string;
  insns: Insn[];
  maps?: ArrayMap[];
  /** Input for run number i. */
  input: (i: number) => RunInput;
  /** Checks a result, so that a fast but wrong engine cannot win. */
  check: (r0: bigint, i: number) => boolean;
}

const LOOP = 10_000;

const aluLoop: Kernel = {
  name: "ALU loop",
  insns: assembleUbpf(
    `
      mov %r0, 0
      mov %r1, ${LOOP}
      lddw %r2, 0x123456789abcdef
    L:
      add %r0, %r1
      xor %r0, %r2
      mov %r3, %r0
      rsh %r3, 7
      lsh %r0, 3
      or %r0, %r3
      and32 %r3, 0xffff
      add %r2, %r3
      mul %r0, 31
      sub %r1, 1
      jne %r1, 0, L
      exit`,
    "alu-loop.s",
  ),
  input: () => ({}),
  check: () => true,
};

const memoryLoop: Kernel = {
  name: "loads/stores",
  // Sums the 4 KiB buffer as u64 and u32 words, keeps a running copy on the stack, writes back.
  insns: assembleUbpf(
    `
      mov %r0, 0
      mov %r2, %r1
      mov %r3, 512
    L:
      ldxdw %r4, [%r2]
      ldxw %r5, [%r2+4]
      add %r0, %r4
      add %r0, %r5
      stxdw [%r10-8], %r0
      ldxdw %r6, [%r10-8]
      stxw [%r2], %r6
      ldxb %r7, [%r2+7]
      add %r0, %r7
      add %r2, 8
      sub %r3, 1
      jne %r3, 0, L
      exit`,
    "memory-loop.s",
  ),
  input: () => ({ mem: new Uint8Array(4096).fill(1) }),
  check: () => true,
};

const branchLoop: Kernel = {
  name: "branches",
  insns: assembleUbpf(
    `
      mov %r0, 0
      mov %r1, ${LOOP}
    L:
      mov %r2, %r1
      and %r2, 7
      jgt %r2, 3, big
      jeq %r2, 1, one
      jslt %r2, 2, small
      add %r0, 3
      ja next
    one:
      add %r0, 1
      ja next
    small:
      add %r0, 2
      ja next
    big:
      jset32 %r2, 1, odd
      add %r0, 5
      ja next
    odd:
      sub %r0, 1
    next:
      sub %r1, 1
      jne %r1, 0, L
      exit`,
    "branch-loop.s",
  ),
  input: () => ({}),
  check: () => true,
};

const KEYS = 512;
const block = new ArrayMap({ valueSize: KEYS * 8, maxEntries: 1, name: "block" });
{
  const view = new DataView(block.data.buffer);
  for (let i = 0; i < KEYS; i++) view.setBigUint64(i * 8, BigInt(i * 10 + 5), true);
}
const searchKeys = Array.from({ length: 1024 }, (_, i) => BigInt(((i * 7919) % (KEYS * 10)) + 1));
const lowerBound = (key: bigint) => Math.min(KEYS, Math.max(0, Math.ceil((Number(key) - 5) / 10)));

const binarySearch: Kernel = {
  name: "binary search, 512 keys",
  // lower_bound over block.keys[512] (map 0), key in ctx[0..8], index out in ctx[8..16] and r0;
  // the offset is masked the way a verifier-friendly program does.
  insns: assembleUbpf(
    `
      ldxdw %r2, [%r1+0]
      lddw %r3, 0, map_value
      mov %r4, 0
      mov %r5, ${KEYS}
    L:
      jge %r4, %r5, done
      mov %r6, %r4
      add %r6, %r5
      rsh %r6, 1
      mov %r7, %r6
      lsh %r7, 3
      and %r7, ${KEYS * 8 - 8}
      add %r7, %r3
      ldxdw %r8, [%r7+0]
      jge %r8, %r2, right
      mov %r4, %r6
      add %r4, 1
      ja L
    right:
      mov %r5, %r6
      ja L
    done:
      mov %r0, %r4
      stxdw [%r1+8], %r0
      exit`,
    "binary-search.s",
  ),
  maps: [block],
  input: (i) => {
    const ctx = new Uint8Array(16);
    new DataView(ctx.buffer).setBigUint64(0, searchKeys[i % searchKeys.length], true);
    return { ctx };
  },
  check: (r0, i) => r0 === BigInt(lowerBound(searchKeys[i % searchKeys.length])),
};

/** A long unrolled body (as a compiler's full unrolling makes), split into chunks by the fast engine. */
function unrolled(count: number): Kernel {
  const lines = ["mov %r0, 0", "mov %r5, 4", "mov %r2, 1", "mov %r3, 2", "L:"];
  const ops = [
    "add %r0, %r2",
    "xor %r2, %r3",
    "rsh %r3, 3",
    "lsh %r2, 2",
    "add %r3, 17",
    "and %r0, %r3",
  ];
  for (let i = 0; i < count; i++) {
    lines.push(ops[i % ops.length]);
    if (i % 12 === 11) lines.push("jgt %r2, %r3, +0");
  }
  lines.push("sub %r5, 1", "jne %r5, 0, L", "exit");
  return {
    name: `unrolled, ${count} insns`,
    insns: assembleUbpf(lines.join("\n"), "unrolled.s"),
    input: () => ({}),
    check: () => true,
  };
}

export const VM_KERNELS = [aluLoop, memoryLoop, branchLoop, binarySearch, unrolled(4000)];

/** Runs `vm` for about `seconds`; returns instructions, runs and elapsed time. */
function measure(
  vm: Vm,
  kernel: Kernel,
  seconds: number,
): { insns: number; runs: number; elapsed: number } {
  // Inputs are built up front so that allocation is not measured.
  const inputs = Array.from({ length: 64 }, (_, i) => kernel.input(i));
  for (let i = 0; i < 64; i++) {
    const { r0 } = vm.run(inputs[i]);
    if (!kernel.check(r0, i))
      throw new Error(`${kernel.name} (${vm.engine}): wrong result ${r0} for run ${i}`);
  }
  let insns = 0;
  let runs = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let k = 0; k < 16; k++) insns += vm.run(inputs[runs++ & 63]).insnCount;
    now = process.hrtime.bigint();
  }
  return { insns, runs, elapsed: Number(now - start) / 1e9 };
}

const fmt = (n: number, digits = 1) => Number(n.toFixed(digits));

export function benchVm(options: { seconds?: number; engines?: Engine[] } = {}): Row[] {
  const seconds = options.seconds ?? 1;
  const rows: Row[] = [];
  for (const kernel of VM_KERNELS) {
    for (const engine of options.engines ?? (["fast", "reference"] as Engine[])) {
      const vm = createVm(kernel.insns, { engine, maps: kernel.maps });
      const { insns, runs, elapsed } = measure(
        vm,
        kernel,
        engine === "fast" ? seconds : seconds / 2,
      );
      rows.push({
        kernel: kernel.name,
        engine,
        "insns/run": Math.round(insns / runs),
        "M insns/s": fmt(insns / elapsed / 1e6),
        "runs/s": Math.round(runs / elapsed),
        "ns/run": Math.round((elapsed / runs) * 1e9),
      });
    }
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(formatTable("VM throughput (node " + process.version + ")", benchVm()));
}
