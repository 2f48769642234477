import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EM_BPF, R_BPF, SHF, SHT, STB, STT } from "../../../src/bpf/elf/constants.js";
import { readElf, readElfFile } from "../../../src/bpf/elf/reader.js";
import { BpfError } from "../../../src/diagnostics.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures/clang");
const fixture = (name: string) => path.join(FIXTURES, name);
const bytesOf = (name: string) => new Uint8Array(readFileSync(fixture(name)));

function errorOf(data: Uint8Array): string {
  try {
    readElf(data, "x.o");
  } catch (err) {
    if (err instanceof BpfError) return `${err.code} ${err.message}`;
    throw err;
  }
  return "no error";
}

describe("readElf on clang objects", () => {
  it("helpers.o: sections, license, program, relocations against maps and globals", () => {
    const obj = readElfFile(fixture("helpers.o"));
    expect(obj.header.machine).toBe(EM_BPF);
    expect(obj.sections.map((s) => s.name)).toEqual([
      "",
      ".strtab",
      ".text",
      "syscall",
      ".relsyscall",
      ".data",
      ".rodata",
      ".maps",
      ".bss",
      "license",
      ".llvm_addrsig",
      ".symtab",
    ]);
    expect(obj.license).toBe("GPL");
    expect(obj.section(".bss")).toMatchObject({ type: SHT.NOBITS, size: 8 });
    expect(obj.section(".bss")!.data.length).toBe(0);
    expect(obj.programs.map((p) => [p.section.name, p.insns.length])).toEqual([
      [".text", 0],
      ["syscall", 32],
    ]);
    const prog = obj.programs[1];
    expect(prog.section.flags & SHF.EXECINSTR).toBeTruthy();
    expect(prog.functions.map((f) => [f.name, f.slot, f.slots, f.first, f.end])).toEqual([
      ["count", 0, 36, 0, 32],
    ]);
    expect(prog.functions[0].symbol).toMatchObject({ bind: STB.GLOBAL, type: STT.FUNC, size: 288 });
    expect(prog.relocations.map((r) => [r.offset, r.typeName, r.symbol.name])).toEqual([
      [0x28, "R_BPF_64_64", "counters"],
      [0x68, "R_BPF_64_64", "seed"],
      [0x90, "R_BPF_64_64", "weights"],
      [0xd0, "R_BPF_64_64", "calls"],
    ]);
    expect(obj.symbols.find((s) => s.name === "weights")).toMatchObject({
      type: STT.OBJECT,
      size: 32,
    });
  });

  it("calls.o: functions in .text, calls relocated against the section symbol and by name", () => {
    const obj = readElfFile(fixture("calls.o"));
    const text = obj.programs.find((p) => p.section.name === ".text")!;
    expect(text.functions.map((f) => [f.name, f.slot, f.slots])).toEqual([
      ["clamp", 0, 7],
      ["hash", 7, 16],
      ["step", 23, 11],
    ]);
    expect(text.functions.map((f) => f.symbol.bind)).toEqual([STB.GLOBAL, STB.LOCAL, STB.LOCAL]);
    const syscall = obj.programs.find((p) => p.section.name === "syscall")!;
    expect(syscall.functions.map((f) => f.name)).toEqual(["mix", "loop"]);
    expect(syscall.relocations.map((r) => [r.type, r.symbol.name, r.symbol.type])).toEqual([
      [R_BPF["64_32"], ".text", STT.SECTION],
      [R_BPF["64_32"], ".text", STT.SECTION],
      [R_BPF["64_32"], "clamp", STT.FUNC],
      [R_BPF["64_64"], ".text", STT.SECTION],
      [R_BPF["64_32"], "clamp", STT.FUNC],
    ]);
  });
});

describe("readElf rejects malformed input with a BpfError", () => {
  const good = bytesOf("helpers.o");
  const patched = (at: number, values: number[]) => {
    const copy = good.slice();
    copy.set(values, at);
    return copy;
  };
  const le16 = (n: number) => [n & 0xff, n >> 8];

  it("not an ELF file", () =>
    expect(errorOf(new TextEncoder().encode("hello world"))).toBe(
      "E0130 x.o: not an ELF file (no \\x7fELF magic)",
    ));
  it("an empty file", () =>
    expect(errorOf(new Uint8Array())).toBe("E0130 x.o: not an ELF file (no \\x7fELF magic)"));
  it("a truncated header", () =>
    expect(errorOf(good.subarray(0, 20))).toBe(
      "E0131 x.o: the ELF header (bytes 0..64) lies past the end of the file (20 bytes): the file is truncated or corrupt",
    ));
  it("a 32-bit ELF", () =>
    expect(errorOf(patched(4, [1]))).toBe("E0130 x.o: only 64-bit ELF is supported (class 1)"));
  it("a big-endian ELF", () =>
    expect(errorOf(patched(5, [2]))).toBe(
      "E0130 x.o: only little-endian ELF is supported (data encoding 2)",
    ));
  it("another machine", () =>
    expect(errorOf(patched(0x12, le16(62)))).toBe(
      "E0130 x.o: not an eBPF object (e_machine 62, expected 247 EM_BPF)",
    ));
  it("a file cut before its section headers", () =>
    expect(errorOf(good.subarray(0, 0x300))).toMatch(
      /^E0131 x\.o: the section header table \(12 entries\) \(bytes \d+\.\.\d+\) lies past the end of the file \(768 bytes\)/,
    ));
  it("a section name table index out of range", () =>
    expect(errorOf(patched(0x3e, le16(40)))).toBe(
      "E0132 x.o: the section name table index 40 is not a section (there are 12)",
    ));
  it("a program section whose size is not whole instructions", () => {
    const shoff = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0x28, true));
    const sizeField = shoff + 3 * 64 + 0x20; // section 3 (syscall), sh_size
    expect(errorOf(patched(sizeField, [0x1c, 0x01]))).toBe(
      "E0101 x.o: section syscall: bytecode length 284 is not a multiple of 8 (truncated instruction at byte 280)",
    );
  });
  it("a section whose contents lie past the end", () => {
    const shoff = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0x28, true));
    expect(errorOf(patched(shoff + 5 * 64 + 0x18, [0, 0, 0, 1]))).toBe(
      `E0131 x.o: the contents of section 5 (bytes 16777216..16777224) lies past the end of the file (${good.length} bytes): the file is truncated or corrupt`,
    );
  });

  it("never throws anything but a BpfError on truncated or corrupted objects (fuzz)", () => {
    const objects = ["helpers.o", "calls.o", "atomics.o"].map(bytesOf);
    fc.assert(
      fc.property(
        fc.nat(objects.length - 1),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (which, cut, flips) => {
          const base = objects[which];
          const data = base.slice(0, cut % (base.length + 1));
          for (const [at, value] of flips) if (data.length > 0) data[at % data.length] = value;
          try {
            readElf(data, "fuzz.o");
          } catch (err) {
            if (!(err instanceof BpfError)) throw err;
          }
        },
      ),
      { numRuns: 2000, seed: 1234 },
    );
  });
});
