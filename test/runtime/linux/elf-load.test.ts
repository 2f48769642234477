// Our ELF loader against the kernel: objects written by writeElf load, run and give the right
// results; the verifier's statistics come back; a rejection names the .ioc line; and for the same
// object our loader hands the kernel the same program as libbpf (bpftool): same tag, same size.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assembleLlvm } from "../../../src/bpf/asm/llvm.js";
import { readElf } from "../../../src/bpf/elf/reader.js";
import { slotOffsets } from "../../../src/bpf/insn.js";
import { writeElf } from "../../../src/object/writer.js";
import { Ctx, CTX_SIZE, Status } from "../../../src/abi/artifact.js";
import { IochainError } from "../../../src/diagnostics.js";
import { loadElf, loadElfFile, type LoadedObject } from "../../../src/runtime/linux/elf-load.js";
import { LoadError } from "../../../src/runtime/linux/errors.js";
import { TestRunner } from "../../../src/runtime/linux/test-run.js";
import { ALL_CASES } from "../../object/artifacts.js";
import { makePinDir, type PinDir } from "../../object/bpffs.js";
import { hasTool } from "../../bpf/support/tools.js";
import { makeArtifact } from "../fixtures.js";
import { bpfFds, noBpf } from "./kernel-fixtures.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures");
const tmp = mkdtempSync(path.join(tmpdir(), "iochain-elf-load-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** One test run with args in ctx; returns the ctx after the run. */
function runOnce(loaded: LoadedObject, args: bigint[]): DataView {
  const runner = new TestRunner(loaded.program, CTX_SIZE);
  try {
    const v = new DataView(runner.ctx.buffer, runner.ctx.byteOffset, CTX_SIZE);
    args.forEach((a, i) => v.setBigUint64(Ctx.args + 8 * i, a, true));
    v.setUint32(Ctx.status, 0xffffffff, true);
    runner.run();
    return new DataView(runner.ctx.slice().buffer);
  } finally {
    runner.close();
  }
}

const objectOf = (name: string) => {
  const c = ALL_CASES[name]();
  return {
    c,
    obj: readElf(writeElf(c.artifact, { target: "linux", sourceText: c.source }), `${name}.o`),
  };
};

describe.skipIf(noBpf !== undefined)("loadElf: our objects in the kernel", () => {
  const fdsBefore = bpfFds();
  afterAll(() => expect(bpfFds()).toEqual(fdsBefore));

  for (const name of ["calls", "const64", "loop"]) {
    it(`${name}: loads, runs and computes the expected ctx.value`, () => {
      const { c, obj } = objectOf(name);
      using loaded = loadElf(obj);
      const ctx = runOnce(loaded, c.expectValue!.args);
      expect(ctx.getUint32(Ctx.status, true)).toBe(Status.DONE);
      expect(ctx.getBigUint64(Ctx.value, true)).toBe(c.expectValue!.value);
    });
  }

  it("maps: list_walk reads the block map and the frozen extents map filled from .rodata.extents", () => {
    const { obj } = objectOf("maps");
    using loaded = loadElf(obj);
    expect(loaded.maps.map((m) => [m.spec.name, m.spec.flags])).toEqual([
      [".data.block", 0x400],
      [".data.scratch", 0x400],
      [".rodata.extents", 0x480],
    ]);
    // The extents map holds the artifact's initial value (generation 7) and is frozen.
    expect(new DataView(loaded.map("extents")!.lookup(0)!.buffer).getBigUint64(0, true)).toBe(7n);
    expect(() => loaded.map("extents")!.update(0, new Uint8Array(112))).toThrow(/EPERM/);
    // Node 0 matches: DONE with its value.
    const block = new Uint8Array(512);
    const v = new DataView(block.buffer);
    v.setBigUint64(0, 42n, true);
    v.setBigUint64(16, 4242n, true);
    loaded.map("block")!.update(0, block);
    const ctx = runOnce(loaded, [42n]);
    expect(ctx.getUint32(Ctx.status, true)).toBe(Status.DONE);
    expect(ctx.getBigUint64(Ctx.value, true)).toBe(4242n);
    expect(new DataView(loaded.map("scratch")!.lookup(0)!.buffer).getBigUint64(0, true)).toBe(1n); // visited
  });

  it("returns the verifier's statistics; processed insns equal bpf_prog_info.verified_insns", () => {
    const { obj } = objectOf("calls");
    using loaded = loadElf(obj);
    const info = loaded.program.info();
    expect(loaded.stats).toBeDefined();
    expect(loaded.stats!.processedInsns).toBe(info.verifiedInsns);
    expect(loaded.stats!.insnLimit).toBe(1_000_000);
    expect(loaded.stats!.totalStates).toBeGreaterThanOrEqual(loaded.stats!.peakStates);
    expect(loaded.stats!.stackDepth).toEqual([0, 0, 0]);
    expect(info.xlatedBytes).toBe(slotOffsets(ALL_CASES.calls().artifact.insns).at(-1)! * 8);
  });

  it("a rejected program: E0801 at the .ioc line of the failing instruction, the log quoting the lines", () => {
    const insns = assembleLlvm(
      `
  r6 = r1
  r1 = *(u64 *)(r6 + 64)
  r2 = 0 ll
  r2 += r1
  r0 = *(u64 *)(r2 + 0)
  exit
`,
      "bad.s",
    );
    insns[2] = { ...insns[2], src: 2, imm: 0, imm2: 0 }; // &block
    insns.forEach((insn, i) => (insn.pos = { file: "bad.ioc", line: 10 + i, col: 5 }));
    const source = Array.from({ length: 20 }, (_, i) => `  line_${i + 1}();`).join("\n");
    const obj = readElf(
      writeElf(makeArtifact({ name: "bad", file: "bad.ioc", insns }), {
        target: "linux",
        sourceText: source,
      }),
      "bad.o",
    );
    let error: unknown;
    try {
      loadElf(obj).close();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LoadError);
    const e = error as LoadError;
    expect(e.code).toBe("E0801");
    // The verifier stops at `r2 += r1` (an unbounded offset added to &block): line 13.
    expect(e.reason).toMatch(/unbounded min value is not allowed/);
    expect(e.insnIndex).toBe(3);
    expect(e.pos).toEqual({ file: "bad.ioc", line: 13, col: 5 });
    expect(e.log).toContain("; line_13(); @ bad.ioc:13");
  });

  it("refuses objects it cannot load: not a syscall program (E0811), no such program (E0135), no file (E0901)", () => {
    const c = ALL_CASES.calls();
    const xrp = readElf(writeElf(c.artifact, { target: "xrp" }), "x.o");
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err instanceof IochainError ? err.code : String(err);
      }
      return "loaded";
    };
    expect(code(() => loadElf(xrp))).toBe("E0811");
    expect(code(() => loadElf(objectOf("calls").obj, { program: "nope" }))).toBe("E0135");
    expect(code(() => loadElfFile(path.join(tmp, "missing.o")))).toBe("E0901");
  });
});

const bpftoolSkip = noBpf ?? (hasTool("bpftool") ? undefined : "bpftool not installed");

describe.skipIf(bpftoolSkip !== undefined)(
  "loadElf hands the kernel the same program as libbpf",
  () => {
    let pins: PinDir | undefined;
    afterAll(() => pins?.cleanup());

    const libbpfInfo = (file: string, dirName: string, prog: string) => {
      pins ??= makePinDir("elfload");
      const dir = path.join(pins.root, dirName);
      const r = spawnSync("bpftool", ["prog", "loadall", file, dir], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`bpftool prog loadall ${file}: ${r.stderr}`);
      const show = spawnSync("bpftool", ["-j", "prog", "show", "pinned", path.join(dir, prog)], {
        encoding: "utf8",
      });
      return JSON.parse(show.stdout) as { tag: string; bytes_xlated: number; bytes_jited: number };
    };

    const objects: [string, () => string, string][] = [
      ...Object.keys(ALL_CASES).map((name): [string, () => string, string] => [
        `our ${name}.o`,
        () => {
          const c = ALL_CASES[name]();
          const file = path.join(tmp, `${name}.o`);
          writeFileSync(file, writeElf(c.artifact, { target: "linux", sourceText: c.source }));
          return file;
        },
        ALL_CASES[name]().artifact.name,
      ]),
      ["clang's btf/globals.o", () => path.join(FIXTURES, "btf/globals.o"), "prog"],
      // calls.c built with BTF (-g): callees in .text, a bpf_loop callback (needs func_info).
      ...(["mix", "loop"] as const).map((prog): [string, () => string, string] => [
        `clang-19 -g calls.c (${prog})`,
        () => {
          const file = path.join(tmp, "calls-g.o");
          const c = path.join(FIXTURES, "clang/calls.c");
          const r = spawnSync(
            "clang-19",
            ["-target", "bpf", "-O2", "-g", "-mcpu=v3", "-c", c, "-o", file],
            { encoding: "utf8" },
          );
          if (r.status !== 0) throw new Error(`clang-19 failed: ${r.stderr}`);
          return file;
        },
        prog,
      ]),
    ];

    for (const [what, make, prog] of objects) {
      it(`${what}: same tag and xlated size through both loaders`, () => {
        const file = make();
        const theirs = libbpfInfo(file, `${path.basename(file, ".o")}-${prog}`, prog);
        using ours = loadElf(readElf(new Uint8Array(readFileSync(file)), file), { program: prog });
        const info = ours.program.info();
        expect(info.tag).toBe(theirs.tag);
        expect(info.xlatedBytes).toBe(theirs.bytes_xlated);
      });
    }
  },
);
