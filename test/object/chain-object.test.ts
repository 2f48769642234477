// linux objects with the chain program (writeElf's `chain` option, what `iochain compile --target
// linux` writes): for every example and every loadable compiler fixture, the step program is the
// same as in an object without it, the chain program links back to buildChainProgram's
// instructions, llvm-readelf/objdump read the object without complaint, and in the kernel both
// programs load through bpftool (libbpf) and through our loader with the same tags.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { linkProgram, programNames } from "../../src/bpf/elf/link.js";
import { readElf } from "../../src/bpf/elf/reader.js";
import { HOP_BLOCK_SECTION, writeElf } from "../../src/object/writer.js";
import { LD_IMM64, PseudoLd } from "../../src/bpf/opcodes.js";
import { encode } from "../../src/bpf/insn.js";
import { extentsMapFile, extentsMapName, MapIndex } from "../../src/abi/artifact.js";
import { compile } from "../../src/compiler/pipeline.js";
import { buildChainProgram, hasChainMaps } from "../../src/compiler/targets/kernel-chain.js";
import { loadElfFile } from "../../src/runtime/linux/elf-load.js";
import { repoRoot } from "../support/cli.js";
import { bpfFds, noBpf } from "../runtime/linux/kernel-fixtures.js";
import { makePinDir, type PinDir } from "./bpffs.js";
import { hasTool } from "../bpf/support/tools.js";

const CAPACITY = 64;

/** spawnSync's result, without blocking the event loop while the command runs. */
function spawnAsync(
  cmd: string,
  args: string[],
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (err) => resolve({ status: null, stderr: String(err) }));
    child.on("close", (status) => resolve({ status, stderr }));
  });
}
const kernelSkip = noBpf ?? (hasTool("bpftool") ? undefined : "bpftool not installed");
if (kernelSkip) console.warn(`skipping the kernel half of chain-object: ${kernelSkip}`);
const llvm = hasTool("llvm-readelf-19") && hasTool("llvm-objdump-19");
if (!llvm) console.warn("skipping llvm-readelf-19/llvm-objdump-19 checks: not installed");

/** As load-all.test.ts: fixtures that are complete storage functions meant to load. */
function loadable(source: string): boolean {
  if (!/^\s*storage\s+fn\b/m.test(source)) return false;
  return !source
    .split("\n")
    .some(
      (l) => /^\s*\/\/(?!!)/.test(l) && /not meant to load|does not load|verifier rejects/i.test(l),
    );
}

/** A program whose comments say its chain program is beyond the verifier's limit. */
const chainTooComplex = (source: string): boolean =>
  /^\s*\/\/.*chain program .*(too complex|beyond the verifier)/im.test(source);

const programs: string[] = [
  ...readdirSync(path.join(repoRoot, "examples"))
    .flatMap((dir) =>
      readdirSync(path.join(repoRoot, "examples", dir))
        .filter((f) => f.endsWith(".ioc"))
        .map((f) => `examples/${dir}/${f}`),
    )
    .sort(),
  ...readdirSync(path.join(repoRoot, "test/compiler/fixtures"))
    .filter((f) => f.endsWith(".ioc"))
    .sort()
    .map((f) => `test/compiler/fixtures/${f}`)
    .filter((rel) => loadable(readFileSync(path.join(repoRoot, rel), "utf8"))),
];

const readSource = (file: string): string | undefined => {
  try {
    return readFileSync(path.resolve(repoRoot, file), "utf8");
  } catch {
    return undefined;
  }
};

const stripPos = (insns: readonly { pos?: unknown }[]) =>
  insns.map(({ pos: _pos, ...rest }) => rest);

describe("linux objects carry the chain program", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "iochain-chain-object-"));
  const fdsBefore = kernelSkip ? [] : bpfFds();
  let pins: PinDir | undefined;
  afterAll(() => {
    pins?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
    if (!kernelSkip) expect(bpfFds()).toEqual(fdsBefore);
  });

  it("has programs to check", () => {
    expect(programs.length).toBeGreaterThanOrEqual(40);
  });

  for (const rel of programs) {
    it(`${rel}: step program unchanged, chain program = buildChainProgram, loads in both loaders`, async () => {
      const source = readFileSync(path.join(repoRoot, rel), "utf8");
      const artifact = compile(source, rel);
      if (!hasChainMaps(artifact)) return; // no block/scratch: no chain program to write
      const plain = writeElf(artifact, { target: "linux", sourceText: source, readSource });
      if (artifact.files.length > 1) {
        // Several files: one extents map each in the object.
        const sections = readElf(plain, rel).sections.map((s) => s.name);
        expect(sections).toContain(".rodata.extents");
        expect(sections).toContain(".rodata.extents_1");
      }
      const bytes = writeElf(artifact, {
        target: "linux",
        sourceText: source,
        readSource,
        chain: buildChainProgram(artifact, CAPACITY),
      });
      const chainName = `${artifact.name}_chain`;
      const obj = readElf(bytes, rel);
      const before = readElf(plain, rel);
      expect(programNames(obj)).toEqual([
        { name: artifact.name, section: "syscall" },
        { name: chainName, section: "syscall" },
      ]);

      // The step program: its code first in `syscall` and `.text`, byte for byte, and it links
      // (by default, without a name) to the same instructions as from the object without chains.
      for (const s of ["syscall", ".text"]) {
        const old = before.section(s)?.data ?? new Uint8Array();
        expect(obj.section(s)!.data.subarray(0, old.length), s).toEqual(old);
      }
      const step = linkProgram(obj);
      expect(step.name).toBe(artifact.name);
      expect(encode(step.insns)).toEqual(encode(linkProgram(before).insns));
      expect(encode(step.insns)).toEqual(encode(artifact.insns));

      // The chain program links back to what the runtime loads; its maps follow the artifact's.
      const chain = buildChainProgram(artifact, CAPACITY);
      // The chain program has its own block map (.data.hop_block, not mmapable under libbpf):
      // its references to it are the runtime's references to map 0.
      const linked = linkProgram(obj, chainName);
      const sections = [
        ...artifact.maps.map((m) => {
          const name = m.name === "extents" ? extentsMapName(extentsMapFile(m)) : m.name;
          return m.readOnlyProg ? `.rodata.${name}` : `.data.${name}`;
        }),
        ".data.chains",
        ".rodata.zeros",
        HOP_BLOCK_SECTION,
      ];
      expect(linked.maps.map((m) => m.section)).toEqual(sections);
      const asRuntime = linked.insns.map((insn) => {
        if (insn.code !== LD_IMM64 || insn.src !== PseudoLd.MAP_VALUE) return insn;
        const section = linked.maps[insn.imm].section;
        return {
          ...insn,
          imm: section === HOP_BLOCK_SECTION ? MapIndex.block : sections.indexOf(section),
        };
      });
      expect(stripPos(asRuntime)).toEqual(stripPos(chain.insns));
      expect(encode(asRuntime)).toEqual(encode(chain.insns));
      const used = new Set(
        linked.insns
          .filter((i) => i.code === LD_IMM64 && i.src === PseudoLd.MAP_VALUE)
          .map((i) => i.imm),
      );
      expect(
        used.has(sections.indexOf(".data.block")),
        "the chain program uses its own block",
      ).toBe(false);
      const map = (section: string) => linked.maps[sections.indexOf(section)];
      expect(map(".data.chains").valueSize).toBe(chain.recordSize * CAPACITY);
      expect(map(".rodata.zeros").valueSize).toBe(chain.maps[1].valueSize);
      expect(map(".rodata.zeros").init.every((b) => b === 0)).toBe(true);
      expect(map(HOP_BLOCK_SECTION).valueSize).toBe(artifact.blockSize);
      expect(linked.funcInfo.length).toBeGreaterThanOrEqual(3); // main, hop, step (+ callees)

      const name = rel.replace(/\.ioc$/, "").replace(/[^A-Za-z0-9_-]/g, "_");
      const object = path.join(tmp, `${name}.o`);
      writeFileSync(object, bytes);

      if (llvm) {
        for (const [tool, args] of [
          ["llvm-readelf-19", ["-a", object]],
          ["llvm-objdump-19", ["-d", "-r", object]],
        ] as const) {
          const r = spawnSync(tool, args, { encoding: "utf8" });
          expect(r.status, `${tool}: ${r.stderr}`).toBe(0);
          expect(r.stderr, tool).not.toMatch(/warning|error/i);
        }
      }

      if (kernelSkip) return;
      if (chainTooComplex(source)) {
        // Said in the program: the step program loads, the chain program (its hop inside bpf_loop
        // around the program's own bpf_loop) passes the verifier's 1M limit; `iochain run` falls
        // back to per-step runs then. Checked, so that the comment goes when it starts loading.
        loadElfFile(object, { program: artifact.name }).close();
        expect(() => loadElfFile(object, { program: chainName }).close()).toThrow(
          /gave up after walking|too many|too complex/,
        );
        return;
      }
      // Our loader: both programs; then libbpf through bpftool: both, same tags.
      const ours: Record<string, string> = {};
      for (const program of [artifact.name, chainName]) {
        const loaded = loadElfFile(object, { program });
        try {
          ours[program] = loaded.program.info().tag;
        } finally {
          loaded.close();
        }
        // A heavy program verifies for seconds: let vitest's worker answer its RPC in between.
        await new Promise((r) => setImmediate(r));
      }
      pins ??= makePinDir("chain-object");
      const dir = path.join(pins.root, name);
      try {
        // Asynchronously: libbpf verifies both programs again, which takes seconds for heavy ones.
        const load = await spawnAsync("bpftool", ["prog", "loadall", object, dir]);
        expect(load.status, `bpftool prog loadall ${rel}: ${load.stderr}`).toBe(0);
        for (const program of [artifact.name, chainName]) {
          const show = spawnSync(
            "bpftool",
            ["-j", "prog", "show", "pinned", path.join(dir, program)],
            {
              encoding: "utf8",
            },
          );
          expect(show.status, show.stderr).toBe(0);
          const info = JSON.parse(show.stdout) as { tag: string; map_ids: number[] };
          expect(info.tag, program).toBe(ours[program]);
          if (program !== chainName) continue;
          // libbpf makes the records mmapable (the driver maps them), the hop block not.
          const flags = new Map(
            info.map_ids.map((id) => {
              const m = JSON.parse(
                spawnSync("bpftool", ["-j", "map", "show", "id", String(id)], { encoding: "utf8" })
                  .stdout,
              ) as { name: string; flags: number };
              return [m.name, m.flags];
            }),
          );
          expect(flags.get(".data.chains")! & 0x400, ".data.chains mmapable").toBe(0x400);
          expect(flags.has(".data.block"), "the chain program uses .data.block").toBe(false);
          expect(flags.has(HOP_BLOCK_SECTION)).toBe(true);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("xrp objects are unchanged by the chain option", () => {
    const rel = "examples/bptree/lookup.ioc";
    const source = readFileSync(path.join(repoRoot, rel), "utf8");
    const artifact = compile(source, rel, { target: "xrp" });
    // The linux artifact's chain program: xrp artifacts have no block map to build one over.
    const chain = buildChainProgram(compile(source, rel, { target: "linux" }), CAPACITY);
    expect(
      writeElf(artifact, {
        target: "xrp",
        sourceText: source,
        chain,
      }),
    ).toEqual(writeElf(artifact, { target: "xrp", sourceText: source }));
  });
});
