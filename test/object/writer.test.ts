import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBtfExt } from "../../src/bpf/btf-ext.js";
import { dumpBtf, readBtf } from "../../src/bpf/btf-read.js";
import { SHF, SHT, STB, STT } from "../../src/bpf/elf/constants.js";
import { linkProgram } from "../../src/bpf/elf/link.js";
import { disassembleObject } from "../../src/bpf/elf/objdump.js";
import { readElf } from "../../src/bpf/elf/reader.js";
import { writeElf } from "../../src/object/writer.js";
import { XRP_CTX_SIZE, XRP_SECTION, XrpCtx } from "../../src/object/xrp-layout.js";
import type { Insn } from "../../src/bpf/insn.js";
import { LD_IMM64, PseudoLd } from "../../src/bpf/opcodes.js";
import { CTX_SIZE, Ctx } from "../../src/abi/artifact.js";
import { BpfError } from "../../src/diagnostics.js";
import { makeArtifact } from "../runtime/fixtures.js";
import { run, toolsOrWarn } from "../bpf/support/tools.js";
import { ALL_CASES, withCalls, withMaps } from "./artifacts.js";

const withoutPos = (insns: readonly Insn[]) => insns.map(({ pos: _pos, ...rest }) => rest);
const objectOf = (name: string) => {
  const c = ALL_CASES[name]();
  const bytes = writeElf(c.artifact, { target: "linux", sourceText: c.source });
  return { c, bytes, obj: readElf(bytes, `${name}.o`) };
};

describe("writeElf, read back with our reader and linker", () => {
  for (const name of Object.keys(ALL_CASES)) {
    it(`${name}: linking the object gives back the artifact's instructions, positions and maps`, () => {
      const { c, obj } = objectOf(name);
      const linked = linkProgram(obj);
      expect(linked.name).toBe(c.artifact.name);
      expect(linked.section).toBe("syscall");
      expect(withoutPos(linked.insns)).toEqual(withoutPos(c.artifact.insns));
      expect(linked.insns.map((i) => i.pos)).toEqual(c.artifact.insns.map((i) => i.pos));
      expect(linked.maps.map((m) => [m.name, m.valueSize, m.readOnlyProg])).toEqual(
        c.artifact.maps.map((m) => [m.name, m.valueSize, m.readOnlyProg]),
      );
      c.artifact.maps.forEach((m, i) => {
        const init = new Uint8Array(m.valueSize);
        if (m.init) init.set(m.init);
        expect(linked.maps[i].init).toEqual(init);
      });
      expect(linked.license).toBe("GPL");
    });
  }

  it("the object's layout: ET_REL, EM_BPF, entry global in `syscall`, callees local in .text, one variable per map", () => {
    const { obj } = objectOf("calls");
    expect(obj.header.type).toBe(1);
    expect(obj.header.machine).toBe(247);
    const sym = (name: string) => obj.symbols.find((s) => s.name === name)!;
    expect(sym("calls")).toMatchObject({
      bind: STB.GLOBAL,
      type: STT.FUNC,
      value: 0,
      size: 13 * 8,
    });
    expect(sym("calls").shndx).toBe(obj.section("syscall")!.index);
    const text = obj.section(".text")!;
    expect(text.flags).toBe(SHF.ALLOC | SHF.EXECINSTR);
    const callees = obj.symbols.filter((s) => s.shndx === text.index && s.type === STT.FUNC);
    expect(callees.map((s) => [s.name, s.bind, s.value, s.size])).toEqual([
      ["calls_fn1", STB.LOCAL, 0, 5 * 8],
      ["calls_fn2", STB.LOCAL, 40, 3 * 8],
    ]);
    // Each call carries R_BPF_64_32 against its callee, imm -1.
    const calls = obj.programs.flatMap((p) =>
      p.relocations.map((r) => [p.section.name, r.offset, r.typeName, r.symbol.name]),
    );
    expect(calls).toEqual([
      [".text", 8, "R_BPF_64_32", "calls_fn2"],
      ["syscall", 16, "R_BPF_64_32", "calls_fn1"],
      ["syscall", 40, "R_BPF_64_32", "calls_fn2"],
    ]);
    for (const p of obj.programs)
      for (const r of p.relocations) expect(p.insns[r.offset / 8].imm).toBe(-1);
    for (const m of ["block", "scratch"]) {
      const section = obj.section(`.data.${m}`)!;
      expect(section.flags).toBe(SHF.ALLOC | SHF.WRITE);
      expect(sym(m)).toMatchObject({
        bind: STB.GLOBAL,
        type: STT.OBJECT,
        shndx: section.index,
        value: 0,
      });
    }
  });

  it("map references become R_BPF_64_64 against the map's variable with imm = offset; read-only maps go to .rodata.*", () => {
    const { obj } = objectOf("maps");
    const prog = obj.programs.find((p) => p.section.name === "syscall")!;
    const refs = prog.relocations.map((r) => ({
      sym: r.symbol.name,
      type: r.typeName,
      insn: prog.insns.find((_, i) => slotOf(prog.insns, i) * 8 === r.offset)!,
    }));
    expect(refs.map((r) => [r.sym, r.type, r.insn.src, r.insn.imm, r.insn.imm2])).toEqual([
      ["block", "R_BPF_64_64", 0, 0, 0],
      ["scratch", "R_BPF_64_64", 0, 0, 0],
      ["extents", "R_BPF_64_64", 0, 16, 0],
    ]);
    expect(obj.section(".rodata.extents")!.flags).toBe(SHF.ALLOC);
    expect(obj.section(".rodata.extents")!.type).toBe(SHT.PROGBITS);
  });

  it(".BTF describes struct iochain_ctx, the functions and one DATASEC per map", () => {
    const { obj } = objectOf("maps");
    const btf = readBtf(obj.section(".BTF")!.data);
    const ctx = btf.type(btf.find("iochain_ctx", "struct")!);
    expect(ctx).toMatchObject({ kind: "struct", size: CTX_SIZE });
    const offsets =
      ctx!.kind === "struct"
        ? Object.fromEntries(ctx!.members.map((m) => [m.name, m.bitOffset / 8]))
        : {};
    expect(offsets).toEqual({
      offset: Ctx.offset,
      size: Ctx.size,
      hop: Ctx.hop,
      resume: Ctx.resume,
      status: Ctx.status,
      next_offset: Ctx.nextOffset,
      next_size: Ctx.nextSize,
      error: Ctx.error,
      value: Ctx.value,
      value_len: Ctx.valueLen,
      rows: Ctx.rows,
      next_dev: Ctx.nextDev,
      args: Ctx.args,
      file: Ctx.file,
      next_file: Ctx.nextFile,
    });
    const dump = dumpBtf(btf);
    expect(dump).toContain("FUNC 'list_walk_ext' type_id=");
    expect(dump).toMatch(
      /DATASEC '.data.block' size=512 vlen=1\n\ttype_id=\d+ offset=0 size=512 \(VAR 'block'\)/,
    );
    expect(dump).toMatch(/DATASEC '.rodata.extents' size=112 vlen=1/);
    expect(dump).toMatch(/STRUCT 'iochain_extents' size=112 vlen=3/);
  });

  it(".BTF.ext: func_info per function and line_info at each new .ioc position, with the line's text", () => {
    const { c, obj } = objectOf("calls");
    const btf = readBtf(obj.section(".BTF")!.data);
    const ext = readBtfExt(obj.section(".BTF.ext")!.data, btf);
    expect(
      ext.funcInfo.map((s) => [
        s.section,
        s.records.map((r) => [r.insnOff, (btf.type(r.typeId) as { name: string }).name]),
      ]),
    ).toEqual([
      ["syscall", [[0, "calls"]]],
      [
        ".text",
        [
          [0, "calls_fn1"],
          [40, "calls_fn2"],
        ],
      ],
    ]);
    const lines = c.source.split("\n");
    for (const s of ext.lineInfo)
      for (const r of s.records) {
        expect(r.file).toBe("calls.ioc");
        expect(r.lineText).toBe(lines[r.line - 1]);
      }
    // Three instructions per fake line: the entry's 13 instructions start 5 lines.
    expect(ext.lineInfo[0].records.map((r) => [r.insnOff / 8, r.line, r.col])).toEqual([
      [0, 1, 3],
      [1, 1, 7],
      [2, 1, 11],
      [3, 2, 3],
      [4, 2, 7],
      [5, 2, 11],
      [6, 3, 3],
      [7, 3, 7],
      [8, 3, 11],
      [9, 4, 3],
      [10, 4, 7],
      [11, 4, 11],
      [12, 5, 3],
    ]);
  });

  it("instructions without a position inherit the line before them; each function still starts with a record", () => {
    const c = withCalls();
    c.artifact.insns.forEach((insn, i) => {
      insn.pos = i === 0 ? { file: "calls.ioc", line: 1, col: 1 } : undefined;
    });
    const obj = readElf(writeElf(c.artifact, { target: "linux" }));
    const btf = readBtf(obj.section(".BTF")!.data);
    const ext = readBtfExt(obj.section(".BTF.ext")!.data, btf);
    expect(
      ext.lineInfo.map((s) => [s.section, s.records.map((r) => [r.insnOff, r.line, r.lineText])]),
    ).toEqual([
      ["syscall", [[0, 1, ""]]],
      [
        ".text",
        [
          [0, 1, ""],
          [40, 1, ""],
        ],
      ],
    ]);
    const linked = linkProgram(obj);
    expect(linked.insns.every((i) => i.pos?.line === 1)).toBe(true);
  });

  it("writes the same bytes for the same artifact", () => {
    const a = withMaps();
    const b = withMaps();
    expect(writeElf(a.artifact, { target: "linux", sourceText: a.source })).toEqual(
      writeElf(b.artifact, { target: "linux", sourceText: b.source }),
    );
  });

  it("refuses what it cannot express, with E0134 and the instruction's position", () => {
    const err = (art: ReturnType<typeof makeArtifact>) => {
      try {
        writeElf(art, { target: "linux" });
      } catch (e) {
        if (e instanceof BpfError) return `${e.code} ${e.message}${e.pos ? ` @${e.pos.line}` : ""}`;
        throw e;
      }
      return "no error";
    };
    const pos = { file: "x.ioc", line: 9, col: 1 };
    const exit = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
    expect(err(makeArtifact({ name: "bad name", insns: [exit] }))).toMatch(
      /^E0134 .*not a C identifier/,
    );
    expect(err(makeArtifact({ insns: [] }))).toMatch(/^E0134 .*no instructions/);
    expect(err(makeArtifact({ insns: [{ ...mapRef(5), pos }, exit] }))).toMatch(
      /^E0134 .*map #5.*@9/,
    );
    expect(
      err(
        makeArtifact({
          insns: [{ code: LD_IMM64, dst: 1, src: PseudoLd.MAP_FD, off: 0, imm: 0, imm2: 0 }, exit],
        }),
      ),
    ).toMatch(/^E0134 .*src 1/);
    expect(
      err(makeArtifact({ insns: [{ code: 0x85, dst: 0, src: 1, off: 0, imm: 5 }, exit] })),
    ).toMatch(/^E0134 .*outside the program/);
    expect(
      err(makeArtifact({ insns: [{ code: 0x85, dst: 0, src: 1, off: 0, imm: -1 }, exit] })),
    ).toMatch(/^E0134 .*entry function/);
    // A jump from the entry into the callee.
    const crossing = [
      { code: 0x85, dst: 0, src: 1, off: 0, imm: 1 },
      { code: 0x05, dst: 0, src: 0, off: 0, imm: 0 },
      exit,
    ];
    expect(err(makeArtifact({ insns: crossing }))).toMatch(/^E0134 .*one function into another/);
    const tooBig = makeArtifact({ insns: [exit] });
    tooBig.maps[0].init = new Uint8Array(tooBig.maps[0].valueSize + 1);
    expect(err(tooBig)).toMatch(/^E0134 .*more than its/);
  });

  it("xrp target: section xrp_prog, struct bpf_xrp as the context, same code", () => {
    const c = withCalls();
    const obj = readElf(writeElf(c.artifact, { target: "xrp", sourceText: c.source }));
    expect(obj.section(XRP_SECTION)).toBeDefined();
    expect(obj.section("syscall")).toBeUndefined();
    const linked = linkProgram(obj);
    expect(linked.section).toBe(XRP_SECTION);
    expect(withoutPos(linked.insns)).toEqual(withoutPos(c.artifact.insns));
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
  });
});

const mapRef = (map: number): Insn => ({
  code: LD_IMM64,
  dst: 1,
  src: PseudoLd.MAP_VALUE,
  off: 0,
  imm: map,
  imm2: 0,
});
function slotOf(insns: readonly Insn[], index: number): number {
  let slot = 0;
  for (let i = 0; i < index; i++) slot += insns[i].code === LD_IMM64 ? 2 : 1;
  return slot;
}

describe("LLVM's tools read our objects", () => {
  const haveLlvm = toolsOrWarn(
    "reading our objects with llvm-objdump-19 / llvm-readelf-19",
    "llvm-objdump-19",
    "llvm-readelf-19",
  );
  const dir = mkdtempSync(path.join(tmpdir(), "iochain-elf-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of Object.keys(ALL_CASES))
    for (const target of ["linux", "xrp"] as const)
      it.skipIf(!haveLlvm)(
        `${name} (${target}): llvm-readelf-19 -a and llvm-objdump-19 -d -r print no warning; the listing equals ours`,
        () => {
          const c = ALL_CASES[name]();
          const bytes = writeElf(c.artifact, { target, sourceText: c.source });
          const file = path.join(dir, `${name}-${target}.o`);
          writeFileSync(file, bytes);
          for (const [tool, args] of [
            ["llvm-readelf-19", ["-a", file]],
            ["llvm-objdump-19", ["-d", "-r", file]],
          ] as const) {
            const r = spawnSync(tool, args, { encoding: "utf8" });
            expect(r.status, `${tool}: ${r.stderr}`).toBe(0);
            expect(r.stderr, tool).toBe("");
          }
          const theirs = run(
            "llvm-objdump-19",
            ["-d", "-r", "--mcpu=v4", path.basename(file)],
            dir,
          );
          const ours = disassembleObject(readElf(bytes, path.basename(file)), {
            relocations: true,
            fileName: path.basename(file),
          });
          const squash = (t: string) =>
            t
              .split("\n")
              .map((l) => l.replace(/\s+/g, " ").trim())
              .filter(Boolean)
              .join("\n");
          expect(squash(ours)).toBe(squash(theirs));
        },
      );
});
