// Each lint rule on a program that triggers it and one that does not.
import { describe, expect, it } from "vitest";
import type { Insn } from "../../src/bpf/insn.js";
import { lintSource } from "../../src/lint/lint.js";
import type { LintOptions } from "../../src/lint/rule.js";
import { RULES } from "../../src/lint/rules.js";
import { callDepth } from "../../src/lint/rules/call-depth.js";
import { stackSize } from "../../src/lint/rules/stack-size.js";
import { compile } from "../../src/compiler/pipeline.js";
import { estimateProcessed } from "../../src/lint/estimate.js";

const CLEAN = `storage fn f(key: u64) -> u64 block 512 {
    return key + (u64le at 0);
}`;

const codesOf = (source: string, options: Partial<LintOptions> = {}) => {
  const r = lintSource(source, "t.ioc", { target: "linux", ...options });
  expect(r.compileFailed, JSON.stringify(r.diagnostics)).toBe(false);
  return r.diagnostics.map((d) => `${d.severity}:${d.code}`);
};

/** A rule on a hand-made instruction stream (the compiler never makes such frames or nests). */
function onInsns(rule: typeof stackSize, insns: Insn[]) {
  const artifact = { ...compile(CLEAN, "t.ioc"), insns };
  return rule.check({
    file: "t.ioc",
    source: CLEAN,
    artifact,
    options: { target: "linux" },
    programPos: { file: "t.ioc", line: 1, col: 1 },
    estimate: () => estimateProcessed(insns),
  });
}

const EXIT: Insn = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
const MOV0: Insn = { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 };
const store = (off: number): Insn => ({ code: 0x7a, dst: 10, src: 0, off, imm: 0 });
const call = (imm: number): Insn => ({ code: 0x85, dst: 0, src: 1, off: 0, imm });

describe("lint rules", () => {
  it("a small program is clean", () => {
    expect(codesOf(CLEAN)).toEqual([]);
  });

  it("has one rule per code, all E07xx", () => {
    const codes = RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^E07\d\d$/);
  });

  it("E0701: a plain loop the verifier walks past 1,000,000 (xrp keeps loops plain)", () => {
    const big = `storage fn f(n: u32) -> u64 block 512 {
    var s: u64 = 0;
    for i in 0 .. n max 200000 { s += (u8 at (i % 512)) as u64; }
    return s;
}`;
    expect(codesOf(big, { target: "xrp" })).toContain("error:E0701");
    expect(codesOf(big.replace("200000", "100"), { target: "xrp" })).not.toContain("error:E0701");
  });

  it("E0702: more than 4,096 instructions", () => {
    const lines = Array.from(
      { length: 1400 },
      (_, k) => `    s = (s ^ (u16le at ${k * 2}) as u64) * 3;`,
    );
    const big = `storage fn f() -> u64 block 4096 {\n    var s: u64 = 0;\n${lines.join("\n")}\n    return s;\n}`;
    expect(codesOf(big)).toContain("warning:E0702");
    expect(codesOf(CLEAN)).not.toContain("warning:E0702");
  });

  it("E0703: a frame past 512 bytes", () => {
    expect(onInsns(stackSize, [store(-520), MOV0, EXIT]).map((d) => d.code)).toEqual(["E0703"]);
    expect(onInsns(stackSize, [store(-512), MOV0, EXIT])).toEqual([]);
  });

  it("E0704: calls nested 9 frames deep", () => {
    // Function k (k = 0..8) calls k+1, each `call; exit` (2 instructions): offset +0 reaches the next.
    const nest = (n: number): Insn[] => [
      ...Array.from({ length: n - 1 }, () => [call(1), EXIT]).flat(),
      MOV0,
      EXIT,
    ];
    expect(onInsns(callDepth, nest(9)).map((d) => d.code)).toEqual(["E0704"]);
    expect(onInsns(callDepth, nest(8))).toEqual([]);
  });

  it("E0705: a syscall program before 5.14; bpf_loop only where the kernel has it", () => {
    const loop = `storage fn f(n: u32) -> u64 block 4096 {
    var s: u64 = 0;
    for i in 0 .. n max 20000 { s += (u8 at (i % 4096)) as u64 * (u8 at ((i * 7) % 4096)) as u64; }
    return s;
}`;
    expect(codesOf(CLEAN, { kernel: [5, 10] })).toContain("error:E0705");
    expect(codesOf(CLEAN, { kernel: [5, 14] })).not.toContain("error:E0705");
    // For 6.1 the big loop runs through bpf_loop (needs 5.17); for 5.15 it is compiled plain.
    const lint = (kernel: [number, number]) =>
      lintSource(loop, "t.ioc", { target: "linux", kernel });
    expect(lint([6, 1]).needsKernel).toBe("5.17");
    expect(lint([5, 15]).needsKernel).toBe("5.14");
    expect(codesOf(loop, { kernel: [5, 15] })).not.toContain("error:E0705");
    expect(codesOf(loop, { target: "xrp" })).not.toContain("error:E0705");
  });

  it("E0706: --unsafe-no-bounds-checks", () => {
    const read = `storage fn f(i: u32) -> u64 block 512 { return (u8 at i) as u64; }`;
    expect(codesOf(read, { unsafeNoBoundsChecks: true })).toContain("error:E0706");
    expect(codesOf(read)).not.toContain("error:E0706");
  });

  it("E0707: a max_chain far above what a lookup needs", () => {
    expect(codesOf(CLEAN.replace("block 512", "block 512 max_chain 100000"))).toContain(
      "warning:E0707",
    );
    expect(codesOf(CLEAN.replace("block 512", "block 512 max_chain 8"))).not.toContain(
      "warning:E0707",
    );
  });

  it("E0708: XRP's 512-byte requests", () => {
    expect(codesOf(CLEAN.replace("block 512", "block 4096"), { target: "xrp" })).toContain(
      "error:E0708",
    );
    expect(codesOf(CLEAN, { target: "xrp" })).not.toContain("error:E0708");
  });

  it("E0709: a block size that is not a multiple of the logical block", () => {
    expect(codesOf(CLEAN.replace("block 512", "block 64"))).toContain("warning:E0709");
    expect(codesOf(CLEAN)).not.toContain("warning:E0709");
  });

  it("E0710: an unused parameter and state", () => {
    const src = `storage fn f(key: u64, spare: u64) -> u64 block 512 {
    state unused_state: u32;
    return key;
}`;
    const r = lintSource(src, "t.ioc", { target: "linux" });
    const msgs = r.diagnostics.filter((d) => d.code === "E0710").map((d) => d.message);
    expect(msgs).toEqual(["parameter `spare` is never used", "state `unused_state` is never used"]);
    expect(codesOf(CLEAN)).not.toContain("warning:E0710");
  });

  it("E0711: division by a run-time value", () => {
    const div = `storage fn f(a: u64, b: u64) -> u64 block 512 { return a / b; }`;
    expect(codesOf(div)).toContain("warning:E0711");
    expect(codesOf(div.replace("a / b", "a / 8 + b"))).not.toContain("warning:E0711");
  });
});
