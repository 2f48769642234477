// Bad input of every kind must end in a diagnostic, never a host exception or an internal error:
// mutated versions of the example programs (tokens dropped, duplicated, swapped, replaced) go
// through the whole compiler.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/pipeline.js";
import { DiagnosticsError, IochainError, toDiagnostics } from "../../src/diagnostics.js";

const sources = [
  "examples/bptree/lookup.ioc",
  "examples/range/scan.ioc",
  "examples/sstable/lookup.ioc",
  "examples/slotted/lookup.ioc",
].map((f) => [f, readFileSync(f, "utf8")] as const);

const VOCAB = [
  "{",
  "}",
  "(",
  ")",
  ";",
  ",",
  "0",
  "1",
  "65536",
  "-1",
  "u8",
  "u64be",
  "bool",
  "x",
  "let",
  "var",
  "return",
  "fail",
  "resubmit",
  "scan",
  "stage",
  "state",
  "max",
  "at",
  "as",
  "==",
  "=",
  "+",
  "<<",
  "&&",
  "!",
  "..",
  "->",
  "::",
  "[",
  "]",
  "true",
  "layout",
  "fn",
  "_",
];

/** Splits into tokens and the whitespace between them, so edits keep the text readable. */
const tokens = (s: string): string[] =>
  s.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|\d[\w]*|::|\.\.|->|[=!<>]=|&&|\|\||<<|>>|\S/g) ?? [];

const edit = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("dup" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant("put" as const), at: fc.nat(), word: fc.constantFrom(...VOCAB) }),
);

function mutate(
  src: string,
  edits: { kind: string; at: number; to?: number; word?: string }[],
): string {
  const t = tokens(src);
  for (const e of edits) {
    const i = e.at % t.length;
    if (e.kind === "drop") t.splice(i, 1);
    else if (e.kind === "dup") t.splice(i, 0, t[i]);
    else if (e.kind === "swap") {
      const j = (e.to ?? 0) % t.length;
      [t[i], t[j]] = [t[j], t[i]];
    } else t[i] = ` ${e.word} `;
  }
  return t.join("");
}

describe("robustness", () => {
  it("compiles mutated programs to a result or a diagnostic, never an internal error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sources),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        async ([file, src], edits) => {
          // Yield between runs: a minute of synchronous work starves vitest's worker RPC.
          await new Promise((resolve) => setImmediate(resolve));
          const mutated = mutate(src, edits);
          try {
            compile(mutated, file);
          } catch (err) {
            if (!(err instanceof IochainError) && !(err instanceof DiagnosticsError)) throw err;
            for (const d of toDiagnostics(err)) {
              expect(d.code, `${d.code}: ${d.message}\n--- source ---\n${mutated}`).toMatch(
                /^E0[3-6]\d\d$|^E069\d$/,
              );
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
