// The hand-written C storage functions (bench/c/*.c) as the chain driver sees them: the same ABI
// as a compiled .ioc (docs/abi.md) with the C program's own scratch layout, written down here by
// hand, plus a reader that turns a clang object into a runnable ProgramArtifact by resolving its
// references to the `.data.block` / `.data.scratch` / `.rodata.extents` globals into map_value
// loads (what libbpf does). Each program builds two ways: with the extent translation and access
// checks iochain compiles into every resubmit (bench/c/iochain.h), and plain, without them.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Insn } from "../src/bpf/insn.js";
import { readElfFile, type ElfObject } from "../src/bpf/elf/reader.js";
import { LD_IMM64, PseudoLd } from "../src/bpf/opcodes.js";
import { MapIndex, type MapSpec, type ProgramArtifact } from "../src/abi/artifact.js";
import { extentTableBytes } from "../src/abi/extents.js";
import { packageRoot } from "../src/files.js";
import type { ExampleName } from "./workloads.js";

/** The repository root (this file runs from bench/ or from dist/bench/). */
export const repoRoot: string = packageRoot();

export const C_DIR = join(repoRoot, "bench", "c");
export const CLANG = process.env.CLANG ?? "clang-19";
/** The flags bench/c/build.sh uses too. */
export const CLANG_FLAGS = ["-O2", "-target", "bpf", "-g", "-Wall", "-c"];

/**
 * `extents`: every resubmit translates its file offset through the extents map and runs iochain's
 * access checks (the like-for-like build); `plain`: no extents map, no checks (-DIOCHAIN_NO_EXTENTS).
 */
export type CVariant = "extents" | "plain";
export const C_VARIANTS: readonly CVariant[] = ["extents", "plain"];
const VARIANT_FLAGS: Record<CVariant, string[]> = { extents: [], plain: ["-DIOCHAIN_NO_EXTENTS"] };

/** The C programs' extents map: bench/c/iochain.h's EXTENT_CAPACITY (256), as iochain's default. */
export const C_EXTENT_CAPACITY = 256;
export const EXTENTS_SECTION = ".rodata.extents";
const extentsMap = (valueSize: number): MapSpec => ({
  name: "extents",
  valueSize,
  mmapable: true,
  readOnlyProg: true,
});

type Abi = Omit<ProgramArtifact, "name" | "file" | "insns" | "maps" | "start" | "state" | "files">;

const u64 = "u64" as const;
const errors = (...names: string[]) => names.map((name, i) => ({ code: 16 + i, name }));

/** Each C program's entry point and ABI facts; scratch offsets follow its `scratch` struct. */
export const C_PROGRAMS: Record<ExampleName, { fn: string; abi: Abi }> = {
  bptree: {
    fn: "lookup",
    abi: {
      blockSize: 512,
      maxChain: 7,
      params: [{ name: "key", type: u64 }],
      result: { kind: "bytes", length: 64, offset: 8 },
      errors: errors("corrupt_node", "not_found"),
      aggregates: [],
    },
  },
  range: {
    fn: "scan",
    abi: {
      blockSize: 512,
      maxChain: 1_000_000,
      params: [
        { name: "lo", type: u64 },
        { name: "hi", type: u64 },
      ],
      result: { kind: "none" },
      errors: errors("corrupt_node"),
      output: {
        offset: 48,
        rowSize: 16,
        capacity: 32,
        fields: [
          { name: "key", type: u64, offset: 0 },
          { name: "ptr", type: u64, offset: 8 },
        ],
      },
      aggregates: [
        { name: "count", kind: "count", type: u64, offset: 8 },
        // The 128-bit sum (docs/abi.md): low word at 16, high word at 24.
        { name: "sum", kind: "sum", type: u64, offset: 16 },
        // min and max have no value over zero rows: the row count is `count`'s slot.
        { name: "min", kind: "min", type: u64, offset: 32, countOffset: 8 },
        { name: "max", kind: "max", type: u64, offset: 40, countOffset: 8 },
      ],
    },
  },
  sstable: {
    fn: "lookup",
    abi: {
      blockSize: 4096,
      maxChain: 3,
      params: [{ name: "key", type: u64 }],
      result: { kind: "bytes", length: 32, offset: 16 },
      errors: errors("bad_magic", "corrupt_index", "not_found", "bad_varint", "loop_limit"),
      aggregates: [],
    },
  },
  slotted: {
    fn: "lookup",
    abi: {
      blockSize: 4096,
      maxChain: 10,
      params: [{ name: "rowid", type: u64 }],
      result: { kind: "bytes", length: 64, offset: 0 },
      errors: errors("corrupt_page", "not_found", "loop_limit"),
      aggregates: [],
    },
  },
};

/**
 * The C program's ABI for the chain driver alone (no instructions: libbpf loads the object). The
 * extents build lists its extents map, so that the driver checks every `ctx.next_dev` against the
 * table (a disagreement is E0931).
 */
export function cAbiArtifact(name: ExampleName, variant: CVariant = "extents"): ProgramArtifact {
  const { fn, abi } = C_PROGRAMS[name];
  return {
    ...abi,
    name: fn,
    file: join(C_DIR, `${name}.c`),
    insns: [],
    maps: variant === "extents" ? [extentsMap(extentTableBytes(C_EXTENT_CAPACITY))] : [],
    start: 0n,
    state: [],
    files: [],
  };
}

/** Compiles bench/c/<name>.c into `outDir` (`<name>.o`, `<name>-plain.o`); returns the object's path. */
export function compileC(name: ExampleName, outDir: string, variant: CVariant = "extents"): string {
  const out = join(outDir, variant === "plain" ? `${name}-plain.o` : `${name}.o`);
  const flags = [...CLANG_FLAGS, ...VARIANT_FLAGS[variant]];
  const r = spawnSync(CLANG, [...flags, join(C_DIR, `${name}.c`), "-o", out], {
    encoding: "utf8",
  });
  if (r.error) throw new Error(`${CLANG} cannot be run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${CLANG} failed on ${name}.c:\n${r.stderr}`);
  return out;
}

/**
 * A copy of `object` (at `out`) whose `.rodata.extents` holds `table` (an encoded extent table):
 * what libbpf's bpf_map__set_initial_value does before the load. libbpf then fills the map with
 * these bytes and freezes it. Returns `out`.
 */
export function withExtentTable(object: string, table: Uint8Array, out: string): string {
  const bytes = new Uint8Array(readFileSync(object));
  const section = readElfFile(object).sections.find((s) => s.name === EXTENTS_SECTION);
  if (!section) throw new Error(`${object}: no ${EXTENTS_SECTION} section (a plain build?)`);
  if (table.length > section.size)
    throw new Error(
      `${object}: an extent table of ${table.length} bytes does not fit in ${section.size}`,
    );
  bytes.fill(0, section.offset, section.offset + section.size);
  bytes.set(table, section.offset);
  writeFileSync(out, bytes);
  return out;
}

/** Instructions (ld_imm64 counted once) in every executable section: the program and its callees. */
export function countInsns(elf: ElfObject): number {
  return elf.programs.reduce((n, p) => n + p.insns.length, 0);
}

/**
 * The C program as an artifact our runtimes load: its instructions with each reference to a
 * `.data.block` / `.data.scratch` / `.rodata.extents` global turned into `ld_imm64
 * map_value(index) + offset` (extents: index 2, present in the extents build). Objects
 * that need more of a loader (bpf_loop callbacks, calls) are refused: load those with libbpf.
 */
export function cArtifact(name: ExampleName, object: string): ProgramArtifact {
  const elf = readElfFile(object);
  const { fn, abi } = C_PROGRAMS[name];
  const prog = elf.programs.find((p) => p.section.name === "syscall");
  const func = prog?.functions.find((f) => f.name === fn);
  if (!prog || !func) throw new Error(`${object}: no function \`${fn}\` in section syscall`);
  if (prog.functions.length !== 1 || elf.programs.some((p) => p !== prog && p.insns.length > 0)) {
    throw new Error(
      `${object}: code besides \`${fn}\` (callees, callbacks) needs a full loader: use libbpf`,
    );
  }
  const sizes = { block: 0, scratch: 0, extents: 0 };
  const slotToInsn = new Map<number, number>();
  let slot = 0;
  prog.insns.forEach((insn, i) => {
    slotToInsn.set(slot, i);
    slot += insn.code === LD_IMM64 ? 2 : 1;
  });
  const insns: Insn[] = prog.insns.map((insn) => ({ ...insn }));
  for (const rel of prog.relocations) {
    const i = slotToInsn.get(rel.offset / 8);
    const section = elf.sections[rel.symbol.shndx]?.name ?? "";
    const map =
      section === ".data.block"
        ? "block"
        : section === ".data.scratch"
          ? "scratch"
          : section === EXTENTS_SECTION
            ? "extents"
            : undefined;
    if (i === undefined || insns[i].code !== LD_IMM64 || !map) {
      throw new Error(
        `${object}: relocation against \`${rel.symbol.name}\` (${section}) needs a full loader: use libbpf`,
      );
    }
    sizes[map] = elf.sections[rel.symbol.shndx].size;
    insns[i] = {
      ...insns[i],
      src: PseudoLd.MAP_VALUE,
      imm: MapIndex[map],
      imm2: rel.symbol.value + insns[i].imm,
    };
  }
  const maps: MapSpec[] = (["block", "scratch"] as const).map((m) => ({
    name: m,
    valueSize: sizes[m],
    mmapable: true,
    readOnlyProg: false,
  }));
  // MapIndex.extents = 2: the extents map comes third, as in iochain's artifacts.
  if (sizes.extents > 0) maps.push(extentsMap(sizes.extents));
  return {
    ...abi,
    name: fn,
    file: join(C_DIR, `${name}.c`),
    insns,
    maps,
    start: 0n,
    state: [],
    files: [],
  };
}
