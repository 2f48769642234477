// The hand-written C storage functions the benchmarks compare iochain with (bench/c/*.c): they
// build with clang-19, libbpf loads them, and in the kernel they answer every chain exactly as the
// examples' references do. Where the object needs no loader beyond map_value references, our VM
// runs clang's bytecode too, and agrees.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryBlockSource } from "../../src/runtime/block-source.js";
import { runChain } from "../../src/runtime/driver.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { SimTarget } from "../../src/runtime/sim/target.js";
import { C_PROGRAMS, CLANG, cAbiArtifact, cArtifact, compileC } from "../../bench/c-programs.js";
import { loadWithLibbpf, measureKernel } from "../../bench/kernel.js";
import { EXAMPLES, workload } from "../../bench/workloads.js";

const runs = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;
const noClang = runs(CLANG, ["--version"]) ? undefined : `${CLANG} is not installed`;
const bpf = bpfAvailable();
const noKernel =
  noClang ??
  (!bpf.ok ? bpf.reason : runs("bpftool", ["version"]) ? undefined : "bpftool is not installed");
if (noClang) console.warn(`skipping bench/c tests: ${noClang}`);
else if (noKernel) console.warn(`skipping bench/c kernel tests: ${noKernel}`);

describe.skipIf(noClang !== undefined)("bench/c: hand-written C storage functions", () => {
  const out = mkdtempSync(join(tmpdir(), "iochain-test-bench-c-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  for (const { name } of EXAMPLES) {
    it.skipIf(noKernel !== undefined)(
      `${name}.c, loaded by libbpf, answers as the reference does`,
      () => {
        const k = loadWithLibbpf(compileC(name, out), C_PROGRAMS[name].fn);
        try {
          // measureKernel throws on the first answer that differs from the reference.
          const stats = measureKernel(k, cAbiArtifact(name), workload(name, 300));
          expect(stats.steps).toBeGreaterThanOrEqual(300);
          expect(stats.verifiedInsns).toBeGreaterThan(0);
        } finally {
          k.close();
        }
      },
    );
  }

  for (const name of ["bptree", "range", "slotted"] as const) {
    it(`${name}.c runs on the sim target (clang's bytecode in our VM) with the reference's answers`, () => {
      const artifact = cArtifact(name, compileC(name, out));
      const w = workload(name, 300);
      const target = SimTarget.create(artifact);
      const source = new MemoryBlockSource(w.bytes);
      try {
        for (const args of w.chains)
          expect(w.answer(runChain(artifact, target, source, { args }))).toBe(w.expected(args));
      } finally {
        target.close();
      }
    });
  }

  it("an object with a bpf_loop callback is left to libbpf", () => {
    expect(() => cArtifact("sstable", compileC("sstable", out))).toThrow(
      /needs a full loader: use libbpf/,
    );
  });
});
