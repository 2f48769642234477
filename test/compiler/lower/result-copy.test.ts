// The two ways a run-time-length byte result is copied into scratch (LowerOptions.resultCopy):
// one bpf_probe_read_kernel (sim and linux, results over WORD_COPY_MAX bytes) and 8-byte words
// with a tail (short results, and xrp, whose program type has no such helper). Both give result-bytes-words.ioc's answers on the VM and in the kernel,
// and the helper's verification does not grow with the result's declared size.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ProgramArtifact } from "../../../src/abi/artifact.js";
import { HelperId } from "../../../src/abi/helpers.js";
import { WORD_COPY_MAX } from "../../../src/compiler/lower/block-reads.js";
import { compile } from "../../../src/compiler/pipeline.js";
import { MemoryBlockSource } from "../../../src/runtime/block-source.js";
import { runChain, type StepTarget } from "../../../src/runtime/driver.js";
import { LinuxTarget } from "../../../src/runtime/linux/target.js";
import { resultToJson } from "../../../src/runtime/result-json.js";
import { SimTarget } from "../../../src/runtime/sim/target.js";
import { noBpf } from "../../runtime/linux/kernel-fixtures.js";
import { parseFixture } from "../fixture-format.js";

const rel = "test/compiler/fixtures/result-bytes-words.ioc";
const source = readFileSync(
  path.join(import.meta.dirname, "../fixtures/result-bytes-words.ioc"),
  "utf8",
);
const fixture = parseFixture(source, rel);

const build = (resultCopy: "helper" | "words"): ProgramArtifact =>
  compile(source, rel, { resultCopy });

function runAll(a: ProgramArtifact, target: StepTarget) {
  try {
    return fixture.runs.map((r) =>
      resultToJson(runChain(a, target, new MemoryBlockSource(fixture.data), { args: r.args })),
    );
  } finally {
    target.close();
  }
}

/** Calls to probe_read_kernel in the program's instructions (call: code 0x85, imm = helper). */
const helperCalls = (a: ProgramArtifact): number =>
  a.insns.filter((i) => i.code === 0x85 && i.imm === HelperId.PROBE_READ_KERNEL).length;

describe("result copy: helper and words", () => {
  for (const mode of ["helper", "words"] as const) {
    it(`${mode}: every length around the word size, at the block's end and past it, on the VM`, () => {
      const a = build(mode);
      expect(helperCalls(a)).toBe(mode === "helper" ? 1 : 0);
      const results = runAll(a, SimTarget.create(a));
      fixture.runs.forEach((r, k) =>
        expect(results[k], `${rel}:${r.line}`).toMatchObject(r.expect),
      );
    });
  }

  it("auto: words up to WORD_COPY_MAX bytes, the helper above; xrp always words", () => {
    const program = (max: number) =>
      `storage fn f(off: u32, len: u32) -> [u8; ${max}] block 4096 { return [u8; len] at off; }`;
    const calls = (max: number, target?: "xrp") =>
      helperCalls(compile(program(max), "auto.ioc", { target }));
    expect(calls(WORD_COPY_MAX)).toBe(0);
    expect(calls(WORD_COPY_MAX + 1)).toBe(1);
    expect(calls(2048, "xrp")).toBe(0);
  });

  it.skipIf(noBpf !== undefined)(
    "in the kernel: the same answers, and a 4,061-byte result verifies in a constant cost",
    () => {
      for (const mode of ["helper", "words"] as const) {
        const a = build(mode);
        expect(runAll(a, LinuxTarget.create(a))).toEqual(runAll(a, SimTarget.create(a)));
      }
      const verified = (max: number, resultCopy: "helper" | "words"): number => {
        const a = compile(
          `storage fn f(off: u32, len: u32) -> [u8; ${max}] block 4096 { return [u8; len] at off; }`,
          "big-result.ioc",
          { resultCopy },
        );
        const t = LinuxTarget.create(a);
        try {
          return t.programInfo().verifiedInsns;
        } finally {
          t.close();
        }
      };
      const costs = {
        helper: [verified(64, "helper"), verified(4061, "helper")],
        words: [verified(64, "words"), verified(4061, "words")],
      };
      console.log(`verified instructions, [u8; 64] and [u8; 4061]: ${JSON.stringify(costs)}`);
      expect(costs.helper[1]).toBe(costs.helper[0]);
      expect(costs.words[1]).toBeGreaterThan(costs.words[0]);
    },
  );
});
