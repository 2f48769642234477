// What a refined unknown's comparisons say about it, as the verifier keeps it: an unsigned
// interval (from <, <=, >, >= against constants), and the rest (==, !=, signed, bit tests) kept
// as they are. A state whose intervals lie within those of a state already walked from the same
// instruction is pruned, as the verifier's range_within does.
import { Class, Jmp } from "../bpf/opcodes.js";

const MAX = (1n << 64n) - 1n;

export interface Range {
  /** The comparisons that are not an unsigned bound, in a canonical order. */
  exact: string[];
  lo: bigint;
  hi: bigint;
}

/**
 * The interval of a value that started in [lo, hi] (what its operation gave it) and passed the
 * comparisons `cons`. Constraints as estimate.ts writes them: `${code}${t|f}|c:${K}`, with a trailing `<` when the
 * refined value was the right-hand operand (K op reg).
 */
export function rangeOf(cons: readonly string[], lo = 0n, hi = MAX): Range {
  const exact: string[] = [];
  for (const c of cons) {
    const m = /^(\d+)([tf])\|c:(\d+)(<?)$/.exec(c);
    if (!m) {
      exact.push(c);
      continue;
    }
    const code = Number(m[1]);
    const k = BigInt(m[3]);
    const swapped = m[4] === "<";
    const jmp32 = (code & 0x07) === Class.JMP32;
    let op = code & 0xf0;
    const kk = jmp32 ? k & 0xffffffffn : k;
    // K op reg is reg op' K.
    if (swapped)
      op =
        (
          {
            [Jmp.JGT]: Jmp.JLT,
            [Jmp.JGE]: Jmp.JLE,
            [Jmp.JLT]: Jmp.JGT,
            [Jmp.JLE]: Jmp.JGE,
          } as Record<number, number>
        )[op] ?? -1;
    const holds = m[2] === "t";
    const bound = (o: number) => {
      if (o === Jmp.JGT) lo = lo > kk + 1n ? lo : kk + 1n;
      else if (o === Jmp.JGE) lo = lo > kk ? lo : kk;
      else if (o === Jmp.JLT) hi = hi < kk - 1n ? hi : kk - 1n;
      else if (o === Jmp.JLE) hi = hi < kk ? hi : kk;
    };
    const negated: Record<number, number> = {
      [Jmp.JGT]: Jmp.JLE,
      [Jmp.JGE]: Jmp.JLT,
      [Jmp.JLT]: Jmp.JGE,
      [Jmp.JLE]: Jmp.JGT,
    };
    if (op in negated) bound(holds ? op : negated[op]);
    else exact.push(c);
  }
  return { exact, lo, hi };
}

/** The outcome of `value op k` when the value's interval decides it, else undefined. */
export function decide(op: number, r: Range, k: bigint, is64: boolean): boolean | undefined {
  if (r.exact.length > 0) return undefined;
  const kk = is64 ? k : k & 0xffffffffn;
  // A 32-bit comparison sees the low half: decided only when the interval fits in it.
  if (!is64 && r.hi > 0xffffffffn) return undefined;
  const { lo, hi } = r;
  switch (op) {
    case Jmp.JGT:
      return lo > kk ? true : hi <= kk ? false : undefined;
    case Jmp.JGE:
      return lo >= kk ? true : hi < kk ? false : undefined;
    case Jmp.JLT:
      return hi < kk ? true : lo >= kk ? false : undefined;
    case Jmp.JLE:
      return hi <= kk ? true : lo > kk ? false : undefined;
    case Jmp.JEQ:
      return kk < lo || kk > hi ? false : lo === hi && lo === kk ? true : undefined;
    case Jmp.JNE:
      return kk < lo || kk > hi ? true : lo === hi && lo === kk ? false : undefined;
    default:
      return undefined;
  }
}
