// Pass tests state IR as text: parse, run a pass on every function, print.
import { parseIr } from "../../../src/compiler/ir/parse.js";
import { printModule } from "../../../src/compiler/ir/print.js";
import type { Func } from "../../../src/compiler/ir/ir.js";

/** Normalises indentation so expected IR can be written as an indented template literal. */
export function ir(text: string): string {
  const lines = text
    .replace(/^\n/, "")
    .replace(/\n\s*$/, "")
    .split("\n");
  return (
    lines
      .map((l) => l.trim())
      .map((l) => (l.startsWith("func") || l.startsWith("@") || l === "}" ? l : `  ${l}`))
      .join("\n") + "\n"
  );
}

export function runPass(pass: (f: Func) => unknown, text: string): string {
  const m = parseIr(ir(text));
  for (const f of m.funcs) pass(f);
  return printModule(m);
}
