// The verifier's common complaints in plain words, with what to do about them. The verifier speaks
// in registers and pointer types ("math between map_value pointer and register with unbounded min
// value is not allowed"); a user of iochain thinks in reads, offsets and loops. Messages not listed
// here are shown as the verifier wrote them. Wording checked against Linux 6.18's logs.

export interface PlainReason {
  /** One sentence, starting lower-case (it follows `error[E0801]: `). */
  message: string;
  hint?: string;
}

const BOUND_IT =
  "check the offset against the size of what it reads before the access, on every path to it " +
  "(the compiler inserts these checks; --unsafe-no-bounds-checks leaves them out)";

interface Entry {
  pattern: RegExp;
  explain(m: RegExpMatchArray): PlainReason;
}

/** Most specific first: a two-line reason is explained by the first entry that matches a line. */
const TABLE: Entry[] = [
  {
    pattern: /invalid access to map value, value_size=(\d+) off=(-?\d+) size=(\d+)/,
    explain: (m) => ({
      message: `an access of ${m[3]} bytes at offset ${m[2]} may fall outside a ${m[1]}-byte map value`,
      hint: `${BOUND_IT}: offset + ${m[3]} must stay within ${m[1]}`,
    }),
  },
  {
    pattern:
      /math between (\w+) pointer and register with unbounded (min|max) value is not allowed/,
    explain: (m) => ({
      message: `an offset with no known ${m[2] === "min" ? "lower" : "upper"} bound is added to a pointer into ${pointee(m[1])}: the access could land anywhere`,
      hint: BOUND_IT,
    }),
  },
  {
    pattern: /R(\d+) (min|max) value is outside of the allowed memory range/,
    explain: (m) => ({
      message: `the offset in r${m[1]} may be ${m[2] === "min" ? "below the start" : "past the end"} of the memory it points into`,
      hint: BOUND_IT,
    }),
  },
  {
    pattern: /R(\d+) unbounded memory access/,
    explain: (m) => ({
      message: `an access through r${m[1]} at an offset with no known upper bound`,
      hint: BOUND_IT,
    }),
  },
  {
    pattern: /value (-?\d+) makes (\w+) pointer be out of bounds/,
    explain: (m) => ({
      message: `adding ${m[1]} moves a pointer out of ${pointee(m[2])}`,
      hint: BOUND_IT,
    }),
  },
  {
    pattern: /R(\d+) !read_ok/,
    explain: (m) => ({
      message: `register r${m[1]} is read before anything was written to it`,
      hint: "on every path to this instruction, set the register first",
    }),
  },
  {
    pattern: /^div by zero$/,
    explain: () => ({
      message: "a division or remainder by the constant 0",
      hint: "eBPF defines x / 0 as 0 at run time, but the verifier refuses a constant 0 divisor",
    }),
  },
  {
    pattern: /BPF program is too large\. Processed (\d+) insn/,
    explain: (m) => ({
      message: `the verifier gave up after walking ${m[1]} instructions: the program has too many paths to check`,
      hint: "lower the loops' bounds (`max N`) to what the format really allows, or split the work across stages",
    }),
  },
  {
    pattern: /infinite loop detected|back-edge from insn/,
    explain: () => ({
      message: "a loop the verifier cannot prove to end",
      hint: "give every loop a bound it can follow: a constant count, or a counter checked against a constant",
    }),
  },
  {
    pattern: /invalid mem access '(\w+)'/,
    explain: (m) => ({
      message: m[1].endsWith("or_null")
        ? "memory is accessed through a pointer that may be NULL"
        : `memory is accessed through a register that holds ${m[1] === "scalar" ? "a number" : `a ${m[1]}`}, not a pointer`,
      hint: m[1].endsWith("or_null") ? "compare the pointer with 0 before the access" : undefined,
    }),
  },
  {
    pattern: /invalid (?:indirect )?read from stack/,
    explain: () => ({ message: "a stack slot is read before it was written" }),
  },
  {
    pattern: /combined stack size of (\d+) calls is (\d+)/,
    explain: (m) => ({
      message: `${m[1]} nested calls need ${m[2]} bytes of stack together; eBPF gives a program 512`,
      hint: "inline a function, or keep fewer local arrays",
    }),
  },
  {
    pattern: /invalid bpf_context access off=(\d+) size=(\d+)/,
    explain: (m) => ({
      message: `ctx is accessed at offset ${m[1]} (${m[2]} bytes), which this program type does not allow`,
    }),
  },
  {
    pattern: /unreachable insn (\d+)/,
    explain: (m) => ({
      message: `instruction ${m[1]} can never run, and the verifier refuses dead code`,
    }),
  },
];

function pointee(type: string): string {
  if (type === "map_value") return "a map value (the block, scratch or extents map)";
  if (type === "ctx") return "ctx";
  if (type === "fp") return "the stack";
  return `a ${type} object`;
}

/** The plain form of the verifier's `reason` (as verifierReason gives it), if the table has one. */
export function explainVerifierReason(reason: string): PlainReason | undefined {
  for (const entry of TABLE) {
    for (const line of reason.split("; ")) {
      const m = entry.pattern.exec(line);
      if (m) return entry.explain(m);
    }
  }
  return undefined;
}
