// A fast-check generator of well-typed iochain storage functions for the kernel-judges test:
// layouts read at computed offsets, branches, plain loops of varied bounds (some far past what the
// verifier walks), nested loops, noinline calls, binary searches, stages, scans and long unrolled
// bodies. Every program compiles; which of them the verifier accepts is for the kernel to say.
import fc from "fast-check";

export interface GeneratedProgram {
  source: string;
  /** Compile loops plain (as for a kernel before 5.17): how the big loops exceed the limits. */
  plainLoops: boolean;
}

const BLOCKS = [512, 4096] as const;

type Stmt = (k: number, block: number) => string;

const readStmt = fc.tuple(fc.integer({ min: 1, max: 97 }), fc.integer({ min: 0, max: 4000 })).map(
  ([mul, add]): Stmt =>
    (_k, block) =>
      `    s += (u32le at ((key * ${mul} + ${add}) % ${block - 4})) as u64;`,
);

const layoutStmt = fc.integer({ min: 0, max: 4000 }).map(
  (add): Stmt =>
    (k, block) =>
      `    let r${k} = Rec at ((key + ${add}) % ${block - 8});\n    s += r${k}.a as u64 + r${k}.c as u64 * r${k}.b as u64;`,
);

const ifStmt = fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 255 })).map(
  ([at, lim]): Stmt =>
    () =>
      `    if (u8 at ${at}) > ${lim} { s += 1; } else { s = s * 3 + ${lim}; }`,
);

/** max: small (cheap), medium, and far too big for a plain loop. */
const loopMax = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 5, arbitrary: fc.integer({ min: 65, max: 250 }) },
  { weight: 1, arbitrary: fc.integer({ min: 20000, max: 60000 }) },
);

const loopStmt = fc
  .tuple(loopMax, fc.integer({ min: 1, max: 13 }), fc.boolean(), fc.integer({ min: 0, max: 255 }))
  .map(
    ([max, mul, branchy, lim]): Stmt =>
      (k, block) =>
        `    for i${k} in 0 .. n max ${max} {\n        s += (u8 at ((i${k} * ${mul}) % ${block})) as u64;\n` +
        (branchy ? `        if s > ${lim * 1000} { s ^= ${lim}; }\n` : "") +
        `    }`,
  );

const nestedStmt = fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 30 })).map(
  ([outer, inner]): Stmt =>
    (k, block) =>
      `    for i${k} in 0 .. n max ${outer} {\n        for j${k} in 0 .. ${inner} {\n` +
      `            s += (u8 at ((i${k} + j${k}) % ${block})) as u64;\n        }\n    }`,
);

const searchStmt = fc.integer({ min: 1, max: 20 }).map(
  (max): Stmt =>
    (k, block) =>
      `    var lo${k}: u32 = 0;\n    var hi${k}: u32 = n;\n    while lo${k} < hi${k} max ${max} {\n` +
      `        let mid${k} = (lo${k} + hi${k}) / 2;\n` +
      `        if (u8 at (mid${k} % ${block})) < (key as u8) { lo${k} = mid${k} + 1; } else { hi${k} = mid${k}; }\n` +
      `    }\n    s += lo${k} as u64;`,
);

const callStmt = fc.constant<Stmt>(() => `    s = mix(s, key);`);

/** A long straight run of reads (an unrolled body). */
const unrolledStmt = fc.integer({ min: 50, max: 400 }).map(
  (n): Stmt =>
    (_k, block) =>
      // Distinct offsets only: the same read twice is merged, and its value kept alive.
      Array.from(
        { length: Math.min(n, (block - 2) / 2) },
        (_, j) => `    s = (s ^ (u16le at ${j * 2}) as u64) * 3;`,
      ).join("\n"),
);

const stmt = fc.oneof(
  { weight: 4, arbitrary: readStmt },
  { weight: 3, arbitrary: layoutStmt },
  { weight: 3, arbitrary: ifStmt },
  { weight: 4, arbitrary: loopStmt },
  { weight: 2, arbitrary: nestedStmt },
  { weight: 2, arbitrary: searchStmt },
  { weight: 2, arbitrary: callStmt },
  { weight: 1, arbitrary: unrolledStmt },
);

const HEADER = `layout Rec: little { a: u32, b: u16, c: u8, d: u8 }

noinline fn mix(a: u64, b: u32) -> u64 {
    return (a ^ (b as u64 * 7)) + 1;
}
`;

/** A one-stage body (`return s`) or two stages, the second reached by a resubmit. */
function body(stmts: Stmt[], block: number, staged: boolean): string {
  const lines = stmts.map((s, k) => s(k, block)).join("\n");
  if (!staged) return `    var s: u64 = 0;\n${lines}\n    return s;`;
  return (
    `    state acc: u64;\n    stage first {\n        var s: u64 = 0;\n${lines}\n        acc = s;\n` +
    `        resubmit ${block} -> second;\n    }\n` +
    `    stage second {\n        return acc + (u64le at 0);\n    }`
  );
}

const scanProgram = fc
  .tuple(
    fc.constantFrom(...BLOCKS),
    fc.integer({ min: 1, max: 300 }),
    fc.integer({ min: 0, max: 200 }),
  )
  .map(([block, max, lim]): GeneratedProgram => ({
    plainLoops: true,
    source:
      `storage fn g(lo: u64, n: u32) block ${block} max_chain 4 {\n` +
      `    output { key: u64 } capacity 16;\n    aggregate { total: sum(key) };\n` +
      `    scan i in 0 .. n max ${Math.min(max, block / 8)}\n        let key = u64le at ((i * 8) % ${block - 8})\n` +
      `        until key > ${lim * 1000}\n        filter key >= lo\n        emit { key };\n    return;\n}\n`,
  }));

const fnProgram = fc
  .tuple(
    fc.constantFrom(...BLOCKS),
    fc.array(stmt, { minLength: 1, maxLength: 6 }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([block, stmts, staged, plainLoops]): GeneratedProgram => ({
    plainLoops,
    source:
      `${HEADER}\nstorage fn f(key: u32, n: u32) -> u64 block ${block} max_chain 4 {\n` +
      `${body(stmts, block, staged)}\n}\n`,
  }));

export const programArb: fc.Arbitrary<GeneratedProgram> = fc.oneof(
  { weight: 9, arbitrary: fnProgram },
  { weight: 1, arbitrary: scanProgram },
);
