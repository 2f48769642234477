// Field lists aligned by hand (`kind:          u8,` under `content_start: u16,`) stay aligned:
// in a run of consecutive `name: type` lines at one depth (layout and output fields, emitted
// fields) of which one at least was written aligned (more than one blank after its colon), the
// types start one column after the longest `name:` — gofmt's rule. A run written unaligned is
// left so; formatting twice changes nothing either way.
import { type FmtLine, codeOf } from "./lines.js";

const FIELD = /^(\w+):\s+(\S.*)$/;

const isField = (l: FmtLine): boolean => {
  if (l.verbatim) return false;
  const code = codeOf(l.text);
  return FIELD.test(code) && !code.includes("=") && !code.endsWith(";") && !code.endsWith("{");
};

export function alignFields(lines: FmtLine[]): void {
  for (let i = 0; i < lines.length;) {
    let j = i;
    while (j < lines.length && isField(lines[j]) && lines[j].depth === lines[i].depth) j++;
    if (j - i >= 2 && lines.slice(i, j).some((l) => l.aligned)) {
      const run = lines.slice(i, j);
      const width = Math.max(...run.map((l) => FIELD.exec(l.text)![1].length)) + 2;
      for (const l of run) {
        const [, name, rest] = FIELD.exec(l.text)!;
        l.text = `${name}:`.padEnd(width) + rest;
      }
    }
    i = Math.max(j, i + 1);
  }
}
