// BPF_PROG_TEST_RUN of a syscall program: the only input is ctx (ctx_in); the kernel copies the
// program's writes to ctx back into the same buffer, and reports the low 32 bits of r0 as retval.
// A TestRunner keeps its attr and ctx buffers across runs: the chain driver runs once per block.
import { KernelError } from "./errors.js";
import { NativeBuffer } from "./native.js";
import type { BpfProgram } from "./program.js";
import { AttrSize, BpfCmd, bpf, kernelCallError } from "./syscall.js";

/** The kernel's bound on ctx_size_in for syscall programs. */
export const MAX_CTX_SIZE = 65535;

export class TestRunner {
  private readonly attr: NativeBuffer;
  private readonly ctxBuffer: NativeBuffer;
  private closed = false;

  constructor(
    private readonly program: BpfProgram,
    ctxSize: number,
  ) {
    if (!Number.isInteger(ctxSize) || ctxSize < 1 || ctxSize > MAX_CTX_SIZE) {
      throw new KernelError(
        "E0803",
        `a test run's ctx must be 1..${MAX_CTX_SIZE} bytes, not ${ctxSize}`,
        22,
      );
    }
    // ctx is handed out, so it is freed only once no view of it is left (never under a stale view).
    this.ctxBuffer = new NativeBuffer(ctxSize, { freeWhenUnreachable: true });
    this.attr = new NativeBuffer(AttrSize.TEST_RUN);
    this.attr.u32(0, program.fd);
    this.attr.u32(40, ctxSize);
    this.attr.u64(48, this.ctxBuffer.address);
  }

  /** The ctx the program sees: fill it before run(), read the program's writes after. */
  get ctx(): Uint8Array {
    return this.ctxBuffer.bytes;
  }

  /** Runs the program once on ctx; returns retval (the low 32 bits of r0, unsigned). */
  run(): number {
    if (this.closed || this.program.closed)
      throw new KernelError("E0803", "test run of a closed program or runner", 9);
    const ret = bpf(BpfCmd.PROG_TEST_RUN, this.attr, AttrSize.TEST_RUN);
    if (ret < 0) throw kernelCallError("BPF_PROG_TEST_RUN", -ret);
    return this.attr.view.getUint32(4, true);
  }

  close(): void {
    this.closed = true;
    this.attr.free();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

export interface TestRunResult {
  /** Low 32 bits of r0, unsigned. */
  retval: number;
  /** ctx after the run (a copy). */
  ctx: Uint8Array;
}

/** One test run on a copy of `ctx`. For repeated runs use a TestRunner. */
export function testRun(program: BpfProgram, ctx: Uint8Array): TestRunResult {
  const runner = new TestRunner(program, ctx.length);
  try {
    runner.ctx.set(ctx);
    const retval = runner.run();
    return { retval, ctx: runner.ctx.slice() };
  } finally {
    runner.close();
  }
}
