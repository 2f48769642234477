// E0710: a state variable or parameter nobody reads is a mistake or dead weight (state costs
// scratch and a store per chain).
import type { Diagnostic, SourcePos } from "../../diagnostics.js";
import type { LintRule } from "../rule.js";

/** The source with comments and strings blanked, offsets kept. */
const code = (s: string) =>
  s.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"/g, (m) => m.replace(/[^\n]/g, " "));

function posAt(text: string, file: string, at: number, len: number): SourcePos {
  const before = text.slice(0, at).split("\n");
  const line = before.length;
  const col = before[before.length - 1].length + 1;
  return { file, line, col, endLine: line, endCol: col + len };
}

export const unusedNames: LintRule = {
  code: "E0710",
  name: "unused-names",
  summary: "every state variable and parameter of the storage function is used",
  check(cx) {
    const text = code(cx.source);
    const uses = (name: string) => (text.match(new RegExp(`\\b${name}\\b`, "g")) ?? []).length;
    const out: Diagnostic[] = [];
    const report = (kind: string, name: string, at: number) => {
      if (name.startsWith("_") || uses(name) > 1) return;
      out.push({
        severity: "warning",
        code: this.code,
        message: `${kind} \`${name}\` is never used`,
        pos: posAt(text, cx.file, at, name.length),
        hint: `remove it, or name it \`_${name}\``,
      });
    };
    for (const m of text.matchAll(/\bstate\s+([A-Za-z_]\w*)\s*:/g))
      report("state", m[1], m.index + m[0].indexOf(m[1], 5));
    const header = /\bstorage\s+fn\s+\w+\s*\(([^)]*)\)/.exec(text);
    if (header) {
      const base = header.index + header[0].indexOf("(") + 1;
      for (const m of header[1].matchAll(/([A-Za-z_]\w*)\s*:/g))
        report("parameter", m[1], base + m.index);
    }
    return out;
  },
};
