// linkProgram on clang-19's objects (the committed fixtures): programs found, callees appended,
// calls and callback addresses re-pointed, globals turned into map_value references.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { linkProgram, programNames } from "../../../src/bpf/elf/link.js";
import { readElf, readElfFile } from "../../../src/bpf/elf/reader.js";
import { slotOffsets } from "../../../src/bpf/insn.js";
import { Class, Jmp, LD_IMM64, PseudoCall, PseudoLd } from "../../../src/bpf/opcodes.js";
import { validate } from "../../../src/bpf/validate.js";
import { BpfError } from "../../../src/diagnostics.js";

const CLANG = path.resolve(__dirname, "../../fixtures/clang");
const BTF = path.resolve(__dirname, "../../fixtures/btf");

/** Slots each call and callback address of a linked program lands on. */
function codeTargets(insns: ReturnType<typeof linkProgram>["insns"]): number[] {
  const slots = slotOffsets(insns);
  return insns.flatMap((insn, i) =>
    (insn.code === (Class.JMP | Jmp.CALL) && insn.src === PseudoCall.LOCAL) ||
    (insn.code === LD_IMM64 && insn.src === PseudoLd.FUNC)
      ? [slots[i] + insn.imm + 1]
      : [],
  );
}

describe("linkProgram on clang-19 objects", () => {
  it("calls.o: both programs link with their callees appended in order of first reference", () => {
    const obj = readElfFile(path.join(CLANG, "calls.o"));
    expect(programNames(obj)).toEqual([
      { name: "mix", section: "syscall" },
      { name: "loop", section: "syscall" },
    ]);
    const text = obj.programs.find((p) => p.section.name === ".text")!;
    const size = (name: string) => text.functions.find((f) => f.name === name)!.slots;
    const entry = (name: string) =>
      obj.programs
        .find((p) => p.section.name === "syscall")!
        .functions.find((f) => f.name === name)!.slots;

    const mix = linkProgram(obj, "mix");
    // mix calls hash (a static function, reached through the .text section symbol) and clamp.
    expect(slotOffsets(mix.insns).at(-1)).toBe(entry("mix") + size("hash") + size("clamp"));
    validate(mix.insns, "mix");
    // Callees come in the order of first reference, as libbpf appends them: hash (insn 2), then
    // clamp (insn 12), although .text holds clamp first.
    const starts = new Set([entry("mix"), entry("mix") + size("hash")]);
    expect(new Set(codeTargets(mix.insns))).toEqual(starts);

    // loop passes `step` to bpf_loop (ld_imm64 src=func) and step calls hash.
    const loop = linkProgram(obj, "loop");
    expect(slotOffsets(loop.insns).at(-1)).toBe(
      entry("loop") + size("hash") + size("clamp") + size("step"),
    );
    validate(loop.insns, "loop");
    expect(loop.insns.some((i) => i.code === LD_IMM64 && i.src === PseudoLd.FUNC)).toBe(true);
  });

  it("loops.o: programs without calls link to their own instructions", () => {
    const obj = readElfFile(path.join(CLANG, "loops.o"));
    for (const { name } of programNames(obj)) {
      const linked = linkProgram(obj, name);
      const fn = obj.programs.flatMap((p) => p.functions).find((f) => f.name === name)!;
      const own = obj.programs.find((p) => p.functions.includes(fn))!.insns.slice(fn.first, fn.end);
      expect(linked.insns).toEqual(own);
      expect(linked.btf).toBeUndefined();
    }
  });

  it("asks which program when there are several, and names them", () => {
    const obj = readElfFile(path.join(CLANG, "loops.o"));
    expect(() => linkProgram(obj)).toThrow(/2 programs; name one/);
    try {
      linkProgram(obj, "nope");
    } catch (err) {
      expect(err).toBeInstanceOf(BpfError);
      expect((err as BpfError).code).toBe("E0135");
      expect((err as BpfError).diagnostic.hint).toBe("programs: search, sum_until");
    }
  });

  it("helpers.o: a reference to a BTF-defined .maps map is E0135 (our loader creates global-data maps only)", () => {
    const obj = readElfFile(path.join(CLANG, "helpers.o"));
    expect(() => linkProgram(obj, "count")).toThrow(/'counters'.*not a global variable/);
  });

  it("globals.o (clang -g): globals become map_value loads of their sections; line_info moves with the code", () => {
    const obj = readElf(new Uint8Array(readFileSync(path.join(BTF, "globals.o"))), "globals.o");
    const linked = linkProgram(obj, "prog");
    expect(linked.maps.map((m) => [m.section, m.name, m.valueSize, m.readOnlyProg])).toEqual([
      [".data.block", "block", 4096, false],
      [".data.scratch", "scratch", 512, false],
      [".rodata.settings", "settings", 16, true],
      [".data.mode", "current_mode", 4, false],
    ]);
    const refs = linked.insns
      .filter((i) => i.code === LD_IMM64)
      .map((i) => [i.src, linked.maps[i.imm].name, i.imm2]);
    expect(refs).toEqual(
      expect.arrayContaining([
        [PseudoLd.MAP_VALUE, "block", 0],
        [PseudoLd.MAP_VALUE, "scratch", 0],
      ]),
    );
    expect(linked.funcInfo.map((f) => f.insn)).toEqual([0, codeTargets(linked.insns)[0]]);
    const source = readFileSync(path.join(BTF, "globals.c"), "utf8").split("\n");
    for (const r of linked.lineInfo) expect(r.lineText).toBe(source[r.line - 1]);
    expect(linked.insns[0].pos).toMatchObject({ line: linked.lineInfo[0].line });
  });
});
