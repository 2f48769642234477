// The prettier plugin for .ioc: the parser gives the file's lines with their bracket depths
// (lines.ts), the printer lays them out with prettier's doc builders — each line indented by its
// depth, at most one blank line in a row, one newline at the end. Line breaks are the author's: a
// line longer than printWidth is left as it is (breaking expressions needs the full AST printer).
import type { AstPath, Doc, Parser, Plugin, Printer } from "prettier";
import { doc } from "prettier";
import { type FmtFile, parseLines } from "./lines.js";

const { hardline, indent, literalline } = doc.builders;

const parser: Parser<FmtFile> = {
  parse: (text) => parseLines(text),
  astFormat: "iochain-lines",
  locStart: () => 0,
  locEnd: () => 0,
};

/** `text` at `depth` levels (prettier's indent, so tabWidth and useTabs apply). */
function indented(depth: number, text: Doc): Doc {
  let d: Doc = text;
  for (let k = 0; k < depth; k++) d = indent(d);
  return d;
}

const printer: Printer<FmtFile> = {
  print(path: AstPath<FmtFile>): Doc {
    const out: Doc[] = [];
    let blank = false;
    for (const line of path.node.lines) {
      if (line.text === "") {
        // One blank line at most, none at the start.
        if (out.length > 0) blank = true;
        continue;
      }
      // indent() applies from the next line break on, so each line's break sits inside its
      // indentation; a line inside a block comment keeps its own (literalline: column 0).
      const first = out.length === 0;
      const gap: Doc[] = first ? [] : blank ? [hardline] : [];
      if (line.verbatim) out.push([...gap, literalline, line.text]);
      else out.push(indented(line.depth, [...gap, ...(first ? [] : [hardline]), line.text]));
      blank = false;
    }
    return [out, hardline];
  },
};

export const iochainPlugin: Plugin<FmtFile> = {
  languages: [{ name: "iochain", parsers: ["iochain"], extensions: [".ioc"] }],
  parsers: { iochain: parser },
  printers: { "iochain-lines": printer },
};
