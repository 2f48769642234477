// The state both engines share while a program runs: memory, maps, helpers, the remaining budget,
// the call depth, and the fault constructors that turn a failing instruction into a VmFault. It is
// also the HelperCall that helpers see.
import { internalError } from "../../diagnostics.js";
import type { Insn } from "../../bpf/insn.js";
import { PseudoLd } from "../../bpf/opcodes.js";
import { FaultCode, VmFault, type FaultCodeValue, hex64 } from "./faults.js";
import { formatInsn } from "../../bpf/disasm.js";
import type { Helper, HelperCall } from "./helpers.js";
import { ArrayMap, BPF_F_RDONLY_PROG, type VmMap } from "./maps.js";
import { FUNC_HI, MAP_HANDLE_HI, MAX_FRAMES, Memory, regionHi } from "./memory.js";
import type { Program } from "./program.js";

const TWO32 = 4294967296;

/** Runs the function at `entry` with r1..r5 from `args` (lo, hi pairs); leaves r0 in rt.r0l/r0h. */
export type Invoke = (entry: number, args: Int32Array) => void;

export interface RuntimeOptions {
  maps: readonly VmMap[];
  helpers: Readonly<Record<number, Helper | undefined>>;
  kfuncs: Readonly<Record<number, Helper | undefined>>;
  trace: (line: string) => void;
  clock: () => bigint;
}

export class Runtime implements HelperCall {
  /** Instructions the run may still execute. */
  budget = 0;
  /** The budget the run started with. */
  budgetLimit = 0;
  /** Frames in use beyond the first (0 in the entry function). */
  depth = 0;
  r0l = 0;
  r0h = 0;
  pc = -1;
  /** r1..r5 as (lo, hi) pairs for the helper being called. */
  readonly args = new Int32Array(10);
  readonly memory = new Memory();
  /** Set by the engine: how a helper calls back into the program (bpf_loop). */
  invoke: Invoke = () => {
    throw internalError("no engine attached");
  };
  /** The (lo, hi) value of each lddw, maps and functions resolved; undefined for other insns. */
  readonly imm64: ({ lo: number; hi: number } | undefined)[];

  constructor(
    readonly program: Program,
    readonly options: RuntimeOptions,
  ) {
    this.imm64 = program.insns.map((insn, i) =>
      insn.code === 0x18 ? this.resolveImm64(insn, i) : undefined,
    );
  }

  helper(id: number): Helper | undefined {
    return Object.hasOwn(this.options.helpers, id) ? this.options.helpers[id] : undefined;
  }

  kfunc(id: number): Helper | undefined {
    return Object.hasOwn(this.options.kfuncs, id) ? this.options.kfuncs[id] : undefined;
  }

  /** Calls a helper with r1..r5 already in `args`; leaves r0 in r0l/r0h. */
  callHelper(fn: Helper, pc: number): void {
    this.pc = pc;
    const result = fn(this);
    if (typeof result === "number") {
      this.r0l = result | 0;
      this.r0h = Math.floor(result / TWO32) | 0;
    } else {
      this.r0l = Number(BigInt.asIntN(32, result));
      this.r0h = Number(BigInt.asIntN(32, result >> 32n));
    }
  }

  /** Whether `entry` is where a function of the program starts. */
  isFunction(entry: number): boolean {
    return this.program.functions.includes(entry);
  }

  // ---- faults -------------------------------------------------------------------------------

  fault(
    code: FaultCodeValue,
    reason: string,
    pc: number,
    address?: bigint,
    hint?: string,
  ): VmFault {
    const index = pc >= 0 && pc < this.program.slotCount ? this.program.insnAt[pc] : -1;
    const insn: Insn | undefined = index >= 0 ? this.program.insns[index] : undefined;
    return new VmFault(
      code,
      reason,
      pc,
      insn ? formatInsn(insn, pc) : "?",
      address,
      insn?.pos,
      hint,
    );
  }

  /** The fault of an access of `size` bytes at pointer (hi, lo) + off. */
  memFault(pc: number, hi: number, lo: number, off: number, size: number, write: boolean): VmFault {
    const address = BigInt.asUintN(64, ((BigInt(hi) << 32n) | BigInt(lo >>> 0)) + BigInt(off));
    const { readOnly, reason } = this.memory.problem(address, size, write);
    return this.fault(
      readOnly ? FaultCode.READ_ONLY : FaultCode.OUT_OF_BOUNDS,
      reason,
      pc,
      address,
    );
  }

  budgetFault(pc: number): VmFault {
    return this.fault(
      FaultCode.BUDGET,
      `instruction budget of ${this.budgetLimit} exhausted`,
      pc,
      undefined,
      "a loop may not terminate; raise the budget if the program is just long",
    );
  }

  depthFault(pc: number): VmFault {
    return this.fault(
      FaultCode.CALL_DEPTH,
      `call needs frame ${this.depth + 2}, more than the ${MAX_FRAMES} allowed`,
      pc,
    );
  }

  unknownCall(pc: number, what: string): VmFault {
    return this.fault(FaultCode.UNKNOWN_CALL, what, pc);
  }

  /** callx: a function pointer (lddw func) or a helper id. Returns the entry slot or -(id + 1). */
  callxTarget(pc: number, lo: number, hi: number): number {
    if (hi === FUNC_HI && this.isFunction(lo)) return lo;
    if (hi === 0 && lo >= 0 && this.helper(lo)) return -(lo + 1);
    const value = hex64((BigInt(hi) << 32n) | BigInt(lo >>> 0));
    throw this.unknownCall(
      pc,
      `callx to ${value}, which is neither a function of the program nor a known helper`,
    );
  }

  /** callx with r1..r5 in `args`: a local call through a function pointer, or a helper by id. */
  callx(pc: number, lo: number, hi: number): void {
    const target = this.callxTarget(pc, lo, hi);
    if (target < 0) return this.callHelper(this.helper(-target - 1)!, pc);
    if (this.depth + 1 >= MAX_FRAMES) throw this.depthFault(pc);
    const args = this.args.slice();
    this.depth++;
    this.invoke(target, args);
    this.depth--;
  }

  // ---- HelperCall ----------------------------------------------------------------------------

  arg(i: number): bigint {
    return BigInt.asUintN(
      64,
      (BigInt(this.args[2 * i - 1]) << 32n) | BigInt(this.args[2 * i - 2] >>> 0),
    );
  }

  argU32(i: number): number {
    return this.args[2 * i - 2] >>> 0;
  }

  bytes(i: number, size: number, write: boolean): Uint8Array {
    const got = this.tryBytes(this.arg(i), size, write);
    if (typeof got === "string") this.fail(`argument r${i}: ${got}`);
    return got;
  }

  tryBytes(address: bigint, size: number, write: boolean): Uint8Array | string {
    return this.memory.slice(address, size, write);
  }

  map(i: number): VmMap {
    const lo = this.args[2 * i - 2];
    const map = this.args[2 * i - 1] === MAP_HANDLE_HI ? this.options.maps[lo] : undefined;
    if (!map)
      this.fail(`argument r${i} (${hex64(this.arg(i))}) is not a map (load one with lddw map_fd)`);
    return map;
  }

  pointerTo(bytes: Uint8Array, writable: boolean, name: string): bigint {
    const hi = regionHi(this.memory.regionOf(bytes, writable, name));
    return BigInt.asUintN(64, BigInt(hi) << 32n);
  }

  callback(i: number, r1: bigint, r2: bigint): bigint {
    const lo = this.args[2 * i - 2];
    if (this.args[2 * i - 1] !== FUNC_HI || !this.isFunction(lo)) {
      this.fail(
        `argument r${i} (${hex64(this.arg(i))}) is not a function (load one with lddw func)`,
      );
    }
    const pc = this.pc;
    if (this.depth + 1 >= MAX_FRAMES) throw this.depthFault(pc);
    const saved = this.args.slice();
    const args = new Int32Array(10);
    args[0] = Number(BigInt.asIntN(32, r1));
    args[1] = Number(BigInt.asIntN(32, r1 >> 32n));
    args[2] = Number(BigInt.asIntN(32, r2));
    args[3] = Number(BigInt.asIntN(32, r2 >> 32n));
    this.depth++;
    this.invoke(lo, args);
    this.depth--;
    this.args.set(saved);
    this.pc = pc;
    return BigInt.asUintN(64, (BigInt(this.r0h) << 32n) | BigInt(this.r0l >>> 0));
  }

  now(): bigint {
    return this.options.clock();
  }

  trace(line: string): void {
    this.options.trace(line);
  }

  fail(reason: string): never {
    throw this.fault(FaultCode.HELPER_ARG, reason, this.pc);
  }

  // ---- lddw ----------------------------------------------------------------------------------

  private resolveImm64(insn: Insn, index: number): { lo: number; hi: number } | undefined {
    const pc = this.program.slotOf[index];
    const mapAt = (): VmMap => {
      const map = this.options.maps[insn.imm];
      if (!map) {
        throw this.fault(
          FaultCode.BAD_MAP,
          `lddw names map ${insn.imm}, but the VM was given ${this.options.maps.length} map(s)`,
          pc,
        );
      }
      return map;
    };
    switch (insn.src) {
      case PseudoLd.IMM64:
        return { lo: insn.imm | 0, hi: (insn.imm2 ?? 0) | 0 };
      case PseudoLd.MAP_FD:
      case PseudoLd.MAP_IDX:
        mapAt();
        return { lo: insn.imm | 0, hi: MAP_HANDLE_HI };
      case PseudoLd.MAP_VALUE:
      case PseudoLd.MAP_IDX_VALUE: {
        const map = mapAt();
        const offset = (insn.imm2 ?? 0) >>> 0;
        // As the kernel: direct value access only into a one-element array, inside its value.
        if (!(map instanceof ArrayMap) || map.spec.maxEntries !== 1) {
          throw this.fault(
            FaultCode.BAD_MAP,
            `lddw map_value needs an array map with one element; map ${map.name} is not one`,
            pc,
          );
        }
        if (offset >= map.spec.valueSize) {
          throw this.fault(
            FaultCode.BAD_MAP,
            `lddw map_value offset ${offset} is past the ${map.spec.valueSize}-byte value of map ${map.name}`,
            pc,
          );
        }
        const writable = ((map.spec.flags ?? 0) & BPF_F_RDONLY_PROG) === 0;
        const region = this.memory.addStatic(
          map.value(0),
          writable,
          `the value of map ${map.name}`,
        );
        return { lo: offset | 0, hi: regionHi(region) };
      }
      case PseudoLd.FUNC:
        return { lo: this.program.targets[index] | 0, hi: FUNC_HI };
      default:
        return undefined; // btf_id and unknown sources are problems the engines fault on
    }
  }
}
