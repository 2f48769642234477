// Lowering a program that reads several files (docs/abi.md, "Several files"): one extents map per
// file in `reads` order, the first read's file, each resubmit's ctx.next_file and its own file's
// translation; a one-file program's code has none of it; XRP and compile-time binding refuse it.
import { describe, expect, it } from "vitest";
import { Ctx, extentsMapIndex, MapIndex, type ProgramArtifact } from "../../../src/abi/artifact.js";
import {
  Class,
  classOf,
  LD_IMM64,
  Mode,
  modeOf,
  PseudoLd,
  Size,
  sizeOf,
} from "../../../src/bpf/opcodes.js";
import { compile } from "../../../src/compiler/pipeline.js";
import { IochainError } from "../../../src/diagnostics.js";

const twoFiles = `storage fn f(k: u64) -> u64 reads "a.db", "b.db" block 512 start 512 in "b.db" max_chain 3 {
    stage first {
        if k == 0 { resubmit 0 in "a.db" -> second; }
        resubmit 1024 in "b.db" -> second;
    }
    stage second {
        return u64le at 0;
    }
}
`;

/** 32-bit stores at ctx.next_file's offset (`*(u32 *)(rX + 124) = ...`). */
const nextFileStores = (a: ProgramArtifact): number =>
  a.insns.filter(
    (i) =>
      (classOf(i.code) === Class.STX || classOf(i.code) === Class.ST) &&
      modeOf(i.code) === Mode.MEM &&
      sizeOf(i.code) === Size.W &&
      i.off === Ctx.nextFile,
  ).length;

/** The maps the program's `map_value` loads refer to. */
const mapRefs = (a: ProgramArtifact): Set<number> =>
  new Set(
    a.insns.filter((i) => i.code === LD_IMM64 && i.src === PseudoLd.MAP_VALUE).map((i) => i.imm),
  );

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (err) {
    if (err instanceof IochainError) return `${err.code} ${err.message}`;
    throw err;
  }
  return "compiled";
};

describe("programs that read several files", () => {
  it("have one extents map per file, in reads order, and the first read's file", () => {
    const a = compile(twoFiles, "f.ioc");
    expect(a.files).toEqual(["a.db", "b.db"]);
    expect(a.startFile).toBe(1);
    expect(a.maps.map((m) => [m.name, m.file])).toEqual([
      ["block", undefined],
      ["scratch", undefined],
      ["extents", 0],
      ["extents", 1],
    ]);
    expect(extentsMapIndex(1)).toBe(MapIndex.extents + 1);
    // Both files' tables are searched (each resubmit its own file's), and next_file is written.
    expect(mapRefs(a)).toEqual(new Set([MapIndex.block, MapIndex.scratch, 2, 3]));
    expect(nextFileStores(a)).toBeGreaterThan(0);
  });

  it("leave a one-file program's code as it was: no next_file, one extents map", () => {
    const one = compile(
      `storage fn f() -> u64 reads "a.db" block 512 max_chain 2 {
    if block.offset == 0 { resubmit 512 in "a.db"; }
    return u64le at 0;
}
`,
      "f.ioc",
    );
    expect(one.maps.map((m) => [m.name, m.file])).toEqual([
      ["block", undefined],
      ["scratch", undefined],
      ["extents", undefined],
    ]);
    expect(nextFileStores(one)).toBe(0);
    expect(one.startFile).toBeUndefined();
  });

  it("are refused by the xrp target (E0640) and by a compile-time extent table (E0637)", () => {
    expect(refusal(() => compile(twoFiles, "f.ioc", { target: "xrp" }))).toMatch(
      /^E0640 an XRP chain reads one file .*this program reads 2: "a.db", "b.db"/,
    );
    const extents = { generation: 1n, extents: [{ fileOffset: 0n, length: 4096n, devAddr: 0n }] };
    expect(refusal(() => compile(twoFiles, "f.ioc", { extents }))).toMatch(
      /^E0637 `f` reads 2 files; one bound extent table cannot serve them/,
    );
  });
});
