// Loops as bpf_loop callbacks (src/compiler/lower/loop-callback.ts): with `loopCallbacks:
// "always"` every bounded loop of every compiler fixture that can be one becomes one, and each
// fixture still answers its `//! run`s on the VM and, after the verifier accepts it, in the kernel.
// With "auto" the compiler picks the loops whose bound × body is large: sstable's record loop
// (its verifier cost drops from ~500k instructions to ~11k), not the small searches.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ProgramArtifact } from "../../../src/abi/artifact.js";
import { compile, type CompileOptions } from "../../../src/compiler/pipeline.js";
import { Class, Jmp, PseudoCall } from "../../../src/bpf/opcodes.js";
import { MemoryBlockSource } from "../../../src/runtime/block-source.js";
import { runChain, type StepTarget } from "../../../src/runtime/driver.js";
import { identityExtents } from "../../../src/runtime/extents.js";
import { encodeExtentTable } from "../../../src/abi/extents.js";
import { LinuxTarget } from "../../../src/runtime/linux/target.js";
import { resultToJson } from "../../../src/runtime/result-json.js";
import { SimTarget } from "../../../src/runtime/sim/target.js";
import { noBpf } from "../../runtime/linux/kernel-fixtures.js";
import { parseFixture } from "../fixture-format.js";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const dir = path.join(import.meta.dirname, "../fixtures");
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".ioc"))
  .map((f) => f.slice(0, -4))
  .sort();

const BPF_LOOP = 181;
const loopCalls = (a: ProgramArtifact): number =>
  a.insns.filter(
    (i) => i.code === (Class.JMP | Jmp.CALL) && i.src === PseudoCall.HELPER && i.imm === BPF_LOOP,
  ).length;

function runAll(
  artifact: ProgramArtifact,
  target: StepTarget,
  data: Uint8Array,
  runs: ReturnType<typeof parseFixture>["runs"],
) {
  try {
    return runs.map((r) =>
      resultToJson(runChain(artifact, target, new MemoryBlockSource(data), { args: r.args })),
    );
  } finally {
    target.close();
  }
}

describe("every fixture with its loops as bpf_loop callbacks", () => {
  let converted = 0;
  for (const name of names) {
    const rel = `test/compiler/fixtures/${name}.ioc`;
    const source = readFileSync(path.join(dir, `${name}.ioc`), "utf8");
    const fixture = parseFixture(source, rel);
    const artifact = compile(source, rel, { loopCallbacks: "always" });
    if (loopCalls(artifact) > 0) converted++;

    it(`${name}: the VM answers as the fixture expects; the kernel as the VM`, () => {
      const vm = runAll(artifact, SimTarget.create(artifact), fixture.data, fixture.runs);
      fixture.runs.forEach((r, k) => expect(vm[k], `${rel}:${r.line}`).toMatchObject(r.expect));
      if (noBpf !== undefined) return;
      const kernel = runAll(artifact, LinuxTarget.create(artifact), fixture.data, fixture.runs);
      expect(kernel).toEqual(vm);
    });
  }
  it("converts the loops of many fixtures", () => expect(converted).toBeGreaterThanOrEqual(12));
});

describe("which loops become callbacks", () => {
  const example = (name: string, program: string, opts: CompileOptions = {}) => {
    const rel = `examples/${name}/${program}.ioc`;
    return compile(readFileSync(path.join(repoRoot, rel), "utf8"), rel, opts);
  };

  it("auto: sstable's record loop (1364 × a LEB128 decode), not its index or bloom loops", () => {
    expect(loopCalls(example("sstable", "lookup"))).toBe(1);
    expect(loopCalls(example("bptree", "lookup"))).toBe(0);
    expect(loopCalls(example("slotted", "lookup"))).toBe(0);
    expect(loopCalls(example("range", "scan"))).toBe(0); // scans stay plain loops
  });

  it("never: no callback at all", () => {
    expect(loopCalls(example("sstable", "lookup", { loopCallbacks: "never" }))).toBe(0);
  });

  it("the IR names the callback in the call", () => {
    const dumps: string[] = [];
    example("sstable", "lookup", {
      dump: (stage, m) => {
        if (stage === "lower")
          for (const f of m.funcs)
            for (const b of f.blocks)
              for (const i of b.insns)
                // Only bpf_loop's: the result's copy is a helper call too (probe_read_kernel).
                if (i.op === "call" && i.helper === BPF_LOOP)
                  dumps.push(JSON.stringify({ helper: i.helper, callback: i.callback }));
      },
    });
    expect(dumps).toEqual([JSON.stringify({ helper: BPF_LOOP, callback: "lookup.__loop1" })]);
  });

  it.skipIf(noBpf !== undefined)(
    "sstable in the kernel: the verifier's work drops from ~500k instructions to under 100k",
    () => {
      const verified = (a: ProgramArtifact): number => {
        const spec = a.maps.find((m) => m.name === "extents")!;
        const t = LinuxTarget.create(a, {
          extentsInit: encodeExtentTable(identityExtents(1n << 20n), spec.valueSize),
        });
        try {
          return t.programInfo().verifiedInsns;
        } finally {
          t.close();
        }
      };
      const plain = verified(example("sstable", "lookup", { loopCallbacks: "never" }));
      const callback = verified(example("sstable", "lookup"));
      console.log(`sstable verified instructions: plain loop ${plain}, bpf_loop ${callback}`);
      expect(plain).toBeGreaterThan(300_000);
      expect(callback).toBeLessThan(100_000);
    },
  );
});
