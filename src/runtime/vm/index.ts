// The VM's public face. Create it once per program (and set of maps), run it many times:
//
//   const vm = createVm(insns, { maps: [block, scratch] });
//   const { r0, insnCount } = vm.run({ ctx });          // r1 = pointer to ctx
//   const { r0 } = vm.run({ mem, r1: "mem", r2: BigInt(mem.length) });
//
// ctx and mem are used in place: the program's stores are visible to the caller after the run.
import type { Insn } from "../../bpf/insn.js";
import { validate } from "../../bpf/validate.js";
import { DEFAULT_HELPERS, type Helper } from "./helpers.js";
import { createInterpreter } from "./interpreter.js";
import type { VmMap } from "./maps.js";
import { CTX_REGION, MEM_REGION, regionHi, regionPointer } from "./memory.js";
import { prepareProgram } from "./program.js";
import { Runtime, type Invoke } from "./runtime.js";
import { createTranslated } from "./translate.js";

export { VmFault, FaultCode } from "./faults.js";
export { ArrayMap, HashMap, type MapSpec, type VmMap } from "./maps.js";
export { DEFAULT_HELPERS, type Helper, type HelperCall } from "./helpers.js";
export { MAX_FRAMES, STACK_SIZE } from "./memory.js";

export const DEFAULT_BUDGET = 1_000_000;

export type Engine = "fast" | "reference";

export interface VmOptions {
  /** Maps by index: lddw map_fd / map_value name them by this index (the artifact's map order). */
  maps?: readonly VmMap[];
  /** Helpers by id, merged over the defaults; `undefined` removes a default. */
  helpers?: Readonly<Record<number, Helper | undefined>>;
  /** kfuncs by BTF id (call src 2); none by default. */
  kfuncs?: Readonly<Record<number, Helper | undefined>>;
  /** Instructions a run may execute (default 1,000,000). */
  budget?: number;
  /** "fast" (translated to JavaScript, the default) or "reference" (the interpreter). */
  engine?: Engine;
  /** Check the program with validate() first (default true). */
  validate?: boolean;
  /** Where bpf_trace_printk lines go (default: dropped). */
  trace?: (line: string) => void;
  /** The clock of bpf_ktime_get_ns (default: process.hrtime). */
  clock?: () => bigint;
  /** File name for validation messages. */
  file?: string;
  /** Fast engine: split functions whose JavaScript passes this many characters (tests set it low). */
  maxChunkSource?: number;
}

/** A register value: a number, or the address of ctx / mem. */
export type RegisterInput = bigint | number | "ctx" | "mem";

export interface RunInput {
  ctx?: Uint8Array;
  /** Whether the program may write ctx (default true, as for BPF_PROG_TYPE_SYSCALL). */
  ctxWritable?: boolean;
  mem?: Uint8Array;
  memWritable?: boolean;
  /** r1 defaults to "ctx" when ctx is given, else "mem" when mem is given, else 0. */
  r1?: RegisterInput;
  r2?: RegisterInput;
  r3?: RegisterInput;
  r4?: RegisterInput;
  r5?: RegisterInput;
  /** Overrides the VM's budget for this run. */
  budget?: number;
}

export interface RunResult {
  r0: bigint;
  /** Instructions executed (an lddw counts as one). */
  insnCount: number;
}

export interface Vm {
  readonly engine: Engine;
  run(input?: RunInput): RunResult;
  /** The generated JavaScript of the fast engine (for debugging), or undefined. */
  readonly source?: string;
  /**
   * A pointer to `bytes` that the program may dereference in every later run (the buffer is used
   * in place, for the VM's lifetime): for contexts that carry pointers to buffers, as XRP's
   * `ctx->data` and `ctx->scratch` do. Call it before the first run; the same buffer gives the
   * same pointer.
   */
  pointerTo(bytes: Uint8Array, name: string, writable?: boolean): bigint;
}

const EMPTY = new Uint8Array(0);

export function createVm(insns: readonly Insn[], options: VmOptions = {}): Vm {
  if (options.validate ?? true) validate(insns, options.file);
  const program = prepareProgram(insns);
  const rt = new Runtime(program, {
    maps: options.maps ?? [],
    helpers: { ...DEFAULT_HELPERS, ...options.helpers },
    kfuncs: { ...options.kfuncs },
    trace: options.trace ?? (() => {}),
    clock: options.clock ?? (() => process.hrtime.bigint()),
  });
  const engine = options.engine ?? "fast";
  let invoke: Invoke;
  let source: string | undefined;
  if (engine === "fast") ({ invoke, source } = createTranslated(rt, options.maxChunkSource));
  else invoke = createInterpreter(rt);
  rt.invoke = invoke;
  const defaultBudget = options.budget ?? DEFAULT_BUDGET;
  const args = new Int32Array(10);

  /** Puts a register input into args[2i], args[2i+1] without BigInt work for the common cases. */
  const setArg = (i: number, input: RegisterInput | undefined): void => {
    let lo = 0;
    let hi = 0;
    if (input === "ctx" || input === "mem") {
      hi = regionHi(input === "ctx" ? CTX_REGION : MEM_REGION);
    } else if (typeof input === "number" && Number.isSafeInteger(input)) {
      lo = input | 0;
      hi = Math.floor(input / 4294967296) | 0;
    } else if (input !== undefined) {
      const v = BigInt.asUintN(64, BigInt(input));
      lo = Number(BigInt.asIntN(32, v));
      hi = Number(BigInt.asIntN(32, v >> 32n));
    }
    args[2 * i] = lo;
    args[2 * i + 1] = hi;
  };

  return {
    engine,
    source,
    pointerTo(bytes: Uint8Array, name: string, writable = true): bigint {
      return regionPointer(rt.memory.addStatic(bytes, writable, name));
    },
    run(input: RunInput = {}): RunResult {
      const memory = rt.memory;
      memory.startRun();
      memory.bind(CTX_REGION, input.ctx ?? EMPTY, input.ctxWritable ?? true);
      memory.bind(MEM_REGION, input.mem ?? EMPTY, input.memWritable ?? true);
      setArg(0, input.r1 ?? (input.ctx ? "ctx" : input.mem ? "mem" : undefined));
      setArg(1, input.r2);
      setArg(2, input.r3);
      setArg(3, input.r4);
      setArg(4, input.r5);
      const budget = input.budget ?? defaultBudget;
      rt.budget = rt.budgetLimit = budget;
      rt.depth = 0;
      invoke(0, args);
      const { r0l, r0h } = rt;
      return {
        r0: r0h === 0 ? BigInt(r0l >>> 0) : (BigInt(r0h >>> 0) << 32n) | BigInt(r0l >>> 0),
        insnCount: budget - rt.budget,
      };
    },
  };
}
