// Each lint rule on a program that triggers it and one that does not.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import type { Insn } from "../../src/bpf/insn.js";
import { lintSource } from "../../src/lint/lint.js";
import type { LintOptions } from "../../src/lint/rule.js";
import { RULES } from "../../src/lint/rules.js";
import { callDepth } from "../../src/lint/rules/call-depth.js";
import { stackSize } from "../../src/lint/rules/stack-size.js";
import { compile } from "../../src/compiler/pipeline.js";
import { checkProgram } from "../../src/compiler/check/check.js";
import { xrpFanout, ctxStores } from "../../src/lint/rules/xrp-fanout.js";
import { mapValueSize, KMALLOC_MAX_SIZE } from "../../src/lint/rules/map-value-size.js";
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
function onInsns(rule: typeof stackSize, insns: Insn[], options: Partial<LintOptions> = {}) {
  const artifact = { ...compile(CLEAN, "t.ioc"), insns };
  return rule.check({
    file: "t.ioc",
    source: CLEAN,
    artifact,
    options: { target: "linux", ...options },
    checked: () => checkProgram(CLEAN, "t.ioc"),
    boundsChecks: [],
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

  it("E0710: an unused parameter, state and local bindings (over the tree, not the text)", () => {
    const src = `storage fn f(key: u64, spare: u64) -> u64 block 512 {
    state unused_state: u32;
    let twice = key * 2;            // twice is mentioned here only in a comment
    var written: u64 = 0;
    written = 5;
    for i in 0 .. 4 { let inner = 1; }
    let (a, _b) = (key, key);
    return a;
}`;
    const r = lintSource(src, "t.ioc", { target: "linux" });
    const msgs = r.diagnostics.filter((d) => d.code === "E0710").map((d) => d.message);
    expect(msgs.sort()).toEqual(
      [
        "parameter `spare` is never used",
        "state `unused_state` is never used",
        "binding `twice` is never used",
        "variable `written` is never read",
        "loop variable `i` is never used",
        "binding `inner` is never used",
      ].sort(),
    );
    const used = `storage fn f(key: u64, _spare: u64) -> u64 block 512 {
    state hops: u32;
    hops += 1;
    var acc: u64 = 0;
    for i in 0 .. 4 { acc += i as u64; }
    let (a, b) = (key, acc);
    return a + b;
}`;
    expect(codesOf(used)).not.toContain("warning:E0710");
    expect(codesOf(CLEAN)).not.toContain("warning:E0710");
    // A scan's binding that only an aggregate reads (`max(p)`, checked at the scan's emit) is used.
    const aggregated = `storage fn f() block 512 {
    output { k: u64 } capacity 8;
    aggregate { top: max(p), last: max(i) };
    scan i in 0 .. 4 let p = u64le at i * 8 let q = 1 emit { k: 0 };
    return;
}`;
    const warned = lintSource(aggregated, "t.ioc", { target: "linux" })
      .diagnostics.filter((d) => d.code === "E0710")
      .map((d) => d.message);
    expect(warned).toEqual(["scan binding `q` is never used"]);
  });

  it("E0711: division by a run-time value", () => {
    const div = `storage fn f(a: u64, b: u64) -> u64 block 512 { return a / b; }`;
    expect(codesOf(div)).toContain("warning:E0711");
    expect(codesOf(div.replace("a / b", "a / 8 + b"))).not.toContain("warning:E0711");
  });

  it("E0712: statements after return, fail, resubmit (or an if whose branches all end)", () => {
    const dead = `error nope;
storage fn f(a: u64) -> u64 block 512 {
    if a > 3 {
        fail nope;
        return 1;
    }
    if a == 1 { return 2; } else { resubmit 512; }
    return a;
}`;
    const r = lintSource(dead, "t.ioc", { target: "linux" });
    const found = r.diagnostics.filter((d) => d.code === "E0712");
    expect(found.map((d) => d.pos?.line)).toEqual([5, 8]);
    expect(found[0].message).toContain("`fail`");
    expect(codesOf(CLEAN)).not.toContain("warning:E0712");
  });

  it("E0713: conditions and filters decided by constants or by the operands' types", () => {
    const src = `const LIMIT: u32 = 4;
storage fn f(a: u32, b: u8) -> u64 block 512 {
    if a < 0 { return 1; }
    if b as u32 > 300 || a == 7 { return 2; }
    if LIMIT > 3 { return 3; }
    while true max 4 { break; }
    return 4;
}`;
    const r = lintSource(src, "t.ioc", { target: "linux" });
    expect(r.compileFailed).toBe(false);
    const found = r.diagnostics.filter((d) => d.code === "E0713");
    expect(found.map((d) => `${d.pos?.line}:${d.message.split(":")[0]}`)).toEqual([
      "3:the condition is always false",
      "4:this part of the condition is always false",
      "5:the condition is always true",
    ]);
    // Through bindings: an immutable `let` has its initialiser's range, a loop variable its range's.
    const bound = `storage fn f(a: u32) -> u64 block 512 {
    let n = a % 8;
    if n > 10 { return 1; }
    for i in 0 .. 8 { if i >= 8 { return 2; } }
    var m = a % 8;
    m += a;
    if m > 10 { return 3; }
    return 4;
}`;
    const viaBindings = lintSource(bound, "t.ioc", { target: "linux" }).diagnostics.filter(
      (d) => d.code === "E0713",
    );
    expect(viaBindings.map((d) => d.pos?.line)).toEqual([3, 4]);
    expect(viaBindings[0].message).toContain("`n` is within 0..=7");
    const fine = `storage fn f(a: u32, b: u8) -> u64 block 512 {
    if a < 10 && b > 3 { return 1; }
    return 4;
}`;
    expect(codesOf(fine)).not.toContain("warning:E0713");
  });

  const scan = (
    agg: string,
    emit: string,
    extra = "",
  ) => `storage fn f(lo: u64) block 512 max_chain 4 {
    output { a: u32, b: u32, total: u64 } capacity 64;
    aggregate { s: ${agg} };
    scan i in 0 .. (u32le at 0) max 60
        let x = u32le at (4 + i * 8)
        let y = u32le at (8 + i * 8)
        filter x as u64 >= lo${extra}
        emit { a: x, b: y, total: ${emit} };
    return;
}`;

  it("E0714: a sum whose per-row values wrap in their type (the sum itself is 128-bit exact)", () => {
    expect(codesOf(scan("sum(a * b)", "0"))).toContain("warning:E0714");
    expect(codesOf(scan("sum(total)", "(x * y) as u64"))).toContain("warning:E0714");
    expect(codesOf(scan("avg(a as u64 * b as u64)", "0"))).not.toContain("warning:E0714");
    expect(codesOf(scan("sum(total)", "x as u64 * y as u64"))).not.toContain("warning:E0714");
    // Over the scan's own bindings (checked at its emit): the same rule.
    expect(codesOf(scan("sum(x * y)", "0"))).toContain("warning:E0714");
    expect(codesOf(scan("sum(x as u64 * y)", "0"))).not.toContain("warning:E0714");
  });

  it("E0714: the wrap it warns of is real (the simulator runs the program)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "iochain-e0714-"));
    try {
      const data = Buffer.alloc(512);
      data.writeUInt32LE(65536, 0); // price
      data.writeUInt32LE(65536, 4); // qty: price * qty = 2^32
      writeFileSync(path.join(dir, "data"), data);
      const src = `storage fn f() reads "data" block 512 {
    output { price: u32, qty: u32 } capacity 4;
    aggregate { revenue: sum(price * qty), wide: sum(price as u64 * qty as u64) };
    scan i in 0 .. 1
        let price = u32le at i * 8
        let qty = u32le at i * 8 + 4
        emit { price, qty };
    return;
}`;
      const file = path.join(dir, "agg.ioc");
      writeFileSync(file, src);
      const run = runCli([
        "run",
        file,
        "--target",
        "vm",
        "--data",
        path.join(dir, "data"),
        "--json",
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).aggregates).toEqual({ revenue: 0, wide: 4294967296 });
      const found = lintSource(src, file, { target: "linux" }).diagnostics.filter(
        (d) => d.code === "E0714",
      );
      expect(found.map((d) => d.message.split(" adds")[0])).toEqual([
        "`revenue: sum(price * qty)`",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("E0715: a scan max far below the records the block holds", () => {
    // Records 8 bytes apart from offset 4 fill a 512-byte block 64 times; max 60 is close.
    expect(codesOf(scan("sum(a)", "0"))).not.toContain("warning:E0715");
    expect(codesOf(scan("sum(a)", "0").replace("max 60", "max 10"))).toContain("warning:E0715");
    const arrays = (max: number) => `layout Leaf: little { num: u64, key: [u64; 60] }
storage fn f() block 512 {
    output { k: u64 } capacity 64;
    let leaf = Leaf at 0;
    scan i in 0 .. leaf.num max ${max} emit { k: leaf.key[i] };
    return;
}`;
    expect(codesOf(arrays(8))).toContain("warning:E0715");
    expect(codesOf(arrays(60))).not.toContain("warning:E0715");
  });

  it("E0715: the loop_limit it warns of is real (a block of 60 records, max 10, on the simulator)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "iochain-e0715-"));
    try {
      const data = Buffer.alloc(512);
      data.writeUInt32LE(60, 0);
      writeFileSync(path.join(dir, "data"), data);
      const src = `storage fn f() reads "data" block 512 {
    output { a: u32 } capacity 64;
    scan i in 0 .. (u32le at 0) max 10
        let x = u32le at (4 + i * 8)
        emit { a: x };
    return;
}`;
      const file = path.join(dir, "scan.ioc");
      writeFileSync(file, src);
      const run = runCli([
        "run",
        file,
        "--target",
        "vm",
        "--data",
        path.join(dir, "data"),
        "--json",
      ]);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: "failed", error: "loop_limit" });
      expect(codesOf(src)).toContain("warning:E0715");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("E0716: XRP fan-out — a store to next_addr[k > 0] through ctx", () => {
    // The tracker sees the real program's next_addr[0]/size[0] stores (offsets 16 and 144).
    const xrp = compile(CLEAN, "t.ioc", { target: "xrp" });
    const offsets = ctxStores(xrp.insns).map(([, off]) => off);
    expect(offsets).toContain(8); // done
    expect(codesOf(CLEAN, { target: "xrp" })).not.toContain("error:E0716");
    // r6 = r1; *(u64 *)(r6 + 24) = 0 (next_addr[1]), through a stack spill and back for size[2].
    const mov61: Insn = { code: 0xbf, dst: 6, src: 1, off: 0, imm: 0 };
    const spill: Insn = { code: 0x7b, dst: 10, src: 6, off: -8, imm: 0 };
    const fill: Insn = { code: 0x79, dst: 7, src: 10, off: -8, imm: 0 };
    const st = (dst: number, off: number): Insn => ({ code: 0x7a, dst, src: 0, off, imm: 0 });
    const fanout = [mov61, spill, st(6, 24), fill, st(7, 16 + 128 + 16), MOV0, EXIT];
    const found = onInsns(xrpFanout, fanout, { target: "xrp" });
    expect(found.map((d) => d.message.split(":")[0])).toEqual([
      "the program writes next_addr[1]",
      "the program writes size[2]",
    ]);
    expect(onInsns(xrpFanout, fanout, { target: "linux" })).toEqual([]);
    expect(
      onInsns(xrpFanout, [mov61, st(6, 16), st(6, 144), MOV0, EXIT], { target: "xrp" }),
    ).toEqual([]);
  });

  it("E0717: rows one block can emit above the output capacity", () => {
    expect(codesOf(scan("sum(a)", "0").replace("capacity 64", "capacity 16"))).toContain(
      "warning:E0717",
    );
    expect(codesOf(scan("sum(a)", "0"))).not.toContain("warning:E0717");
  });

  it("E0718 (--report bounds): elided checks and kept ones, each with why", () => {
    const src = `storage fn f(i: u32, j: u32) -> u64 block 512 {
    let a = u8 at (i & 255);
    let b = u8 at j;
    return (a + b) as u64;
}`;
    expect(codesOf(src)).not.toContain("note:E0718");
    const r = lintSource(src, "t.ioc", { target: "linux", reportBounds: true });
    const notes = r.diagnostics.filter((d) => d.code === "E0718");
    const at = (line: number) => notes.filter((d) => d.pos?.line === line).map((d) => d.message);
    expect(at(2).join()).toMatch(
      /elided: a check or comparison before it, or how the value is computed/,
    );
    expect(at(3).join()).toMatch(/kept: the value is a parameter of the chain \(read from ctx\)/);
    expect(notes.every((d) => d.severity === "note")).toBe(true);
  });

  it("E0719: a map value past the kernel's KMALLOC_MAX_SIZE", () => {
    const fields = (n: number) => Array.from({ length: n }, (_, k) => `f${k}: u64`).join(", ");
    const wide = (n: number, cap: number) => `storage fn f() block 512 {
    output { ${fields(n)} } capacity ${cap};
    scan i in 0 .. (u32le at 0) max 8 emit { ${Array.from({ length: n }, (_, k) => `f${k}: i as u64`).join(", ")} };
    return;
}`;
    const big = lintSource(wide(9, 65536), "t.ioc", { target: "linux" });
    expect(big.compileFailed, JSON.stringify(big.diagnostics)).toBe(false);
    const scratch = big.artifact!.maps.find((m) => m.name === "scratch")!.valueSize;
    expect(scratch).toBeGreaterThan(KMALLOC_MAX_SIZE);
    expect(big.diagnostics.map((d) => d.code)).toContain("E0719");
    expect(codesOf(wide(2, 64))).not.toContain("error:E0719");
    expect(mapValueSize.code).toBe("E0719");
  });

  it("E0720: a chain program the verifier may give up on, though the step program loads", () => {
    // leveldb's checked lookup: its crc bpf_loop inside the chain program's own bpf_loop
    // (test/object/chain-object.test.ts has the kernel refuse that chain program).
    const example = (rel: string) =>
      readFileSync(path.join(import.meta.dirname, "../../examples", rel), "utf8");
    const checked = lintSource(example("leveldb/lookup_checked.ioc"), "lookup_checked.ioc", {
      target: "linux",
    });
    const e0720 = checked.diagnostics.filter((d) => d.code === "E0720");
    expect(e0720.map((d) => d.severity)).toEqual(["warning"]);
    expect(e0720[0].message).toMatch(/chain program/);
    expect(checked.diagnostics.some((d) => d.severity === "error")).toBe(false);
    expect(codesOf(example("bptree/lookup.ioc"))).not.toContain("warning:E0720");
    // Only linux objects carry a chain program.
    expect(codesOf(example("leveldb/lookup_checked.ioc"), { target: "sim" })).not.toContain(
      "warning:E0720",
    );
  });
});
