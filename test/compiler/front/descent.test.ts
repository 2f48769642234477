// The descent parser (src/compiler/front/descent/) is held to ohm's: on every .ioc of the tree
// it must build the very AST ohm's match builds, and on thousands of mutations of them (tokens
// dropped, doubled, swapped, inserted) it may leave a text to ohm but never answer otherwise.
// DESCENT_MUTANTS=150 DESCENT_SEED=n runs a longer search (12 mutants a file by default).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type * as A from "../../../src/compiler/front/ast.js";
import {
  parseModule,
  parseModuleByDescent,
  parseModuleByGrammar,
} from "../../../src/compiler/front/parse.js";
import { IochainError } from "../../../src/diagnostics.js";

const root = path.resolve(import.meta.dirname, "../../..");

function iocFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ioc"))
    .map((f) => path.join(dir, f));
}

const corpus = ["examples", "stdlib", "test"].flatMap(iocFiles).sort();

type Outcome = { ast: A.Module } | { error: string } | { refused: string };

/** What a parser makes of `source`: a module, a diagnostic, or (before parsing) a refusal. */
function outcome(parse: (s: string, f: string) => A.Module | undefined, source: string): Outcome {
  try {
    const ast = parse(source, "m.ioc");
    return ast ? { ast } : { error: "left to ohm" };
  } catch (e) {
    if (!(e instanceof IochainError)) throw e;
    return { refused: `${e.code} ${e.message}` };
  }
}

/** Holds the descent parser to ohm on `source`; answers whether the descent parser took it. */
function agree(source: string): boolean {
  const fast = outcome(parseModuleByDescent, source);
  if ("refused" in fast) return false; // the checks before either parser (limits, lexical)
  const slow = outcome(parseModuleByGrammar, source);
  if ("ast" in fast) {
    if (!("ast" in slow)) {
      throw new Error(
        `the descent parser took a text ohm refuses (${JSON.stringify(slow)}):\n${source}`,
      );
    }
    expect(fast.ast, source).toStrictEqual(slow.ast);
    return true;
  }
  return false;
}

/** A deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKEN =
  /[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_]*|"(?:\\.|[^"\\\n])*"|<<=|>>=|::|->|\.\.|[-+*/%&|^<>=!]=|&&|\|\||<<|>>|\S/g;
const INSERTS = [
  ...["if", "else", "let", "var", "as", "at", "in", "max", "scan", "emit", "until", "filter"],
  ...["state", "output", "stage", "fn", "pub", "sizeof", "true", "_", "x", "u8", "0", "1_0"],
  ...["(", ")", "[", "]", "{", "}", ",", ";", ":", "::", ".", "..", "->", "=", "==", "<"],
  ...["<<", "-", "!", "~", "&&", "*", "+=", '"a"', "0x"],
];

/** `source` with one token dropped, doubled, swapped with the next, or preceded by another. */
function mutate(source: string, next: () => number): string {
  const tokens = [...source.matchAll(TOKEN)];
  if (tokens.length < 2) return source;
  const k = Math.floor(next() * (tokens.length - 1));
  const t = tokens[k];
  const u = tokens[k + 1];
  const at = t.index;
  const end = at + t[0].length;
  switch (Math.floor(next() * 4)) {
    case 0:
      return source.slice(0, at) + source.slice(end);
    case 1:
      return source.slice(0, end) + " " + t[0] + source.slice(end);
    case 2:
      return (
        source.slice(0, at) +
        u[0] +
        source.slice(end, u.index) +
        t[0] +
        source.slice(u.index + u[0].length)
      );
    default: {
      const word = INSERTS[Math.floor(next() * INSERTS.length)];
      return source.slice(0, at) + word + " " + source.slice(at);
    }
  }
}

describe("the descent parser", () => {
  it("builds ohm's AST for every .ioc in the tree that ohm parses, and leaves the others", () => {
    let valid = 0;
    const missed: string[] = [];
    for (const file of corpus) {
      const source = readFileSync(path.join(root, file), "utf8");
      const took = agree(source);
      if ("ast" in outcome(parseModuleByGrammar, source)) {
        valid++;
        if (!took) missed.push(file);
      }
    }
    expect(valid).toBeGreaterThan(100);
    // Every program that parses goes the fast way: the fast path is the one users take.
    expect(missed).toEqual([]);
  });

  it("agrees with ohm on mutations of them", { timeout: 120_000 }, () => {
    const next = random(Number(process.env.DESCENT_SEED ?? 9));
    let took = 0;
    let tried = 0;
    for (const file of corpus) {
      const source = readFileSync(path.join(root, file), "utf8");
      for (let n = 0; n < Number(process.env.DESCENT_MUTANTS ?? 12); n++) {
        let text = source;
        for (let m = 1 + Math.floor(next() * 2); m > 0; m--) text = mutate(text, next);
        tried++;
        if (agree(text)) took++;
      }
    }
    // Mutations that still parse are taken too (not only the unmutated files).
    expect(tried).toBeGreaterThan(2000);
    expect(took).toBeGreaterThan(tried / 10);
  });

  it("gives up, and ohm reports, what the AST builder refuses", () => {
    const refused = [
      "storage fn f() { return 1 < 2 < 3; }", // E0308
      "storage fn f() { return f(1)(2); }", // E0301
      "storage fn f() { return 0x; }", // E0306
      `storage fn f() { return ${"-".repeat(200)}1; }`, // E0312
    ];
    for (const source of refused) {
      expect(parseModuleByDescent(source, "m.ioc"), source).toBeUndefined();
      expect(() => parseModule(source, "m.ioc"), source).toThrow(IochainError);
    }
  });

  it("tells a statement `if` from an `if` expression as the grammar's ordered choice does", () => {
    for (const source of [
      "storage fn f() -> u64 { if a { b; } else { c; } return 0; }",
      "storage fn f() -> u64 { if a { b } else { c }; return 0; }",
      "storage fn f() -> u64 { if a { b; } else if c { d; } return 0; }",
      "storage fn f() -> u64 { let x = scan as u8; scan = 1; return x; }",
      "layout L { a: [u8; _], b: [u8; N + 1] } storage fn f() { }",
    ]) {
      expect(agree(source), source).toBe(true);
    }
  });
});
