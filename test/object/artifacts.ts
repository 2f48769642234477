// Hand-built artifacts for the ELF writer and loader tests (not a test file): until the compiler
// lands, programs are assembled and given fake `.ioc` positions, with a fake source to match.
import { assembleLlvm } from "../../src/bpf/asm/llvm.js";
import type { Insn } from "../../src/bpf/insn.js";
import { LD_IMM64, PseudoLd } from "../../src/bpf/opcodes.js";
import type { ProgramArtifact } from "../../src/abi/artifact.js";
import { makeArtifact } from "../runtime/fixtures.js";
import { listWalk } from "../runtime/programs.js";

export interface Case {
  artifact: ProgramArtifact;
  /** The fake .ioc text the positions point into. */
  source: string;
  /** ctx.value after one run with args[0] = arg0, args[1] = arg1 (kernel tests). */
  expectValue?: { args: bigint[]; value: bigint };
}

/** Gives instruction i the line 1 + floor(i / perLine) of `file`, and returns a source of as many lines. */
function fakePositions(insns: Insn[], file: string, perLine = 2): string {
  const lines: string[] = [];
  insns.forEach((insn, i) => {
    const line = 1 + Math.floor(i / perLine);
    insn.pos = { file, line, col: 3 + (i % perLine) * 4 };
    lines[line - 1] = `  step_${line} = op(${i});`;
  });
  return lines.join("\n") + "\n";
}

/** list_walk with extent translation: all three maps (block, scratch, read-only extents). */
export function withMaps(): Case {
  const artifact = listWalk({ translate: true });
  artifact.file = "list_walk.ioc";
  const init = new Uint8Array(16 + 24 * 4);
  new DataView(init.buffer).setBigUint64(0, 7n, true); // generation
  artifact.maps[2].init = init;
  return { artifact, source: fakePositions(artifact.insns, artifact.file) };
}

const CALLS = `
  r6 = r1
  r1 = *(u64 *)(r6 + 64)
  call triple_plus_one
  *(u64 *)(r6 + 40) = r0
  r1 = *(u64 *)(r6 + 72)
  call double_it
  r1 = *(u64 *)(r6 + 40)
  r0 += r1
  *(u64 *)(r6 + 40) = r0
  w1 = 1
  *(u32 *)(r6 + 20) = w1
  w0 = 0
  exit
triple_plus_one:
  r6 = r1
  call double_it
  r0 += r6
  r0 += 1
  exit
double_it:
  r0 = r1
  r0 <<= 1
  exit
`;

/** BPF-to-BPF calls: entry → triple_plus_one → double_it, and entry → double_it. */
export function withCalls(): Case {
  const artifact = makeArtifact({
    name: "calls",
    file: "calls.ioc",
    insns: assembleLlvm(CALLS, "calls.s"),
  });
  return {
    artifact,
    source: fakePositions(artifact.insns, artifact.file, 3),
    expectValue: { args: [5n, 100n], value: 5n * 3n + 1n + 200n },
  };
}

/** A 64-bit constant (lddw without relocation) stored into ctx.value, and a map read. */
export function withConst64(): Case {
  const insns = assembleLlvm(
    `
  r6 = r1
  r1 = 0x1122334455667788 ll
  r2 = *(u64 *)(r6 + 64)
  r1 ^= r2
  *(u64 *)(r6 + 40) = r1
  w1 = 1
  *(u32 *)(r6 + 20) = w1
  w0 = 0
  exit
`,
    "const64.s",
  );
  const artifact = makeArtifact({ name: "const64", file: "const64.ioc", insns });
  return {
    artifact,
    source: fakePositions(insns, artifact.file, 1),
    expectValue: { args: [0xffn], value: 0x1122334455667788n ^ 0xffn },
  };
}

/** bpf_loop with a callback (ld_imm64 src=func) summing 0..n-1 into a stack slot, then ctx.value. */
export function withLoop(): Case {
  const before = assembleLlvm(
    `
  r6 = r1
  r1 = *(u64 *)(r6 + 64)
`,
    "loop.s",
  );
  const callbackRef: Insn = { code: LD_IMM64, dst: 2, src: PseudoLd.FUNC, off: 0, imm: 0, imm2: 0 };
  // bpf_loop's context must be on the stack: the sum lives at r10 - 8.
  const after = assembleLlvm(
    `
  r3 = 0
  *(u64 *)(r10 - 8) = r3
  r3 = r10
  r3 += -8
  r4 = 0
  call 181
  r1 = *(u64 *)(r10 - 8)
  *(u64 *)(r6 + 40) = r1
  w1 = 1
  *(u32 *)(r6 + 20) = w1
  w0 = 0
  exit
callback:
  r3 = *(u64 *)(r2 + 0)
  r3 += r1
  *(u64 *)(r2 + 0) = r3
  r0 = 0
  exit
`,
    "loop.s",
  );
  const insns = [...before, callbackRef, ...after];
  // imm = callee slot - (own slot + 1): the callback starts at slot 2 + 2 + 12 = 16.
  callbackRef.imm = 16 - 2 - 1;
  const artifact = makeArtifact({ name: "loop_sum", file: "loop.ioc", insns });
  return {
    artifact,
    source: fakePositions(insns, artifact.file),
    expectValue: { args: [10n], value: 45n },
  };
}

export const ALL_CASES: Record<string, () => Case> = {
  maps: withMaps,
  calls: withCalls,
  const64: withConst64,
  loop: withLoop,
};
