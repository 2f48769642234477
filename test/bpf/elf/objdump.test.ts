import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assembleLlvm } from "../../../src/bpf/asm/llvm.js";
import { disassembleObject } from "../../../src/bpf/elf/objdump.js";
import { readElfFile } from "../../../src/bpf/elf/reader.js";
import { encode } from "../../../src/bpf/insn.js";
import { validate } from "../../../src/bpf/validate.js";
import { run, toolsOrWarn } from "../support/tools.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures/clang");
const sources = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".c"))
  .sort();
const cflagsOf = (c: string) =>
  (/^\/\/ cflags: (.*)$/m.exec(readFileSync(path.join(FIXTURES, c), "utf8"))?.[1] ?? "")
    .split(/\s+/)
    .filter(Boolean);
/** "Up to whitespace": runs of blanks become one space, blank lines and line-end blanks go. */
const squash = (text: string) =>
  text
    .split("\n")
    .map((l) => l.replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .join("\n");

describe("disassembly of the committed clang objects", () => {
  it("there are at least four fixtures, each with its object and expected listing", () => {
    expect(sources.length).toBeGreaterThanOrEqual(4);
    for (const c of sources) {
      const name = c.replace(/\.c$/, "");
      expect(readdirSync(FIXTURES)).toEqual(
        expect.arrayContaining([`${name}.o`, `${name}.objdump`]),
      );
    }
  });

  for (const c of sources) {
    const name = c.replace(/\.c$/, "");
    it(`${name}.o equals the committed llvm-objdump-19 -d -r --mcpu=v4 listing, byte for byte`, () => {
      const ours = disassembleObject(readElfFile(path.join(FIXTURES, `${name}.o`)), {
        relocations: true,
        fileName: `${name}.o`,
      });
      expect(ours).toBe(readFileSync(path.join(FIXTURES, `${name}.objdump`), "utf8"));
    });

    it(`${name}.o: sections without relocations validate; the lossless listing assembles back to the section bytes`, () => {
      const obj = readElfFile(path.join(FIXTURES, `${name}.o`));
      const listing = disassembleObject(obj, { relocations: true, lossless: true });
      const sections = obj.programs.filter((p) => p.insns.length > 0);
      const expected = Buffer.concat(sections.map((p) => p.section.data)).toString("hex");
      expect(Buffer.from(encode(assembleLlvm(listing, `${name}.listing`))).toString("hex")).toBe(
        expected,
      );
      // Relocated calls and loads are placeholders until a loader patches them.
      for (const p of sections)
        if (p.relocations.length === 0) validate(p.insns, `${name}.o:${p.section.name}`);
    });
  }
});

describe("against freshly built objects and the installed llvm-objdump-19", () => {
  const haveObjdump = toolsOrWarn(
    "comparison with the installed llvm-objdump-19",
    "llvm-objdump-19",
  );
  const haveClang = toolsOrWarn("compiling the C fixtures", "clang-19", "llvm-objdump-19");

  it.skipIf(!haveObjdump)(
    "committed objects: ours equals llvm-objdump-19 with and without raw bytes",
    () => {
      for (const c of sources) {
        const o = c.replace(/\.c$/, ".o");
        const obj = readElfFile(path.join(FIXTURES, o));
        for (const raw of [true, false]) {
          const theirs = run(
            "llvm-objdump-19",
            ["-d", "--mcpu=v4", ...(raw ? [] : ["--no-show-raw-insn"]), o],
            FIXTURES,
          );
          expect(
            squash(disassembleObject(obj, { rawInsn: raw, fileName: o })),
            `${o} raw=${raw}`,
          ).toBe(squash(theirs));
        }
      }
    },
  );

  it.skipIf(!haveClang)(
    "each C fixture compiled now with clang-19 -target bpf -O2: ours equals llvm-objdump-19 -d --no-show-raw-insn",
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), "iochain-clang-"));
      try {
        for (const c of sources) {
          const o = c.replace(/\.c$/, ".o");
          run("clang-19", [
            "-target",
            "bpf",
            "-O2",
            ...cflagsOf(c),
            "-c",
            path.join(FIXTURES, c),
            "-o",
            path.join(dir, o),
          ]);
          const theirs = run(
            "llvm-objdump-19",
            ["-d", "-r", "--no-show-raw-insn", "--mcpu=v4", o],
            dir,
          );
          const ours = disassembleObject(readElfFile(path.join(dir, o)), {
            rawInsn: false,
            relocations: true,
            fileName: o,
          });
          expect(squash(ours), c).toBe(squash(theirs));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
