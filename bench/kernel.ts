// Running a storage function in the kernel for measurement: an artifact loaded by our loader (maps
// created as LinuxTarget creates them), or an ELF object loaded by libbpf (`bpftool prog loadall`,
// then reopened by its pins) — either way a program fd plus the mmapped block and scratch maps. The
// chains then go through the ordinary chain driver; the kernel's run-time statistics give the time
// spent inside the program per step, and prog info the instructions the verifier processed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { ProgramArtifact } from "../src/abi/artifact.js";
import { ExtentDevice, MemoryBlockSource } from "../src/runtime/block-source.js";
import { type ChainOptions, type StepTarget, runChain } from "../src/runtime/driver.js";
import { identityExtents } from "../src/runtime/extents.js";
import { encodeExtentTable } from "../src/abi/extents.js";
import { BpfMap } from "../src/runtime/linux/maps.js";
import { BpfProgram, loadProgram } from "../src/runtime/linux/program.js";
import {
  bpfOrThrow,
  enableRunTimeStats,
  MappedRegion,
  NativeBuffer,
  OwnedFd,
} from "../src/runtime/linux/syscall.js";
import { TestRunner } from "../src/runtime/linux/test-run.js";
import { CTX_SIZE } from "../src/abi/artifact.js";
import { withExtentTable } from "./c-programs.js";
import type { Workload } from "./workloads.js";

export interface KernelProgram {
  program: BpfProgram;
  block: Uint8Array;
  scratch: Uint8Array;
  close(): void;
}

/** The artifact's maps and program, loaded by our own loader (src/runtime/linux). */
export function loadArtifact(artifact: ProgramArtifact, fileSize: bigint): KernelProgram {
  const maps: BpfMap[] = [];
  try {
    const views = new Map<string, Uint8Array>();
    for (const spec of artifact.maps) {
      const map = BpfMap.array({
        valueSize: spec.valueSize,
        mmapable: spec.mmapable,
        readOnlyProg: spec.readOnlyProg,
        name: spec.name,
      });
      maps.push(map);
      // A program with an extents map gets what `iochain run` gives it: its bound table, else the file as one extent.
      const init =
        spec.init ??
        (spec.name === "extents"
          ? encodeExtentTable(identityExtents(fileSize), spec.valueSize)
          : undefined);
      const full = init && new Uint8Array(spec.valueSize);
      full?.set(init!);
      if (spec.mmapable && !spec.readOnlyProg) {
        const bytes = map.mmap().subarray(0, spec.valueSize);
        if (full) bytes.set(full);
        views.set(spec.name, bytes);
      } else if (full) map.update(0, full);
      // Frozen before the load, as LinuxTarget and libbpf do: the verifier reads it as constants.
      // IOCHAIN_BENCH_NO_FREEZE=1 leaves it writable, to measure what freezing saves the verifier.
      if (spec.readOnlyProg && !process.env.IOCHAIN_BENCH_NO_FREEZE) map.freeze();
    }
    const program = loadProgram(artifact.insns, { maps, name: artifact.name, file: artifact.file });
    return {
      program,
      block: views.get("block")!,
      scratch: views.get("scratch")!,
      close: () => {
        program.close();
        for (const m of maps) m.close();
      },
    };
  } catch (err) {
    for (const m of maps) m.close();
    throw err;
  }
}

const BPF_OBJ_GET = 7;
const BPF_OBJ_GET_INFO_BY_FD = 15;

function objGet(path: string): number {
  const name = new NativeBuffer(Buffer.byteLength(path) + 1);
  const attr = new NativeBuffer(16);
  try {
    name.write(new TextEncoder().encode(path));
    attr.u64(0, name.address);
    return bpfOrThrow(BPF_OBJ_GET, attr, `BPF_OBJ_GET ${path}`);
  } finally {
    name.free();
    attr.free();
  }
}

/** value_size of a map, from BPF_OBJ_GET_INFO_BY_FD (struct bpf_map_info). */
function mapValueSize(fd: number): number {
  const info = new NativeBuffer(88);
  const attr = new NativeBuffer(16);
  try {
    attr.u32(0, fd);
    attr.u32(4, info.size);
    attr.u64(8, info.address);
    bpfOrThrow(BPF_OBJ_GET_INFO_BY_FD, attr, "BPF_OBJ_GET_INFO_BY_FD (map)");
    return info.view.getUint32(12, true);
  } finally {
    info.free();
    attr.free();
  }
}

/**
 * Loads `object` the way a C user does: libbpf through `bpftool prog loadall`, programs and maps
 * pinned in bpffs. We reopen program `fn` and the maps whose names end in `block` and `scratch`,
 * mmap those, and unpin everything at once (our descriptors and mappings keep the objects alive).
 * `extents` (an encoded extent table) goes into the object's `.rodata.extents` before the load, as
 * bpf_map__set_initial_value would put it; libbpf fills the map with it and freezes it.
 */
export function loadWithLibbpf(
  object: string,
  fn: string,
  options: { extents?: Uint8Array } = {},
): KernelProgram {
  if (options.extents) {
    const tmp = mkdtempSync(join(tmpdir(), "iochain-bench-extents-"));
    try {
      const patched = withExtentTable(object, options.extents, join(tmp, basename(object)));
      return loadWithLibbpf(patched, fn);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const dir = `/sys/fs/bpf/iochain-bench-${process.pid}-${Date.now()}`;
  const mapsDir = `${dir}-maps`;
  const fds: OwnedFd[] = [];
  const regions: MappedRegion[] = [];
  let program: BpfProgram | undefined;
  const release = (): void => {
    for (const region of regions) region.unmap();
    for (const fd of fds) fd.close();
    program?.close();
  };
  try {
    const r = spawnSync("bpftool", ["prog", "loadall", object, dir, "pinmaps", mapsDir], {
      encoding: "utf8",
    });
    if (r.error) throw new Error(`bpftool cannot be run: ${r.error.message}`);
    if (r.status !== 0)
      throw new Error(
        `bpftool prog loadall ${object} failed:\n${r.stderr.split("\n").slice(-12).join("\n")}`,
      );
    program = new BpfProgram(objGet(`${dir}/${fn}`), [], undefined);
    const view = (suffix: string): Uint8Array => {
      const pin = readdirSync(mapsDir).find((n) => n.endsWith(suffix));
      if (!pin)
        throw new Error(
          `${object}: libbpf made no map named *${suffix} (maps: ${readdirSync(mapsDir).join(", ")})`,
        );
      const fd = new OwnedFd(objGet(`${mapsDir}/${pin}`));
      fds.push(fd);
      const size = mapValueSize(fd.fd);
      const region = MappedRegion.map(fd.fd, size, true);
      if (!(region instanceof MappedRegion))
        throw new Error(`mmap of map ${pin} failed (errno ${region.errno})`);
      regions.push(region);
      return region.bytes;
    };
    const block = view("block");
    const scratch = view("scratch");
    return { program, block, scratch, close: release };
  } catch (err) {
    release();
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(mapsDir, { recursive: true, force: true });
  }
}

/** A StepTarget over a loaded program: one BPF_PROG_TEST_RUN per step. */
export class KernelTarget implements StepTarget {
  private readonly runner: TestRunner;
  constructor(private readonly k: KernelProgram) {
    this.runner = new TestRunner(k.program, CTX_SIZE);
  }
  blockBuffer(): Uint8Array {
    return this.k.block;
  }
  scratch(): Uint8Array {
    return this.k.scratch;
  }
  runStep(ctx: Uint8Array): void {
    this.runner.ctx.set(ctx);
    this.runner.run();
    ctx.set(this.runner.ctx.subarray(0, ctx.length));
  }
  close(): void {
    this.runner.close();
  }
}

export interface KernelStats {
  verifiedInsns: number;
  xlatedInsns: number;
  steps: number;
  /** Time inside the program per run, from the kernel's run-time statistics. */
  nsPerStep: number;
  /** Wall time per chain from Node: driver, syscalls and program. */
  usPerChain: number;
}

/** Runs every chain of `w` once to check the answers against the reference, then again timed. */
export function measureKernel(
  k: KernelProgram,
  artifact: ProgramArtifact,
  w: Workload,
): KernelStats {
  const target = new KernelTarget(k);
  const source = new MemoryBlockSource(w.bytes);
  const options: ChainOptions = {};
  if (artifact.maps.some((m) => m.name === "extents")) {
    const table = identityExtents(source.size);
    options.extents = { map: table, device: new ExtentDevice(source, table) };
  }
  const stats = enableRunTimeStats();
  try {
    for (const args of w.chains) {
      const got = w.answer(runChain(artifact, target, source, { ...options, args }));
      const want = w.expected(args);
      if (got !== want)
        throw new Error(
          `${artifact.file}: wrong answer for ${JSON.stringify(args, big)}:\n  got  ${got}\n  want ${want}`,
        );
    }
    const before = k.program.info();
    const start = process.hrtime.bigint();
    for (const args of w.chains) runChain(artifact, target, source, { ...options, args });
    const elapsed = Number(process.hrtime.bigint() - start);
    const after = k.program.info();
    const steps = Number(after.runCount - before.runCount);
    return {
      verifiedInsns: after.verifiedInsns,
      xlatedInsns: after.xlatedBytes / 8,
      steps,
      nsPerStep: Number(after.runTimeNs - before.runTimeNs) / steps,
      usPerChain: elapsed / 1e3 / w.chains.length,
    };
  } finally {
    stats.close();
    target.close();
  }
}

const big = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
