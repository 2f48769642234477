// A simulated XRP kernel and its user space, on our VM: runs a program compiled with
// `target: "xrp"` (src/compiler/targets/xrp.ts) the way BPF_PROG_TYPE_XRP would, so that it can
// be tested on machines without an XRP-patched kernel (all of ours). docs/xrp.md describes the
// ABI; this file is our reading of the XRP paper, not of XRP's kernel code.
//
// The kernel side: read the block at the requested file offset into a 4 KiB `data` buffer, run the
// program with `struct bpf_xrp` (r1) whose `data` and `scratch` point at the two buffers, and
// while it leaves `done = 0`, read `size[0]` bytes at `next_addr[0]` and run it again. Extent
// translation is the kernel's: here the file is addressed by file offset directly, and a read
// outside the file ends the chain (what XRP's translation does; we report it as out_of_file).
// The user side: write the arguments and the first read into the scratch header, call "read_xrp",
// and when the chain stops read the outcome from the header: done, failed, or suspended (take the
// rows, set resume = 1, and issue the same block again).
import { XRP_BUFFER_SIZE, XRP_CTX_SIZE, XrpCtx, XrpScratch } from "../object/xrp-layout.js";
import { BuiltinError, Ctx, RESUME_START, Status, type ProgramArtifact } from "../abi/artifact.js";
import { IochainError } from "../diagnostics.js";
import { type ArgValue, encodeArgs } from "./args.js";
import { abiBroken } from "./abi-broken.js";
import { ChainRecord, STATUS_UNSET } from "./chain-record.js";
import type { BlockSource, ChainResult } from "./driver.js";
import { type Engine, type Vm, createVm } from "./vm/index.js";

export interface XrpSimOptions {
  engine?: Engine;
  /** Instructions one program run may execute (the VM's default otherwise). */
  budget?: number;
}

export interface XrpChainOptions {
  args?: Record<string, ArgValue>;
  /** Resume at most this many suspensions (default: always resume). */
  maxSuspensions?: number;
  /** Guard against chains that never end (default 10 million program runs). */
  maxSteps?: number;
}

const XRP_ABI = "the xrp ABI (docs/xrp.md)";

/** One program "loaded" into the simulated XRP kernel, for many chains. */
export class XrpSim {
  /** ctx->data and ctx->scratch, 4 KiB each. */
  readonly data = new Uint8Array(XRP_BUFFER_SIZE);
  readonly scratch = new Uint8Array(XRP_BUFFER_SIZE);
  private readonly ctx = new Uint8Array(XRP_CTX_SIZE);
  private readonly ctxView = new DataView(this.ctx.buffer);
  private readonly header = new DataView(
    this.scratch.buffer,
    XrpScratch.header,
    XrpScratch.headerSize,
  );
  /** iochain's scratch region (state, result, aggregates, rows), where the artifact's offsets point. */
  private readonly userScratch = this.scratch.subarray(XrpScratch.base);
  private readonly vm: Vm;

  constructor(
    readonly artifact: ProgramArtifact,
    private readonly options: XrpSimOptions = {},
  ) {
    if (artifact.maps.length > 0)
      throw new IochainError(
        "E0935",
        `${artifact.name}: the artifact uses maps, so it was not compiled for the xrp target`,
        undefined,
        'compile it with { target: "xrp" } (iochain compile --target xrp)',
      );
    if (artifact.blockSize > XRP_BUFFER_SIZE)
      throw new IochainError(
        "E0935",
        `${artifact.name}: block size ${artifact.blockSize} is larger than XRP's ${XRP_BUFFER_SIZE}-byte buffer`,
      );
    this.vm = createVm(artifact.insns, { engine: options.engine, file: artifact.file });
    this.ctxView.setBigUint64(XrpCtx.data, this.vm.pointerTo(this.data, "ctx->data"), true);
    this.ctxView.setBigUint64(
      XrpCtx.scratch,
      this.vm.pointerTo(this.scratch, "ctx->scratch"),
      true,
    );
  }

  /** One read_xrp() from user space and every resubmission after it, to the end of the chain. */
  run(source: BlockSource, options: XrpChainOptions = {}): ChainResult {
    const artifact = this.artifact;
    const h = this.header;
    const maxSteps = options.maxSteps ?? 10_000_000;
    const maxSuspensions = options.maxSuspensions ?? Infinity;
    const chain = new ChainRecord(artifact, this.userScratch, h, maxSuspensions, XRP_ABI);

    // User space: a zeroed scratch with the arguments and the first read in its header.
    this.scratch.fill(0);
    encodeArgs(artifact.params, options.args ?? {}).forEach((slot, i) =>
      h.setBigUint64(Ctx.args + 8 * i, slot, true),
    );
    const finish = chain.finish.bind(chain);

    let offset: bigint;
    let size = artifact.blockSize;
    if (artifact.start === "computed") {
      // User space: the program's start step computes the first read (no block), here on the VM.
      const first = this.startStep(chain);
      if (!("offset" in first)) return first;
      ({ offset, size } = first);
    } else offset = artifact.start;
    const firstReal = source.size - offset;
    h.setBigUint64(Ctx.offset, offset, true);
    h.setUint32(
      Ctx.size,
      Number(firstReal < BigInt(size) ? (firstReal < 0n ? 0n : firstReal) : BigInt(size)),
      true,
    );

    let resumed = false;
    for (;;) {
      // The kernel: read, run, and follow next_addr[0] while the program leaves done = 0.
      h.setUint32(Ctx.status, STATUS_UNSET, true);
      for (;;) {
        if (chain.steps >= maxSteps)
          abiBroken(`the chain ran ${chain.steps} steps without finishing`, XRP_ABI);
        if (offset >= source.size) return finish("failed", BuiltinError.out_of_file);
        if (size === 0 || size > XRP_BUFFER_SIZE) return finish("failed", BuiltinError.bad_size);
        const real = Number(
          source.size - offset < BigInt(size) ? source.size - offset : BigInt(size),
        );
        this.data.fill(0);
        source.read(this.data.subarray(0, real), offset, real);
        chain.reads.device++;
        if (!resumed) chain.hops++; // re-reading the block a suspension stopped on is not a hop
        resumed = false;
        this.ctxView.setUint32(XrpCtx.done, 0, true);
        this.ctxView.setBigUint64(XrpCtx.nextAddr, 0n, true);
        this.ctxView.setBigUint64(XrpCtx.size, 0n, true);
        this.vm.run({ ctx: this.ctx, budget: this.options.budget });
        chain.steps++;
        const status = h.getUint32(Ctx.status, true);
        if (this.ctxView.getUint32(XrpCtx.done, true) !== 0) break;
        if (status !== Status.RESUBMIT)
          abiBroken(
            `the program left done = 0 with status ${status === STATUS_UNSET ? "unset" : status}, not RESUBMIT`,
            XRP_ABI,
          );
        offset = this.ctxView.getBigUint64(XrpCtx.nextAddr, true);
        const next = this.ctxView.getBigUint64(XrpCtx.size, true);
        size = next > BigInt(XRP_BUFFER_SIZE) ? XRP_BUFFER_SIZE + 1 : Number(next);
      }

      // User space: the chain stopped; its outcome is in the scratch header.
      const settled = chain.settle("header.status");
      if (settled !== "resume") return settled;
      // Issue the block the chain stopped on again; the program's state is in scratch.
      h.setUint32(Ctx.resume, 1, true);
      offset = h.getBigUint64(Ctx.offset, true);
      size = h.getUint32(Ctx.size, true) || artifact.blockSize;
      resumed = true;
    }
  }

  /** The start step (header.resume = RESUME_START): the first read, or how the chain ended. */
  private startStep(chain: ChainRecord): { offset: bigint; size: number } | ChainResult {
    const h = this.header;
    h.setUint32(Ctx.resume, RESUME_START, true);
    h.setUint32(Ctx.status, STATUS_UNSET, true);
    this.data.fill(0);
    this.ctxView.setUint32(XrpCtx.done, 0, true);
    this.ctxView.setBigUint64(XrpCtx.nextAddr, 0n, true);
    this.ctxView.setBigUint64(XrpCtx.size, 0n, true);
    this.vm.run({ ctx: this.ctx, budget: this.options.budget });
    chain.steps++;
    h.setUint32(Ctx.resume, 0, true);
    if (this.ctxView.getUint32(XrpCtx.done, true) !== 0) {
      const settled = chain.settle("header.status");
      if (settled === "resume")
        abiBroken("the start step suspended: it has no rows to give", XRP_ABI);
      return settled;
    }
    if (h.getUint32(Ctx.status, true) !== Status.RESUBMIT)
      abiBroken("the start step left done = 0 without status RESUBMIT", XRP_ABI);
    const next = this.ctxView.getBigUint64(XrpCtx.size, true);
    return {
      offset: this.ctxView.getBigUint64(XrpCtx.nextAddr, true),
      size: next > BigInt(XRP_BUFFER_SIZE) ? XRP_BUFFER_SIZE + 1 : Number(next),
    };
  }
}
