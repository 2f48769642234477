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
import { CHAIN_CTX_SIZE, chainCtxSize, MAX_CHAIN_FILES } from "../../../src/abi/chain.js";
import { compile } from "../../../src/compiler/pipeline.js";
import { buildChainProgram } from "../../../src/compiler/targets/kernel-chain.js";
import { MemoryBlockSource } from "../../../src/runtime/block-source.js";
import { type StepTarget, runChain } from "../../../src/runtime/driver.js";
import { bpfAvailable } from "../../../src/runtime/linux/syscall.js";
import { LinuxTarget } from "../../../src/runtime/linux/target.js";
import { SimTarget } from "../../../src/runtime/sim/target.js";
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

const bpf = bpfAvailable();
if (!bpf.ok) console.warn(`skipping the kernel's half of read-files.test.ts: ${bpf.reason}`);

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

  it("have a chain program for up to MAX_CHAIN_FILES files, each mapped (a larger ctx)", () => {
    const program = (n: number) =>
      compile(
        `storage fn f() -> u64 reads ${Array.from({ length: n }, (_, i) => `"f${i}.db"`).join(", ")} block 512 max_chain 2 {
    if block.offset == 0 { resubmit 512 in "f${n - 1}.db"; }
    return u64le at 0;
}
`,
        "f.ioc",
      );
    expect(buildChainProgram(compile(twoFiles, "f.ioc"), 8).ctxSize).toBe(chainCtxSize(2));
    expect(chainCtxSize(2)).toBe(CHAIN_CTX_SIZE + 16);
    expect(buildChainProgram(program(MAX_CHAIN_FILES), 8).ctxSize).toBe(
      chainCtxSize(MAX_CHAIN_FILES),
    );
    expect(refusal(() => buildChainProgram(program(MAX_CHAIN_FILES + 1), 8))).toBe(
      `E0937 f reads ${MAX_CHAIN_FILES + 1} files; a chain program maps at most ${MAX_CHAIN_FILES}`,
    );
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

// A resubmit inside a bpf_loop callback leaves the loop first; the storage function then goes to
// the file's tail through a dispatch on the ctx.next_file the callback wrote.
const fromLoop = `error absent;
storage fn f(k: u64) -> u64 reads "a.db", "b.db" block 512 max_chain 2 {
    stage first {
        for i in 0 .. 8 max 8 {
            let v = u64le at i * 8;
            if v == k { resubmit (i + 1) * 512 in "b.db" -> second; }
            if v == k + 1000 { resubmit (i + 1) * 512 in "a.db" -> second; }
        }
        fail absent;
    }
    stage second {
        return u64le at 0;
    }
}
`;

describe("a resubmit from a bpf_loop callback in a program that reads several files", () => {
  // a.db: block 0 holds 1..8, block i (1..8) starts with 100 + i; b.db: block i starts with 200 + i.
  const a = new Uint8Array(9 * 512);
  const b = new Uint8Array(9 * 512);
  const av = new DataView(a.buffer);
  const bv = new DataView(b.buffer);
  for (let i = 0; i < 8; i++) av.setBigUint64(i * 8, BigInt(i + 1), true);
  av.setBigUint64(7 * 8, 1003n, true); // slot 7 holds 1003: k = 3 matches slot 2 first
  for (let i = 1; i <= 8; i++) {
    av.setBigUint64(i * 512, BigInt(100 + i), true);
    bv.setBigUint64(i * 512, BigInt(200 + i), true);
  }
  const artifact = compile(fromLoop, "f.ioc", { loopCallbacks: "always" });
  const targets: [string, () => StepTarget][] = [
    ["the VM", () => SimTarget.create(artifact)],
    ...(bpf.ok
      ? [["the kernel", () => LinuxTarget.create(artifact)] as [string, () => StepTarget]]
      : []),
  ];
  it("is a bpf_loop callback", () => {
    expect(artifact.insns.some((i) => i.code === 0x85 && i.imm === 181)).toBe(true);
  });
  for (const [where, make] of targets) {
    it(`reads the file the callback named, on ${where}`, () => {
      const target = make();
      try {
        const run = (k: bigint) =>
          runChain(artifact, target, [new MemoryBlockSource(a), new MemoryBlockSource(b)], {
            args: { k },
          });
        // k = 5: slot 4 of a.db's block 0 is 5, so b.db's block 5.
        expect(run(5n)).toMatchObject({ status: "done", value: 205n, hops: 2 });
        // k = 3: slot 2 holds 3 (b.db) before slot 7's 1003 = k + 1000 (a.db): the first wins.
        expect(run(3n)).toMatchObject({ status: "done", value: 203n });
        // k = 42: only slot 7 (1042 = k + 1000) matches, so a.db's block 8.
        av.setBigUint64(7 * 8, 1042n, true);
        expect(run(42n)).toMatchObject({ status: "done", value: 108n, hops: 2 });
        expect(run(77n)).toMatchObject({ status: "failed", error: "absent", hops: 1 });
      } finally {
        av.setBigUint64(7 * 8, 1003n, true);
        target.close();
      }
    });
  }
});
