// One walk of a program as the kernel's verifier (6.x) walks it — depth first, every path, every
// loop iteration, each BPF-to-BPF call and each bpf_loop callback pass explored at its call —
// counting every instruction it processes; estimate.ts runs it twice and adds the margin. Paths
// are cut where the verifier cuts them (is_state_visited): at its prune points (conditional jumps,
// jump targets of `goto`, the instruction after a call, calls), against states it has kept (a new
// one only after 2 jumps and 8 instructions, fewer while a loop is being walked, evicted after
// missing too often), and only against states whose every path is done. Two states match when
// each live value of the old one is matched: pointers exactly, scalars only if the old one is
// *precise* — a value that some path used to decide a branch, as a bpf_loop count or a helper's
// size argument (mark_chain_precision, followed back through what it was computed from) — and
// then only if it is the same value, within the same bounds.
import type { ProgramArtifact } from "../abi/artifact.js";
import { HelperId } from "../abi/helpers.js";
import { type Insn, imm64Of, slotOffsets } from "../bpf/insn.js";
import {
  Alu,
  Class,
  Jmp,
  LD_IMM64,
  Mode,
  PseudoCall,
  PseudoLd,
  classOf,
  modeOf,
  opOf,
  sizeOf,
  srcOf,
} from "../bpf/opcodes.js";
import { liveness, type Liveness } from "./liveness.js";
import {
  type Checkpoint,
  type Frame,
  Interner,
  type Kept,
  type Slot,
  type State,
  type Val,
  c,
  constOf,
  isConst,
  isScalar,
} from "./walk-state.js";
import { SIZE_ARGS, SIZE_BYTES, SWAPPED, frozenMaps, prunePoints } from "./verifier-facts.js";
import { decide, rangeOf, type Range } from "./ranges.js";
import { type Interval, U32, U64, aluConst, aluInterval, compare } from "./scalars.js";

export interface Walk {
  processed: number;
  exceeded: boolean;
  maxDepth: number;
}

/**
 * One walk. `strict`: every scalar counts when states are compared, as if precise, and a
 * comparison of two unknowns refines both (the verifier learns bounds from it).
 */
export function walk(
  insns: readonly Insn[],
  artifact: ProgramArtifact | undefined,
  budget: number,
  strict: boolean,
): Walk {
  const slots = slotOffsets(insns);
  const indexOfSlot = new Map<number, number>();
  slots.forEach((s, i) => indexOfSlot.set(s, i));
  const target = (pc: number, off: number): number => indexOfSlot.get(slots[pc] + 1 + off) ?? -1;
  const live: Liveness = liveness(insns, target);
  const { points, forced } = prunePoints(insns, target);
  const frozen = frozenMaps(artifact);
  const tags = new Interner();
  const kept = new Map<number, Kept[]>();
  let frameIds = 0;
  let processed = 0;
  let maxDepth = 1;
  let jumps = 0;
  let lastJumps = 0;
  let lastProcessed = 0;
  /** What a refined unknown was before, and the comparisons it has passed. */
  const constraints = new Map<Val, { base: Val; cons: string[] }>();
  /** The interval an unknown's operation gave it (absent: any 64-bit value). */
  const intervals = new Map<Val, Interval>();
  /** Precision, as mark_chain_precision spreads it: instructions whose results are precise, and
   * the instructions each one's operands came from. */
  const precise = new Set<number>();
  const inputs = new Map<number, Set<number>>();
  const markPrecise = (d: number) => {
    const todo = [d];
    while (todo.length > 0) {
      const k = todo.pop()!;
      if (k < 0 || precise.has(k)) continue;
      precise.add(k);
      for (const i of inputs.get(k) ?? []) todo.push(i);
    }
  };
  const dependsOn = (d: number, on: number) => {
    if (on < 0 || d === on) return;
    let set = inputs.get(d);
    if (!set) inputs.set(d, (set = new Set()));
    if (set.has(on)) return;
    set.add(on);
    if (precise.has(d)) markPrecise(on);
  };

  // A value's range never changes once made (its interval and constraints are fixed): kept.
  const ranges = new Map<Val, Range>();
  const rangeOfVal = (v: Val): Range | undefined => {
    let range = ranges.get(v);
    if (range) return range;
    if (isConst(v)) range = { exact: [], lo: constOf(v), hi: constOf(v) };
    else if (!v.startsWith("u:")) return undefined;
    else {
      const refined = constraints.get(v);
      const base = intervals.get(refined?.base ?? v) ?? [0n, U64];
      range = rangeOf(refined?.cons ?? [], base[0], base[1]);
    }
    ranges.set(v, range);
    return range;
  };
  const intervalOf = (v: Val): Interval => {
    const r = rangeOfVal(v);
    return r && r.exact.length === 0 && r.lo <= r.hi ? [r.lo, r.hi] : [0n, U64];
  };
  const pinned = (v: Val): Val => {
    if (isConst(v) || !v.startsWith("u:")) return v;
    const r = rangeOfVal(v)!;
    return r.exact.length === 0 && r.lo === r.hi ? c(r.lo) : v;
  };
  const unknown = (why: string, range?: Interval): Val => {
    const v: Val = `u:${tags.id(why)}`;
    if (range && (range[0] > 0n || range[1] < U64)) intervals.set(v, range);
    return v;
  };

  const newFrame = (regs: Val[], ret: number, callback: boolean): Frame => {
    const id = frameIds++;
    regs[10] = `p:fp${id}:0`;
    return {
      regs,
      defs: new Array<number>(11).fill(-1),
      stack: new Map(),
      ret,
      callback,
      callbackDepth: 0,
      id,
    };
  };
  const clone = (s: State): State => ({
    pc: s.pc,
    parent: s.parent,
    history: s.history,
    frames: s.frames.map((f) => ({
      ...f,
      regs: [...f.regs],
      defs: [...f.defs],
      stack: new Map(f.stack),
    })),
  });
  /** A path forks: its last checkpoint has one more path to wait for (push_stack). */
  const fork = (s: State): State => {
    const t = clone(s);
    if (t.parent) t.parent.branches++;
    return t;
  };
  /** A path ends (exit or pruned): checkpoints whose every path is done become usable. */
  const finish = (s: State) => {
    for (let p = s.parent; p; p = p.parent) if (--p.branches > 0) break;
  };

  // A state as the pruning sees it: the frames' shape (returns, callback depths, pointers to
  // frames renamed by depth) and its live values by name.
  const viewOf = (s: State): { shape: string; values: Map<string, Slot> } => {
    const shape: string[] = [];
    const values = new Map<string, Slot>();
    const rename = new Map<string, string>();
    s.frames.forEach((f, d) => rename.set(`fp${f.id}`, `fp@${d}`));
    const norm = (v: Val) =>
      v.startsWith("p:fp") ? v.replace(/fp\d+/, (m) => rename.get(m) ?? m) : v;
    s.frames.forEach((f, d) => {
      const top = d === s.frames.length - 1;
      const at = top ? s.pc : s.frames[d + 1].ret;
      // Below the top, a called function's caller keeps only r6–r9; a callback's, all.
      const calleeIsCallback = !top && s.frames[d + 1].callback;
      const regs = top || calleeIsCallback ? live.regsIn(at) : live.regsIn(at) & 0x3c0;
      const slotsLive = live.stackIn(at);
      shape.push(`${f.ret}${f.callback ? "cb" : ""}|`);
      for (let r = 0; r <= 9; r++)
        if (regs & (1 << r)) values.set(`${d}r${r}`, { v: norm(f.regs[r]), d: f.defs[r] });
      for (const [k, slot] of f.stack)
        if (slotsLive === "all" || slotsLive.has(k))
          values.set(`${d}[${k}]`, { v: norm(slot.v), d: slot.d });
    });
    return { shape: shape.join(" "), values };
  };

  // Whether the current values are safe where the old ones were (regsafe, stacksafe): `exact`
  // compares every scalar (the RANGE_WITHIN check at a bpf_loop call), else only precise ones.
  const scalarWithin = (o: Val, n: Val): boolean => {
    if (o === n) return true;
    if (isConst(o) || isConst(n)) return false;
    const ro = constraints.get(o);
    const rn = constraints.get(n);
    if ((ro?.base ?? o) !== (rn?.base ?? n)) return false;
    const a = rangeOfVal(o)!;
    const b = rangeOfVal(n)!;
    return a.exact.join("&") === b.exact.join("&") && b.lo >= a.lo && b.hi <= a.hi;
  };
  const safe = (
    old: Map<string, Slot>,
    cur: Map<string, Slot>,
    exact: boolean,
    allPrecise = false,
  ): boolean => {
    for (const [name, o] of old) {
      if (o.v === "x") continue;
      const n = cur.get(name);
      if (!n || n.v === "x") return false;
      if (!isScalar(o.v) || !isScalar(n.v)) {
        if (o.v !== n.v) return false;
      } else if ((exact || allPrecise || precise.has(o.d)) && !scalarWithin(o.v, n.v)) return false;
    }
    return true;
  };
  // A pruned path: the old state's precise values make the current ones precise
  // (propagate_precision).
  const propagate = (old: Map<string, Slot>, cur: Map<string, Slot>) => {
    for (const [name, o] of old)
      if (precise.has(o.d)) {
        const n = cur.get(name);
        if (n) markPrecise(n.d);
      }
  };

  /** is_state_visited: true when the path is pruned here. */
  const visited = (s: State): boolean => {
    const pc = s.pc;
    const force = forced.has(pc) || s.history > 40;
    let add = force || (jumps - lastJumps >= 2 && processed - lastProcessed >= 8);
    const view = viewOf(s);
    const list = kept.get(pc) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const k = list[i];
      let hit = false;
      if (k.cp.branches > 0) {
        // Still being walked (a loop's earlier iteration): only a bpf_loop call compares it, to
        // see the callback's passes converge.
        if (forced.has(pc) && k.shape === view.shape && safe(k.values, view.values, true))
          hit = true;
        else if (!force && jumps - lastJumps < 20 && processed - lastProcessed < 100) add = false;
      } else hit = k.shape === view.shape && safe(k.values, view.values, false, strict);
      // A state kept at a later callback pass never covers an earlier pass's (func_states_equal).
      if (hit && k.depths.some((dep, i) => dep > s.frames[i].callbackDepth)) hit = false;
      if (hit) {
        k.hit++;
        propagate(k.values, view.values);
        return true;
      }
      if (add) k.miss++;
      const n = forced.has(pc) && k.cp.branches > 0 ? 64 : 3;
      if (k.miss > k.hit * n + n) list.splice(i, 1);
    }
    if (!add) return false;
    const cp: Checkpoint = { branches: 1, parent: s.parent };
    const depths = s.frames.map((f) => f.callbackDepth);
    list.push({ cp, shape: view.shape, values: view.values, depths, hit: 0, miss: 0 });
    kept.set(pc, list);
    s.parent = cp;
    s.history = 0;
    lastJumps = jumps;
    lastProcessed = processed;
    return false;
  };

  // Back at the bpf_loop call after a callback pass: the imprecise scalars that differ from the
  // state kept there on this path become unknowns, so that the passes converge
  // (widen_imprecise_scalars, against find_prev_entry's state).
  const widen = (s: State) => {
    const shape = viewOf(s).shape;
    const prev = [...(kept.get(s.pc) ?? [])]
      .reverse()
      .find((k) => k.cp.branches > 0 && k.shape === shape);
    if (!prev) return;
    const wide = (name: string, cur: Slot): Slot | undefined => {
      const old = prev.values.get(name);
      if (!old || !isScalar(old.v) || !isScalar(cur.v) || old.v === cur.v) return undefined;
      if (precise.has(old.d) || precise.has(cur.d)) return undefined;
      return { v: unknown(`widen|${s.pc}|${name}`), d: cur.d };
    };
    s.frames.forEach((f, d) => {
      for (let r = 0; r <= 9; r++) {
        const w = wide(`${d}r${r}`, { v: f.regs[r], d: f.defs[r] });
        if (w) f.regs[r] = w.v;
      }
      for (const [k, slot] of f.stack) {
        const w = wide(`${d}[${k}]`, slot);
        if (w) f.stack.set(k, w);
      }
    });
  };

  const pointer = (v: Val): { base: string; off: string } | undefined => {
    if (!v.startsWith("p:")) return undefined;
    const rest = v.slice(2);
    const colon = rest.lastIndexOf(":");
    return { base: rest.slice(0, colon), off: rest.slice(colon + 1) };
  };

  const entryRegs = new Array<Val>(11).fill("x");
  entryRegs[1] = "p:ctx:0";
  const work: State[] = [{ pc: 0, frames: [newFrame(entryRegs, -1, false)], history: 0 }];

  const result = (exceeded: boolean): Walk => ({ processed, exceeded, maxDepth });

  while (work.length > 0) {
    const s: State = work.pop()!;
    for (;;) {
      if (++processed > budget) return result(true);
      const pc = s.pc;
      if (pc < 0 || pc >= insns.length) break;
      if (points.has(pc) && visited(s)) break;
      const f = s.frames[s.frames.length - 1];
      const r = f.regs;
      const d = f.defs;
      const insn = insns[pc];
      const cls = classOf(insn.code);
      const set = (reg: number, v: Val, from: number[] = []) => {
        r[reg] = v;
        d[reg] = pc;
        for (const k of from) dependsOn(pc, k);
      };

      if (insn.code === LD_IMM64) {
        if (insn.src === PseudoLd.MAP_VALUE || insn.src === PseudoLd.MAP_IDX_VALUE)
          set(insn.dst, `p:map${insn.imm}:${insn.imm2 ?? 0}`);
        else if (insn.src === PseudoLd.MAP_FD || insn.src === PseudoLd.MAP_IDX)
          set(insn.dst, `p:mapfd${insn.imm}:0`);
        else if (insn.src === PseudoLd.FUNC) set(insn.dst, `p:func${target(pc, insn.imm)}:0`);
        else set(insn.dst, c(imm64Of(insn)));
        s.pc = pc + 1;
        continue;
      }

      if (cls === Class.ALU || cls === Class.ALU64) {
        const is64 = cls === Class.ALU64;
        const op = opOf(insn.code);
        const a = r[insn.dst];
        const isX = srcOf(insn.code) === 0x08;
        const b = isX ? r[insn.src] : c(BigInt(insn.imm));
        const from = [...(op === Alu.MOV ? [] : [d[insn.dst]]), ...(isX ? [d[insn.src]] : [])];
        if (op === Alu.MOV && insn.off === 0) {
          // A 32-bit move of an unknown is a new value (its upper half zeroed).
          if (isConst(b)) set(insn.dst, c(constOf(b) & (is64 ? U64 : U32)), from);
          else if (is64) set(insn.dst, b, from);
          else
            set(
              insn.dst,
              unknown(`${pc}|${b}`, aluInterval(Alu.AND, intervalOf(b), [0n, U32], false)),
              from,
            );
        } else if (op !== Alu.END && isConst(a) && isConst(b)) {
          const v = aluConst(op, constOf(a), constOf(b), is64);
          set(insn.dst, v === undefined ? unknown(`${pc}|${a}|${b}`) : c(v), from);
        } else if (is64 && (op === Alu.ADD || op === Alu.SUB) && pointer(a)) {
          const p = pointer(a)!;
          if (isConst(b) && !p.off.startsWith("?")) {
            const delta = op === Alu.ADD ? constOf(b) : -constOf(b);
            set(insn.dst, `p:${p.base}:${BigInt.asIntN(64, BigInt(p.off) + delta)}`);
          } else set(insn.dst, `p:${p.base}:?${tags.id(`${pc}|${a}|${b}`)}`);
        } else if (isScalar(a) && isScalar(b) && op !== Alu.END) {
          set(
            insn.dst,
            unknown(`${pc}|${a}|${b}`, aluInterval(op, intervalOf(a), intervalOf(b), is64)),
            from,
          );
        } else if (op === Alu.END && isScalar(a)) {
          const width = BigInt(insn.imm);
          set(
            insn.dst,
            unknown(`${pc}|${a}`, width < 64n ? [0n, (1n << width) - 1n] : undefined),
            from,
          );
        } else set(insn.dst, unknown(`${pc}|${a}|${b}`), from);
        s.pc = pc + 1;
        continue;
      }

      if (cls === Class.LDX) {
        const p = pointer(r[insn.src]);
        const bytes = SIZE_BYTES[sizeOf(insn.code)];
        const width: Interval | undefined =
          bytes < 8 ? [0n, (1n << BigInt(bytes * 8)) - 1n] : undefined;
        let v: Val = unknown(`ld${pc}`, width);
        let def = pc;
        if (p && !p.off.startsWith("?")) {
          const at = Number(p.off) + insn.off;
          const owner = p.base.startsWith("fp")
            ? s.frames.find((fr) => `fp${fr.id}` === p.base)
            : undefined;
          if (owner && modeOf(insn.code) === Mode.MEM) {
            // A fill from the stack: the value spilled there, and precision follows it back.
            const slot = owner.stack.get(at & ~7);
            if (slot !== undefined && bytes === 8 && (at & 7) === 0) {
              v = slot.v;
              def = slot.d;
            } else if (slot !== undefined) {
              v = unknown(`ld${pc}|${slot.v}|${at}|${bytes}`, width);
            }
          } else if (p.base.startsWith("map")) {
            const mem = frozen.get(Number(p.base.slice(3)));
            if (mem && at >= 0 && at + bytes <= mem.length && modeOf(insn.code) === Mode.MEM) {
              let n = 0n;
              for (let k = bytes - 1; k >= 0; k--) n = (n << 8n) | BigInt(mem[at + k]);
              v = c(n);
            }
          }
        }
        r[insn.dst] = v;
        d[insn.dst] = def;
        s.pc = pc + 1;
        continue;
      }

      if (cls === Class.ST || cls === Class.STX) {
        const p = pointer(r[insn.dst]);
        const bytes = SIZE_BYTES[sizeOf(insn.code)];
        const val = cls === Class.ST ? c(BigInt(insn.imm)) : r[insn.src];
        const valDef = cls === Class.ST ? pc : d[insn.src];
        if (p?.base.startsWith("fp")) {
          const owner = s.frames.find((fr) => `fp${fr.id}` === p.base);
          if (owner) {
            if (p.off.startsWith("?")) owner.stack.clear();
            else {
              const at = Number(p.off) + insn.off;
              const slot = at & ~7;
              if (modeOf(insn.code) === Mode.ATOMIC)
                owner.stack.set(slot, { v: unknown(`st${pc}`), d: pc });
              else if (bytes === 8 && slot === at) owner.stack.set(at, { v: val, d: valDef });
              else {
                // A narrow store changes the 8-byte slot it lands in.
                const stored = isConst(val)
                  ? c(constOf(val) & ((1n << BigInt(bytes * 8)) - 1n))
                  : `${val}/${bytes}`;
                owner.stack.set(slot, { v: unknown(`st${pc}|${at}|${stored}`), d: pc });
                dependsOn(pc, valDef);
              }
            }
          }
        }
        if (modeOf(insn.code) === Mode.ATOMIC && insn.imm & 0x01 && cls === Class.STX)
          set(insn.imm === 0xf1 ? 0 : insn.src, unknown(`at${pc}`));
        s.pc = pc + 1;
        continue;
      }

      if (cls === Class.JMP || cls === Class.JMP32) {
        jumps++;
        s.history++;
        const op = opOf(insn.code);
        if (op === Jmp.EXIT) {
          const done = s.frames.pop()!;
          if (s.frames.length === 0) break;
          const caller = s.frames[s.frames.length - 1];
          if (done.callback) {
            // The verifier checks the callback's return value (precise), then goes back to the
            // bpf_loop call to see whether another pass brings anything new.
            markPrecise(done.defs[0]);
            s.pc = done.ret;
            widen(s);
            continue;
          }
          for (let k = 1; k <= 5; k++) {
            caller.regs[k] = "x";
            caller.defs[k] = -1;
          }
          caller.regs[0] = done.regs[0];
          caller.defs[0] = done.defs[0];
          s.pc = done.ret;
          continue;
        }
        if (op === Jmp.CALL) {
          if (insn.src === PseudoCall.LOCAL) {
            const regs = new Array<Val>(11).fill("x");
            const callee = newFrame(regs, pc + 1, false);
            for (let k = 1; k <= 5; k++) {
              regs[k] = r[k];
              callee.defs[k] = d[k];
            }
            s.frames.push(callee);
            maxDepth = Math.max(maxDepth, s.frames.length);
            s.pc = target(pc, insn.imm);
            continue;
          }
          // A helper's size argument is checked against its buffer: precise (check_func_arg).
          for (const k of SIZE_ARGS[insn.imm] ?? [1, 2, 3, 4, 5])
            if (isScalar(r[k])) markPrecise(d[k]);
          if (insn.imm === HelperId.LOOP) {
            const fn = pointer(r[2]);
            const entry = fn?.base.startsWith("func") ? Number(fn.base.slice(4)) : -1;
            const most = intervalOf(r[1])[1] & U32;
            if (entry >= 0 && BigInt(f.callbackDepth) < most) {
              // One more pass of the callback, walked later; this path goes on after the call.
              const pass = fork(s);
              pass.frames[pass.frames.length - 1].callbackDepth++;
              const regs = new Array<Val>(11).fill("x");
              regs[1] = unknown(`cbidx${pc}`, [0n, U32]);
              regs[2] = r[3];
              const callee = newFrame(regs, pc, true);
              callee.defs[1] = -1;
              callee.defs[2] = d[3];
              pass.frames.push(callee);
              pass.pc = entry;
              maxDepth = Math.max(maxDepth, pass.frames.length);
              work.push(pass);
            }
            f.callbackDepth = 0;
          }
          set(0, unknown(`call${pc}`));
          for (let k = 1; k <= 5; k++) {
            r[k] = "x";
            d[k] = -1;
          }
          s.pc = pc + 1;
          continue;
        }
        const to = target(pc, op === Jmp.JA && cls === Class.JMP32 ? insn.imm : insn.off);
        if (op === Jmp.JA) {
          s.pc = to;
          continue;
        }
        const is64 = cls === Class.JMP;
        const isX = srcOf(insn.code) === 0x08;
        const a = r[insn.dst];
        const b = isX ? r[insn.src] : c(BigInt(insn.imm));
        let known: boolean | undefined;
        // An unknown whose bounds leave one value is that constant to the verifier (n after a
        // loop `i < n` left at i): it decides branches against other unknowns too.
        const ka = pinned(a);
        const kb = pinned(b);
        if (isConst(ka) && isConst(kb)) known = compare(op, constOf(ka), constOf(kb), is64);
        else if (isConst(kb) && isScalar(a)) known = decide(op, rangeOfVal(a)!, constOf(kb), is64);
        else if (isConst(ka) && isScalar(b))
          known = decide(SWAPPED[op] ?? -1, rangeOfVal(b)!, constOf(ka), is64);
        else if (a.startsWith("p:") && isConst(b) && constOf(b) === 0n) {
          if (op === Jmp.JEQ) known = false;
          if (op === Jmp.JNE) known = true;
        }
        if (known !== undefined) {
          // A branch decided from a scalar's value makes it precise (check_cond_jmp_op).
          if (isScalar(a)) markPrecise(d[insn.dst]);
          if (isX && isScalar(b)) markPrecise(d[insn.src]);
          s.pc = known ? to : pc + 1;
          continue;
        }
        // Both ways; each side learns something about the compared register.
        const taken = fork(s);
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
        const refine = (st: State, dir: string) => {
          const regs = st.frames[st.frames.length - 1].regs;
          if (op === Jmp.JEQ && dir === "t" && isConst(b) && !a.startsWith("p:"))
            regs[insn.dst] = b;
          else if (op === Jmp.JNE && dir === "f" && isConst(b) && !a.startsWith("p:"))
            regs[insn.dst] = b;
          // An unknown compared with a known value gets a range; two unknowns compared learn
          // nothing the model tracks, but the strict walk keeps each side's paths apart (the
          // verifier narrows both, and their copies in other frames, reg_set_min_max).
          else if (!isConst(a) && isConst(b))
            regs[insn.dst] = refined(regs[insn.dst], `${insn.code}${dir}|${b}`);
          if (isX && !isConst(b) && isConst(a))
            regs[insn.src] = refined(regs[insn.src], `${insn.code}${dir}|${a}<`);
          if (strict && isX && !isConst(a) && !isConst(b) && isScalar(a) && isScalar(b)) {
            regs[insn.dst] = refined(regs[insn.dst], `${insn.code}${dir}|r${insn.src}`);
            regs[insn.src] = refined(regs[insn.src], `${insn.code}${dir}|r${insn.dst}<`);
          }
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
    finish(s);
  }
  return result(false);
}
