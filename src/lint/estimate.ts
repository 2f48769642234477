// The worst-case processed-instruction estimate: the final instructions walked the way the kernel's
// verifier walks them — every path, every loop iteration, each BPF-to-BPF call and bpf_loop
// callback explored at its call — with a coarser state than the verifier's so that the count is an
// upper bound. Scalars are exact constants (loop counters, folded values, the frozen extent table's
// words) or unknowns named by where they came from and which branches refined them; a path is cut
// (as the verifier prunes) only where its state — the live registers and stack slots — equals one
// already walked from there. A state the verifier would treat as equal but ours does not only
// costs us more, never less: the estimate stays at or above the verifier's count (checked against
// the kernel over the corpus in test/lint/kernel-judges.test.ts).
import { MapIndex, type ProgramArtifact } from "../abi/artifact.js";
import { BPF_MAX_LOOPS, HelperId } from "../abi/helpers.js";
import { type Insn, imm64Of, slotOffsets } from "../bpf/insn.js";
import {
  Alu,
  Class,
  Jmp,
  LD_IMM64,
  Mode,
  PseudoCall,
  PseudoLd,
  Size,
  classOf,
  modeOf,
  opOf,
  sizeOf,
  srcOf,
} from "../bpf/opcodes.js";
import { liveness, type Liveness } from "./liveness.js";
import { decide, rangeOf, within } from "./ranges.js";

/** The kernel gives up after this many processed instructions. */
export const PROCESSED_LIMIT = 1_000_000;

/**
 * The walk is multiplied by this: the verifier keeps states more finely than we do in loops whose
 * body branches (checkpoints every 2 jumps and 8 instructions, ranges of precise scalars), and
 * counted up to 1.45 times our walk on the corpus (test/lint/kernel-judges.test.ts prints both).
 */
export const SAFETY_FACTOR = 2;

export interface Estimate {
  /** Processed instructions on the worst case (the walk × SAFETY_FACTOR). */
  processed: number;
  /** The instructions our walk itself processed. */
  walked: number;
  /** The walk stopped early (processed passed the budget): the real count is at least this high. */
  exceeded: boolean;
  /** Deepest frame nesting reached (1 = the entry function alone). */
  maxDepth: number;
}

type Val = string; // "c:<bigint>", "u:<id>", "p:<base>:<off|?id>", "x" (not initialised)

interface Frame {
  regs: Val[];
  stack: Map<number, Val>;
  /** Instruction index to continue at after this frame's exit (-1: the program's end). */
  ret: number;
  /** The bpf_loop passes still to make when this frame is a callback's. */
  passes: number;
  /** A callback's second argument (bpf_loop's context pointer). */
  arg?: Val;
  /** Registers of the caller, saved across the call (r6–r9). */
  saved?: Val[];
  id: number;
}

interface State {
  pc: number;
  frames: Frame[];
}

const U64 = (1n << 64n) - 1n;
const U32 = (1n << 32n) - 1n;

class Interner {
  private ids = new Map<string, number>();
  id(s: string): number {
    let n = this.ids.get(s);
    if (n === undefined) this.ids.set(s, (n = this.ids.size));
    return n;
  }
}

const isConst = (v: Val): boolean => v.startsWith("c:");
const constOf = (v: Val): bigint => BigInt(v.slice(2));
const c = (n: bigint): Val => `c:${BigInt.asUintN(64, n)}`;

function aluConst(op: number, a: bigint, b: bigint, is64: boolean): bigint | undefined {
  const mask = is64 ? U64 : U32;
  const bits = is64 ? 64n : 32n;
  a &= mask;
  b &= mask;
  switch (op) {
    case Alu.ADD:
      return (a + b) & mask;
    case Alu.SUB:
      return (a - b) & mask;
    case Alu.MUL:
      return (a * b) & mask;
    case Alu.DIV:
      return b === 0n ? 0n : a / b;
    case Alu.MOD:
      return b === 0n ? a : a % b;
    case Alu.OR:
      return a | b;
    case Alu.AND:
      return a & b;
    case Alu.XOR:
      return a ^ b;
    case Alu.LSH:
      return (a << (b & (bits - 1n))) & mask;
    case Alu.RSH:
      return a >> (b & (bits - 1n));
    case Alu.ARSH:
      return BigInt.asUintN(Number(bits), BigInt.asIntN(Number(bits), a) >> (b & (bits - 1n)));
    case Alu.MOV:
      return b;
    case Alu.NEG:
      return -a & mask;
    default:
      return undefined;
  }
}

function compare(op: number, a: bigint, b: bigint, is64: boolean): boolean | undefined {
  const bits = is64 ? 64 : 32;
  const ua = BigInt.asUintN(bits, a);
  const ub = BigInt.asUintN(bits, b);
  const sa = BigInt.asIntN(bits, a);
  const sb = BigInt.asIntN(bits, b);
  switch (op) {
    case Jmp.JEQ:
      return ua === ub;
    case Jmp.JNE:
      return ua !== ub;
    case Jmp.JGT:
      return ua > ub;
    case Jmp.JGE:
      return ua >= ub;
    case Jmp.JLT:
      return ua < ub;
    case Jmp.JLE:
      return ua <= ub;
    case Jmp.JSET:
      return (ua & ub) !== 0n;
    case Jmp.JSGT:
      return sa > sb;
    case Jmp.JSGE:
      return sa >= sb;
    case Jmp.JSLT:
      return sa < sb;
    case Jmp.JSLE:
      return sa <= sb;
    default:
      return undefined;
  }
}

/**
 * The bytes the frozen, read-only maps hold (the extent tables: one per file the program reads),
 * for loads through their pointers.
 */
function frozenMaps(artifact: ProgramArtifact | undefined): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  artifact?.maps.forEach((spec, index) => {
    if (index < MapIndex.extents || spec.name !== "extents" || !spec.readOnlyProg) return;
    const bytes = new Uint8Array(spec.valueSize);
    if (spec.init) bytes.set(spec.init);
    out.set(index, bytes);
  });
  return out;
}

const SIZE_BYTES: Record<number, number> = { [Size.B]: 1, [Size.H]: 2, [Size.W]: 4, [Size.DW]: 8 };

/**
 * Walks `insns` (the artifact's, or any program in our calling convention) and counts the
 * instructions the verifier would process at worst; stops once past `budget`.
 */
export function estimateProcessed(
  insns: readonly Insn[],
  artifact?: ProgramArtifact,
  budget = PROCESSED_LIMIT / SAFETY_FACTOR,
  onVisit?: (pc: number) => void,
): Estimate {
  const slots = slotOffsets(insns);
  const indexOfSlot = new Map<number, number>();
  slots.forEach((s, i) => indexOfSlot.set(s, i));
  const target = (pc: number, off: number): number => indexOfSlot.get(slots[pc] + 1 + off) ?? -1;
  const live: Liveness = liveness(insns, target);
  const frozen = frozenMaps(artifact);
  const tags = new Interner();
  const seen = new Map<number, Map<string, bigint[][]>>();
  let frameIds = 0;
  let processed = 0;
  let maxDepth = 1;
  let jumps = 0;
  let lastJumps = 0;
  let lastProcessed = 0;
  /** Return address of a bpf_loop call → its callback's first instruction. */
  const callbackEntry = new Map<number, number>();
  /** What a refined unknown was before, and the comparisons it has passed. */
  const constraints = new Map<Val, { base: Val; cons: string[] }>();
  /** Callback entries: the verifier always keeps a state there (is_force_checkpoint). */
  const forced = new Set<number>();

  const entryRegs = (): Val[] => {
    const regs = new Array<Val>(11).fill("x");
    regs[1] = "p:ctx:0";
    return regs;
  };
  const newFrame = (regs: Val[], ret: number, passes: number, saved?: Val[]): Frame => {
    const id = frameIds++;
    regs[10] = `p:fp${id}:0`;
    return { regs, stack: new Map(), ret, passes, saved, id };
  };
  const clone = (s: State): State => ({
    pc: s.pc,
    frames: s.frames.map((f) => ({ ...f, regs: [...f.regs], stack: new Map(f.stack) })),
  });

  // A frame's values with its own frame pointer renamed by depth, so that equal states in frames
  // created at different times compare equal.
  // A state as the pruning sees it: its live values, with refined unknowns written as their base
  // and exact constraints (the shape) and their unsigned intervals apart (the bounds).
  const keyOf = (s: State): { shape: string; bounds: bigint[] } => {
    const parts: string[] = [];
    const bounds: bigint[] = [];
    const rename = new Map<string, string>();
    s.frames.forEach((f, d) => rename.set(`fp${f.id}`, `fp@${d}`));
    const norm = (v: Val) => {
      if (v.startsWith("p:fp")) return v.replace(/fp\d+/, (m) => rename.get(m) ?? m);
      const refined = constraints.get(v);
      if (!refined) return v;
      // Every range counts, as if every scalar were precise: the verifier ignores the ranges of
      // imprecise ones, which we do not tell apart — we prune less than it may, and count more.

      const range = rangeOf(refined.cons);
      bounds.push(range.lo, range.hi);
      return `${refined.base}{${range.exact.join("&")}}`;
    };
    s.frames.forEach((f, d) => {
      const top = d === s.frames.length - 1;
      const at = top ? s.pc : s.frames[d + 1].ret;
      // Below the top, only r6–r9 survive the call.
      const regs = top ? live.regsIn(at) : live.regsIn(at) & 0x3c0;
      const slotsLive = live.stackIn(at);
      parts.push(`${f.ret}|`);
      for (let r = 0; r <= 9; r++) if (regs & (1 << r)) parts.push(`${r}=${norm(f.regs[r])}`);
      const keys = [...f.stack.keys()].sort((a, b) => a - b);
      for (const k of keys)
        if (slotsLive === "all" || slotsLive.has(k)) parts.push(`[${k}]=${norm(f.stack.get(k)!)}`);
      parts.push(";");
    });
    return { shape: parts.join(" "), bounds };
  };

  const pointer = (v: Val): { base: string; off: string } | undefined => {
    if (!v.startsWith("p:")) return undefined;
    const rest = v.slice(2);
    const colon = rest.lastIndexOf(":");
    return { base: rest.slice(0, colon), off: rest.slice(colon + 1) };
  };

  const work: State[] = [{ pc: 0, frames: [newFrame(entryRegs(), -1, 0)] }];
  const isJumpTarget = live.jumpTargets;

  while (work.length > 0) {
    let s: State | undefined = work.pop()!;
    while (s) {
      if (++processed > budget)
        return {
          processed: processed * SAFETY_FACTOR,
          walked: processed,
          exceeded: true,
          maxDepth,
        };
      const pc = s.pc;
      if (pc < 0 || pc >= insns.length) break;
      onVisit?.(pc);
      if (isJumpTarget.has(pc) || forced.has(pc)) {
        const key = keyOf(s);
        let atPc = seen.get(pc);
        if (!atPc) seen.set(pc, (atPc = new Map()));
        let walked = atPc.get(key.shape);
        if (!walked) atPc.set(key.shape, (walked = []));
        if (walked.some((b) => within(b, key.bounds))) break;
        // The verifier keeps a state to prune against only after 2 jumps and 8 instructions since
        // the last one it kept (is_state_visited's add_new_state): pruning less, it counts more.
        if ((jumps - lastJumps >= 2 && processed - lastProcessed >= 8) || forced.has(pc)) {
          walked.push(key.bounds);
          lastJumps = jumps;
          lastProcessed = processed;
        }
      }
      const f = s.frames[s.frames.length - 1];
      const r = f.regs;
      const insn = insns[pc];
      const cls = classOf(insn.code);
      const fresh = (why: string) => `u:${tags.id(why)}`;

      if (insn.code === LD_IMM64) {
        if (insn.src === PseudoLd.MAP_VALUE || insn.src === PseudoLd.MAP_IDX_VALUE)
          r[insn.dst] = `p:map${insn.imm}:${insn.imm2 ?? 0}`;
        else if (insn.src === PseudoLd.MAP_FD || insn.src === PseudoLd.MAP_IDX)
          r[insn.dst] = `p:mapfd${insn.imm}:0`;
        else if (insn.src === PseudoLd.FUNC) r[insn.dst] = `p:func${target(pc, insn.imm)}:0`;
        else r[insn.dst] = c(imm64Of(insn));
        s.pc = pc + 1;
        continue;
      }

      if (cls === Class.ALU || cls === Class.ALU64) {
        const is64 = cls === Class.ALU64;
        const op = opOf(insn.code);
        const a = r[insn.dst];
        const b = srcOf(insn.code) === 0x08 ? r[insn.src] : c(BigInt(insn.imm));
        if (op === Alu.MOV && insn.off === 0) {
          // A 32-bit move of an unknown is a new value (its upper half zeroed).
          if (isConst(b)) r[insn.dst] = c(constOf(b) & (is64 ? U64 : U32));
          else r[insn.dst] = is64 ? b : fresh(`${pc}|${b}`);
        } else if (op !== Alu.END && isConst(a) && isConst(b)) {
          const v = aluConst(op, constOf(a), constOf(b), is64);
          r[insn.dst] = v === undefined ? fresh(`${pc}|${a}|${b}`) : c(v);
        } else if (is64 && (op === Alu.ADD || op === Alu.SUB) && pointer(a)) {
          const p = pointer(a)!;
          if (isConst(b) && !p.off.startsWith("?")) {
            const d = op === Alu.ADD ? constOf(b) : -constOf(b);
            r[insn.dst] = `p:${p.base}:${BigInt.asIntN(64, BigInt(p.off) + d)}`;
          } else r[insn.dst] = `p:${p.base}:?${tags.id(`${pc}|${a}|${b}`)}`;
        } else r[insn.dst] = fresh(`${pc}|${a}|${b}`);
        s.pc = pc + 1;
        continue;
      }

      if (cls === Class.LDX) {
        const p = pointer(r[insn.src]);
        const bytes = SIZE_BYTES[sizeOf(insn.code)];
        let v: Val = fresh(`ld${pc}`);
        if (p && !p.off.startsWith("?")) {
          const at = Number(p.off) + insn.off;
          if (p.base === `fp${f.id}` && modeOf(insn.code) === Mode.MEM) {
            const slot = f.stack.get(at & ~7);
            if (slot !== undefined && bytes === 8 && (at & 7) === 0) v = slot;
            else if (slot !== undefined) v = fresh(`ld${pc}|${slot}|${at}|${bytes}`);
          } else if (p.base.startsWith("map")) {
            const mem = frozen.get(Number(p.base.slice(3)));
            if (mem && at >= 0 && at + bytes <= mem.length && modeOf(insn.code) === Mode.MEM) {
              let n = 0n;
              for (let k = bytes - 1; k >= 0; k--) n = (n << 8n) | BigInt(mem[at + k]);
              v = c(n);
            }
          } else if (p.base.startsWith("fp")) {
            // A caller's frame, through a pointer it passed down.
            const owner = s.frames.find((fr) => `fp${fr.id}` === p.base);
            const slot = owner?.stack.get(at & ~7);
            if (slot !== undefined && bytes === 8 && (at & 7) === 0) v = slot;
            else if (slot !== undefined) v = fresh(`ld${pc}|${slot}|${at}|${bytes}`);
          }
        }
        r[insn.dst] = v;
        s.pc = pc + 1;
        continue;
      }

      if (cls === Class.ST || cls === Class.STX) {
        const p = pointer(r[insn.dst]);
        const bytes = SIZE_BYTES[sizeOf(insn.code)];
        const val = cls === Class.ST ? c(BigInt(insn.imm)) : r[insn.src];
        if (p?.base.startsWith("fp")) {
          const owner = s.frames.find((fr) => `fp${fr.id}` === p.base);
          if (owner) {
            if (p.off.startsWith("?")) owner.stack.clear();
            else {
              const at = Number(p.off) + insn.off;
              const stored =
                modeOf(insn.code) === Mode.ATOMIC
                  ? fresh(`st${pc}`)
                  : bytes === 8
                    ? val
                    : isConst(val)
                      ? c(constOf(val) & ((1n << BigInt(bytes * 8)) - 1n))
                      : fresh(`st${pc}|${val}|${bytes}`);
              // A narrow store changes the 8-byte slot it lands in.
              const slot = at & ~7;
              if (bytes === 8 && slot === at) owner.stack.set(at, stored);
              else owner.stack.set(slot, fresh(`st${pc}|${at}|${stored}`));
            }
          }
        }
        if (modeOf(insn.code) === Mode.ATOMIC && insn.imm & 0x01 && cls === Class.STX)
          r[insn.imm === 0xf1 ? 0 : insn.src] = fresh(`at${pc}`);
        s.pc = pc + 1;
        continue;
      }

      if (cls === Class.JMP || cls === Class.JMP32) {
        jumps++;
        const op = opOf(insn.code);
        if (op === Jmp.EXIT) {
          const done = s.frames.pop()!;
          if (s.frames.length === 0) break;
          const caller = s.frames[s.frames.length - 1];
          if (done.passes > 1) {
            // The verifier walks the callback again from the state this pass left behind, until
            // that state is one it has seen at the callback's entry (or bpf_loop's count runs out).
            const again = clone(s);
            const regs = new Array<Val>(11).fill("x");
            regs[1] = fresh(`cbidx${done.ret}`);
            regs[2] = done.arg ?? "x";
            again.frames.push({ ...newFrame(regs, done.ret, done.passes - 1), arg: done.arg });
            again.pc = callbackEntry.get(done.ret)!;
            work.push(again);
          }
          const r0 = done.passes > 0 ? fresh(`loop${done.ret}`) : done.regs[0];
          for (let k = 1; k <= 5; k++) caller.regs[k] = "x";
          if (done.saved) for (let k = 6; k <= 9; k++) caller.regs[k] = done.saved[k - 6];
          caller.regs[0] = r0;
          s.pc = done.ret;
          continue;
        }
        if (op === Jmp.CALL) {
          if (insn.src === PseudoCall.LOCAL) {
            const to = target(pc, insn.imm);
            const regs = new Array<Val>(11).fill("x");
            for (let k = 1; k <= 5; k++) regs[k] = r[k];
            s.frames.push(newFrame(regs, pc + 1, 0, r.slice(6, 10)));
            maxDepth = Math.max(maxDepth, s.frames.length);
            s.pc = to;
            continue;
          }
          if (insn.imm === HelperId.LOOP) {
            const fn = pointer(r[2]);
            const entry = fn?.base.startsWith("func") ? Number(fn.base.slice(4)) : -1;
            if (entry >= 0) {
              callbackEntry.set(pc + 1, entry);
              const regs = new Array<Val>(11).fill("x");
              regs[1] = fresh(`cbidx${pc + 1}`);
              regs[2] = r[3];
              const count = isConst(r[1]) ? Number(constOf(r[1]) & U32) : BPF_MAX_LOOPS;
              s.frames.push({
                ...newFrame(regs, pc + 1, Math.min(count, BPF_MAX_LOOPS), r.slice(6, 10)),
                arg: r[3],
              });
              forced.add(entry);
              maxDepth = Math.max(maxDepth, s.frames.length);
              s.pc = entry;
              continue;
            }
          }
          r[0] = fresh(`call${pc}`);
          for (let k = 1; k <= 5; k++) r[k] = "x";
          s.pc = pc + 1;
          continue;
        }
        const to = target(pc, op === Jmp.JA && cls === Class.JMP32 ? insn.imm : insn.off);
        if (op === Jmp.JA) {
          s.pc = to;
          continue;
        }
        const is64 = cls === Class.JMP;
        const a = r[insn.dst];
        const b = srcOf(insn.code) === 0x08 ? r[insn.src] : c(BigInt(insn.imm));
        let known: boolean | undefined;
        if (isConst(a) && isConst(b)) known = compare(op, constOf(a), constOf(b), is64);
        else if (isConst(b) && constraints.has(a)) {
          // The verifier decides a branch from the range its earlier checks gave the value.
          known = decide(op, rangeOf(constraints.get(a)!.cons), constOf(b), is64);
        } else if (
          a.startsWith("p:") &&
          isConst(b) &&
          constOf(b) === 0n &&
          !a.startsWith("p:mapv?")
        ) {
          if (op === Jmp.JEQ) known = false;
          if (op === Jmp.JNE) known = true;
        }
        if (known !== undefined) {
          s.pc = known ? to : pc + 1;
          continue;
        }
        // Both ways; each side learns something about the compared register.
        const taken = clone(s);
        const refine = (st: State, dir: string) => {
          const regs = st.frames[st.frames.length - 1].regs;
          if (op === Jmp.JEQ && dir === "t" && isConst(b) && !a.startsWith("p:"))
            regs[insn.dst] = b;
          else if (op === Jmp.JNE && dir === "f" && isConst(b) && !a.startsWith("p:"))
            regs[insn.dst] = b;
          // An unknown compared with a known value gets a range the verifier keeps apart from
          // others (a loop's run-time bound, exiting at each iteration); two unknowns compared
          // learn nothing we track (the verifier drops such imprecise ranges when it prunes).
          else if (!isConst(a) && isConst(b))
            regs[insn.dst] = refined(regs[insn.dst], `${insn.code}${dir}|${b}`);
          if (srcOf(insn.code) === 0x08 && !isConst(b) && isConst(a))
            regs[insn.src] = refined(regs[insn.src], `${insn.code}${dir}|${a}<`);
        };
        const refined = (v: Val, how: string): Val => {
          const p = pointer(v);
          if (p)
            return `p:${p.base}:${p.off.startsWith("?") ? `?${tags.id(`${p.off}|${how}`)}` : p.off}`;
          // The same constraint learnt twice (a check repeated on another path) is one range.
          // One bound per kind of comparison, the latest (an interval, as the verifier keeps).
          const known = constraints.get(v) ?? { base: v, cons: [] };
          if (known.cons.includes(how)) return v;
          const kind = how.slice(0, how.indexOf("|"));
          const cons = [...known.cons.filter((k) => !k.startsWith(`${kind}|`)), how].sort();
          const out: Val = `u:${tags.id(`${known.base}|${cons.join("&")}`)}`;
          constraints.set(out, { base: known.base, cons });
          return out;
        };
        refine(taken, "t");
        taken.pc = to;
        work.push(taken);
        refine(s, "f");
        s.pc = pc + 1;
        continue;
      }
      // Anything else (legacy packet loads): the verifier rejects it or it does nothing we track.
      s.pc = pc + 1;
    }
    s = undefined;
  }
  return { processed: processed * SAFETY_FACTOR, walked: processed, exceeded: false, maxDepth };
}
