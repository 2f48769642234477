// The examples (and a program with noinline functions), compiled and written as objects: they
// link back to the compiler's instructions and positions, and in the kernel both loaders
// (bpftool's libbpf and ours) load the same program, whose xlated dump names the .ioc lines (and
// the stdlib's, for inlined helpers).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { linkProgram } from "../../src/bpf/elf/link.js";
import { readElf } from "../../src/bpf/elf/reader.js";
import { writeElf } from "../../src/object/writer.js";
import { Ctx, CTX_SIZE, Status } from "../../src/abi/artifact.js";
import { compile } from "../../src/compiler/pipeline.js";
import { loadElf } from "../../src/runtime/linux/elf-load.js";
import { TestRunner } from "../../src/runtime/linux/test-run.js";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";
import { repoRoot } from "../support/cli.js";
import { hasTool } from "../bpf/support/tools.js";
import { makePinDir, type PinDir } from "./bpffs.js";

const CALLS = "test/fixtures/elf/calls.ioc";

/** The examples, and a program with BPF-to-BPF calls (`noinline fn`), as repo-relative paths. */
const examples = [
  ...readdirSync(path.join(repoRoot, "examples"))
    .map((dir) => path.join("examples", dir))
    .flatMap((dir) =>
      readdirSync(path.join(repoRoot, dir))
        .filter((f) => f.endsWith(".ioc"))
        .map((f) => path.join(dir, f)),
    ),
  CALLS,
];
const readSource = (file: string): string | undefined => {
  try {
    return readFileSync(path.resolve(repoRoot, file), "utf8");
  } catch {
    return undefined;
  }
};
const withoutPos = <T extends { pos?: unknown }>(insns: readonly T[]) =>
  insns.map(({ pos: _pos, ...rest }) => rest);

function build(file: string) {
  const source = readFileSync(path.join(repoRoot, file), "utf8");
  const artifact = compile(source, file);
  const bytes = writeElf(artifact, { target: "linux", sourceText: source, readSource });
  return { artifact, bytes };
}

describe("compiled examples as ELF objects", () => {
  it("there are examples to compile", () => expect(examples.length).toBeGreaterThanOrEqual(3));

  for (const file of examples)
    it(`${file}: links back to the compiler's instructions and .ioc positions`, () => {
      const { artifact, bytes } = build(file);
      const linked = linkProgram(readElf(bytes, file));
      // The compiler lays callees out in order of first call, as the linker appends them.
      expect(withoutPos(linked.insns)).toEqual(withoutPos(artifact.insns));
      expect(linked.insns.map((i) => i.pos && [i.pos.file, i.pos.line, i.pos.col])).toEqual(
        artifact.insns.map((i) => i.pos && [i.pos.file, i.pos.line, i.pos.col]),
      );
      for (const r of linked.lineInfo)
        expect(r.lineText).toBe(readSource(r.file)!.split("\n")[r.line - 1]);
    });
});

const skip = noBpf ?? (hasTool("bpftool") ? undefined : "bpftool not installed");

describe.skipIf(skip !== undefined)("compiled examples in the kernel", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "iochain-compiled-"));
  let pins: PinDir | undefined;
  afterAll(() => {
    pins?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const file of examples)
    it(`${file}: bpftool and our loader load the same program; linum shows the .ioc lines`, () => {
      const { artifact, bytes } = build(file);
      const name = file.replace(/[/.]/g, "_");
      const object = path.join(tmp, `${name}.o`);
      writeFileSync(object, bytes);
      pins ??= makePinDir("compiled");
      const dir = path.join(pins.root, name);
      const load = spawnSync("bpftool", ["prog", "loadall", object, dir], { encoding: "utf8" });
      expect(load.status, load.stderr).toBe(0);
      const pinned = path.join(dir, artifact.name);
      const theirs = JSON.parse(
        spawnSync("bpftool", ["-j", "prog", "show", "pinned", pinned], { encoding: "utf8" }).stdout,
      );
      using ours = loadElf(readElf(bytes, object));
      expect(ours.program.info().tag).toBe(theirs.tag);
      expect(ours.stats!.processedInsns).toBe(ours.program.info().verifiedInsns);

      const dump = spawnSync("bpftool", ["prog", "dump", "xlated", "pinned", pinned, "linum"], {
        encoding: "utf8",
      }).stdout;
      const shown = [...dump.matchAll(/\[file:(\S+) line_num:(\d+) line_col:\d+\]$/gm)].map(
        (m) => `${m[1]}:${m[2]}`,
      );
      expect(shown).toContain(`${file}:${artifact.insns[0].pos!.line}`);
      const files = new Set(artifact.insns.map((i) => i.pos!.file));
      for (const f of files)
        expect(
          shown.some((s) => s.startsWith(`${f}:`)),
          f,
        ).toBe(true);
    });

  it(`${CALLS}: noinline functions become .text callees; the loaded program computes the result`, () => {
    const { artifact, bytes } = build(CALLS);
    const obj = readElf(bytes, CALLS);
    expect(
      obj.programs.find((p) => p.section.name === ".text")!.functions.map((f) => f.name),
    ).toEqual(["calls_fn1", "calls_fn2"]);
    using loaded = loadElf(obj);
    const runner = new TestRunner(loaded.program, CTX_SIZE);
    try {
      const v = new DataView(runner.ctx.buffer, runner.ctx.byteOffset, CTX_SIZE);
      v.setBigUint64(Ctx.args, 3n, true);
      v.setBigUint64(Ctx.args + 8, 5n, true);
      runner.run();
      expect(v.getUint32(Ctx.status, true)).toBe(Status.DONE);
      const mix = (x: bigint) => x * 31n + 7n;
      expect(v.getBigUint64(Ctx.value, true)).toBe(mix(3n) + mix(5n) + mix(5n));
    } finally {
      runner.close();
    }
    expect(loaded.linked.funcInfo).toHaveLength(3);
    expect(artifact.insns.filter((i) => i.code === 0x85 && i.src === 1)).toHaveLength(4);
  });
});
