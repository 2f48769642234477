// The xrp target (src/compiler/targets/xrp.ts, docs/xrp.md). No XRP kernel exists on our machines,
// so nothing here loads a program into one: the object is checked as a file (sections, BTF, LLVM's
// tools), the code for what XRP programs may not contain (maps), and the code's behaviour by
// running it on our VM under a simulated XRP kernel (src/runtime/xrp-sim.ts) and comparing every
// answer with the sim target's.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { generateBptree } from "../../../src/datagen/bptree.js";
import { Rng } from "../../../src/datagen/rng.js";
import { readBtf } from "../../../src/bpf/btf-read.js";
import { readElf } from "../../../src/bpf/elf/reader.js";
import { writeElf } from "../../../src/object/writer.js";
import {
  XRP_CTX_SIZE,
  XRP_SCRATCH_CAPACITY,
  XRP_SECTION,
  XrpCtx,
  XrpScratch,
} from "../../../src/object/xrp-layout.js";
import type { Insn } from "../../../src/bpf/insn.js";
import { LD_IMM64, PseudoLd } from "../../../src/bpf/opcodes.js";
import { buildProgram } from "../../../src/cli/main.js";
import { Ctx, Status, type ProgramArtifact } from "../../../src/abi/artifact.js";
import { at, ModuleBuilder } from "../../../src/compiler/ir/builder.js";
import { retargetXrp } from "../../../src/compiler/targets/xrp.js";
import { compile } from "../../../src/compiler/pipeline.js";
import { IochainError } from "../../../src/diagnostics.js";
import type { ArgValue } from "../../../src/runtime/args.js";
import { MemoryBlockSource } from "../../../src/runtime/block-source.js";
import { type ChainResult, runChain } from "../../../src/runtime/driver.js";
import { SimTarget } from "../../../src/runtime/sim/target.js";
import { XrpSim } from "../../../src/runtime/xrp-sim.js";
import { toolsOrWarn } from "../../bpf/support/tools.js";
import { parseFixture } from "../fixture-format.js";
import { repoRoot } from "../../support/cli.js";

const lookupFile = path.join(repoRoot, "examples/bptree/lookup.ioc");
const rangeFile = path.join(repoRoot, "examples/range/scan.ioc");
const fixturesDir = path.join(repoRoot, "test/compiler/fixtures");
const dir = mkdtempSync(path.join(tmpdir(), "iochain-xrp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const both = (file: string, source = readFileSync(file, "utf8")) => ({
  source,
  sim: compile(source, file),
  xrp: compile(source, file, { target: "xrp" }),
});

/** The chain's answer, without the counters that differ by design (reads: device vs file). */
function answer(r: ChainResult) {
  return {
    status: r.status,
    value: r.value instanceof Uint8Array ? Buffer.from(r.value).toString("hex") : r.value,
    error: r.error,
    hops: r.hops,
    rows: r.rows,
    aggregates: r.aggregates,
    steps: r.steps,
    suspensions: r.suspensions,
  };
}
const text = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));

/** Runs `inputs` on both targets over `bytes`; returns the sim answers (all equal to XRP's). */
function sameAnswers(
  c: { sim: ProgramArtifact; xrp: ProgramArtifact },
  bytes: Uint8Array,
  inputs: Record<string, ArgValue>[],
): ReturnType<typeof answer>[] {
  const sim = SimTarget.create(c.sim);
  const xrp = new XrpSim(c.xrp);
  const source = new MemoryBlockSource(bytes);
  return inputs.map((args) => {
    const want = answer(runChain(c.sim, sim, source, { args }));
    const got = answer(xrp.run(source, { args }));
    if (text(got) !== text(want)) expect({ args, got }).toEqual({ args, got: want });
    return want;
  });
}

/**
 * Compiles for xrp; undefined when the lowering ran a loop through bpf_loop, which XRP's 5.12
 * kernel lacks (E0640, refused on purpose; docs/xrp.md). Anything else propagates.
 */
function compileXrp(source: string, file: string): ProgramArtifact {
  return compile(source, file, { target: "xrp" });
}

const isMapRef = (i: Insn) =>
  i.code === LD_IMM64 && i.src !== PseudoLd.IMM64 && i.src !== PseudoLd.FUNC;

describe("the object", () => {
  const c = both(lookupFile);
  const file = path.join(dir, "lookup-xrp.o");
  writeFileSync(file, writeElf(c.xrp, { target: "xrp", sourceText: c.source }));
  const obj = readElf(new Uint8Array(readFileSync(file)), file);

  it("has the program in section xrp_prog, no map sections, struct bpf_xrp in BTF", () => {
    expect(obj.section(XRP_SECTION)).toBeDefined();
    expect(obj.section("syscall")).toBeUndefined();
    expect(
      obj.sections.map((s) => s.name).filter((n) => /^\.(data|rodata|bss|maps)/.test(n)),
    ).toEqual([]);
    const btf = readBtf(obj.section(".BTF")!.data);
    const ctx = btf.type(btf.find("bpf_xrp", "struct")!);
    expect(ctx).toMatchObject({ size: XRP_CTX_SIZE });
    expect(ctx!.kind === "struct" && ctx!.members.map((m) => [m.name, m.bitOffset / 8])).toEqual([
      ["data", XrpCtx.data],
      ["done", XrpCtx.done],
      ["next_addr", XrpCtx.nextAddr],
      ["size", XrpCtx.size],
      ["scratch", XrpCtx.scratch],
    ]);
    expect(btf.find("iochain_ctx", "struct")).toBeUndefined();
  });

  const llvm = toolsOrWarn(
    "reading the xrp object with LLVM",
    "llvm-objdump-19",
    "llvm-readelf-19",
  );
  it.skipIf(!llvm)("llvm-objdump-19 -d -r and llvm-readelf-19 -a read it without a warning", () => {
    for (const [tool, args] of [
      ["llvm-objdump-19", ["-d", "-r", file]],
      ["llvm-readelf-19", ["-a", file]],
    ] as const) {
      const r = spawnSync(tool, args, { encoding: "utf8" });
      expect(r.status, `${tool}: ${r.stderr}`).toBe(0);
      expect(r.stderr, tool).toBe("");
    }
    const listing = spawnSync("llvm-objdump-19", ["-d", "-r", file], { encoding: "utf8" }).stdout;
    expect(listing).toContain(`Disassembly of section ${XRP_SECTION}:`);
    expect(listing).not.toMatch(/R_BPF_64_64/); // no map (global data) relocations
  });
});

describe("no maps in the code", () => {
  const programs = [
    lookupFile,
    rangeFile,
    path.join(repoRoot, "examples/slotted/lookup.ioc"),
    path.join(repoRoot, "examples/sstable/lookup.ioc"),
    ...readdirSync(fixturesDir)
      .filter((f) => f.endsWith(".ioc"))
      .map((f) => path.join(fixturesDir, f)),
  ];
  it(`${programs.length} programs (the examples, the compiler fixtures): no map reference, no maps in the artifact`, () => {
    let checked = 0;
    let simMaps = 0;
    for (const file of programs) {
      const source = readFileSync(file, "utf8");
      let sim: ProgramArtifact;
      try {
        sim = compile(source, file);
      } catch {
        continue; // fixtures of compile errors
      }
      const xrp = compileXrp(source, file);
      if (sim.insns.some(isMapRef)) simMaps++;
      expect(xrp.insns.filter(isMapRef), file).toEqual([]);
      expect(xrp.maps, file).toEqual([]);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
    expect(simMaps).toBeGreaterThan(30); // on sim the same programs do reach their maps
  });

  it("the extent search is gone: the resubmitting bptree lookup is smaller than on sim", () => {
    const c = both(lookupFile);
    expect(c.xrp.insns.length).toBeLessThan(c.sim.insns.length);
  });
});

describe("on a simulated XRP kernel = the sim target", () => {
  const c = both(lookupFile);

  for (const depth of [1, 2, 3, 4, 6]) {
    it(`bptree lookup, depth ${depth}: 300 keys (present, absent, u64 edges)`, () => {
      const tree = generateBptree({
        seed: 40 + depth,
        keys: depth === 1 ? 30 : depth === 2 ? 900 : 600,
        depth,
      });
      expect(tree.depth).toBe(depth);
      const rng = new Rng(depth);
      const keys = [0n, (1n << 64n) - 1n, tree.keys[0], tree.keys[tree.keys.length - 1] + 1n];
      while (keys.length < 300) {
        const k = tree.keys[rng.below(tree.keys.length)];
        keys.push(rng.below(3) === 0 ? k + 1n : k);
      }
      const answers = sameAnswers(
        c,
        tree.bytes,
        keys.map((key) => ({ key })),
      );
      const done = answers.filter((a) => a.status === "done");
      // Both paths are exercised, and a hit reads every level and then the value's block.
      expect(done.length).toBeGreaterThan(150);
      expect(answers.some((a) => a.error === "not_found")).toBe(true);
      expect(new Set(done.map((a) => a.hops))).toEqual(new Set([depth + 1]));
    });
  }

  it("without the optimiser too (the extent search then stays, dead behind count = 0)", () => {
    const source = readFileSync(lookupFile, "utf8");
    const raw = {
      sim: c.sim,
      xrp: compile(source, lookupFile, { target: "xrp", noOptimize: true }),
    };
    expect(raw.xrp.insns.filter(isMapRef)).toEqual([]);
    const tree = generateBptree({ seed: 3, keys: 600, depth: 3 });
    const keys = tree.keys.filter((_, i) => i % 6 === 0).concat([0n, 1n << 63n]);
    const answers = sameAnswers(
      raw,
      tree.bytes,
      keys.map((key) => ({ key })),
    );
    expect(answers.filter((a) => a.status === "done").length).toBe(100);
  });

  it("bptree lookup on damaged trees: the error paths agree too", () => {
    const tree = generateBptree({ seed: 9, keys: 600, depth: 3 });
    const rng = new Rng(99);
    const errors = new Set<string | null>();
    for (let n = 0; n < 20; n++) {
      const bytes = tree.bytes.slice(0, 512 + rng.below(tree.bytes.length - 512));
      for (let f = 0; f < 8; f++) bytes[rng.below(bytes.length)] = rng.below(256);
      const keys = Array.from({ length: 20 }, () => tree.keys[rng.below(tree.keys.length)]);
      for (const a of sameAnswers(
        c,
        bytes,
        keys.map((key) => ({ key })),
      ))
        errors.add(a.error);
    }
    expect(errors.size).toBeGreaterThan(2);
  });

  it("range scan: rows through suspensions, aggregates", () => {
    const r = both(rangeFile);
    const tree = generateBptree({ seed: 5, keys: 600, depth: 3 });
    const rng = new Rng(5);
    const inputs: Record<string, ArgValue>[] = [{ lo: 0n, hi: (1n << 64n) - 1n }];
    while (inputs.length < 60) {
      const lo = tree.keys[rng.below(tree.keys.length)];
      inputs.push({ lo, hi: lo + BigInt(rng.below(4000)) });
    }
    const answers = sameAnswers(r, tree.bytes, inputs);
    expect(answers.some((a) => a.suspensions > 0)).toBe(true);
  });

  it("every compiler fixture's runs (stages, state, scans, loops, chain limits, bad sizes)", () => {
    let runs = 0;
    for (const name of readdirSync(fixturesDir).filter((f) => f.endsWith(".ioc"))) {
      const file = path.join(fixturesDir, name);
      const source = readFileSync(file, "utf8");
      let sim: ProgramArtifact;
      try {
        sim = compile(source, file);
      } catch {
        continue;
      }
      const fixture = parseFixture(source, file);
      const xrp = compileXrp(source, file);
      sameAnswers(
        { sim, xrp },
        fixture.data,
        fixture.runs.map((r) => r.args),
      );
      runs += fixture.runs.length;
    }
    expect(runs).toBeGreaterThan(100);
  });

  it("a noinline function that launders through scratch gets the scratch pointer as a parameter", () => {
    const source = `
noinline fn gcd(a: u64, b: u64) -> u64 {
    var x = a;
    var y = b;
    for i in 0 .. 64 {
        if y == 0 { break; }
        let t = x % y;
        x = y;
        y = t;
    }
    return x;
}
storage fn f(a: u64, b: u64) -> u64 block 64 {
    return gcd(a, b) + gcd(b, 12);
}`;
    const c2 = both(path.join(dir, "gcd.ioc"), source);
    const answers = sameAnswers(c2, new Uint8Array(64), [
      { a: 1071n, b: 462n },
      { a: 17n, b: 0n },
      { a: 0n, b: 9n },
    ]);
    expect(answers.map((a) => a.value)).toEqual([21n + 6n, 17n + 12n, 9n + 3n]);
    expect(c2.xrp.insns.filter(isMapRef)).toEqual([]);
  });
});

describe("what does not fit XRP (E0640)", () => {
  const code = (source: string) => {
    try {
      compile(source, path.join(dir, "x.ioc"), { target: "xrp" });
      return "compiled";
    } catch (e) {
      return e instanceof IochainError ? `${e.code} ${e.message}` : String(e);
    }
  };
  it("a bpf_loop call (XRP's kernel is 5.12; bpf_loop is 5.17)", () => {
    const pos = { file: "x.ioc", line: 1, col: 1 };
    const mb = new ModuleBuilder();
    const f = mb.func("f", 1, pos);
    f.call(181, [8n, 0n, 0n, 0n]);
    f.store(4, at.reg(f.params[0], Ctx.status), BigInt(Status.DONE));
    f.ret(0n);
    const meta = { ...compile("storage fn f() block 64 { return; }", "x.ioc") };
    expect(() => retargetXrp(mb.finish(), meta)).toThrow(/bpf_loop/);
  });

  it("blocks larger than ctx->data", () => {
    expect(code("storage fn f() -> u64 block 8192 { return u64le at 0; }")).toMatch(
      /^E0640 .*4096-byte buffer/,
    );
  });
  it("more scratch than ctx->scratch holds after the header", () => {
    const rows = Math.ceil(XRP_SCRATCH_CAPACITY / 8) + 1;
    const source = `storage fn f() block 64 {
    output { b: u64 } capacity ${rows};
    scan i in 0 .. 8 let b = u64le at i * 8 emit { b };
    return;
}`;
    expect(code(source)).toMatch(
      new RegExp(
        `^E0640 .*holds ${XRP_SCRATCH_CAPACITY} after iochain's ${XrpScratch.headerSize}-byte header`,
      ),
    );
  });
  it("a noinline function with 5 parameters that needs the scratch pointer", () => {
    const source = `
noinline fn s(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
    var x = a;
    for i in 0 .. 8 { if x > b { break; } x = x + c + d + e; }
    return x;
}
storage fn f(a: u64) -> u64 block 64 { return s(a, 100, 1, 2, 3); }`;
    expect(code(source)).toMatch(/^E0640 .*`s` takes 5 parameters/);
  });
});

describe("iochain compile --target xrp", () => {
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const so = vi
      .spyOn(process.stdout, "write")
      .mockImplementation((s) => (out.push(String(s)), true));
    const se = vi
      .spyOn(process.stderr, "write")
      .mockImplementation((s) => (err.push(String(s)), true));
    try {
      await (await buildProgram(args[0])).parseAsync(args, { from: "user" });
      return { stdout: out.join(""), stderr: err.join("") };
    } finally {
      so.mockRestore();
      se.mockRestore();
    }
  };

  it("writes the ELF object and says it cannot be loaded here", async () => {
    const out = path.join(dir, "cli-lookup.o");
    const r = await cli(["compile", lookupFile, "--target", "xrp", "-o", out]);
    expect(r.stdout).toMatch(/cli-lookup\.o: lookup, \d+ instructions \(elf, target xrp\)/);
    expect(r.stderr).toMatch(/XRP-patched kernel .*untested, it cannot be loaded here/);
    const obj = readElf(new Uint8Array(readFileSync(out)), out);
    expect(obj.section(XRP_SECTION)).toBeDefined();
    expect(obj.programs.flatMap((p) => p.insns).filter(isMapRef)).toEqual([]);
  });

  it("refuses raw bytecode (E0912)", async () => {
    await expect(
      cli([
        "compile",
        lookupFile,
        "--target",
        "xrp",
        "--emit",
        "raw",
        "-o",
        path.join(dir, "x.bin"),
      ]),
    ).rejects.toMatchObject({ code: "E0912" });
  });
});
