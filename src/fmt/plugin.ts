// The prettier plugin for .ioc: the parser gives the file's lines with their bracket depths
// (lines.ts), grouped into statements (statements.ts); the printer lays them out with prettier's
// doc builders — each line indented by its depth, at most one blank line in a row, one newline at
// the end. A statement that fits printWidth on its lines as written keeps them; one that does not
// (or spans several lines without comments inside) is joined and printed as a doc that breaks
// where it must (docs.ts). A statement with a comment inside keeps its lines as written.
import type { AstPath, Doc, Parser, Plugin, Printer } from "prettier";
import { doc } from "prettier";
import { alignFields } from "./align.js";
import { statementDoc } from "./docs.js";
import { type FmtFile, parseLines } from "./lines.js";
import { statementsOf } from "./statements.js";

const { hardline, indent, literalline, lineSuffix } = doc.builders;

const parser: Parser<FmtFile> = {
  parse: (text) => {
    const file = parseLines(text);
    alignFields(file.lines);
    return file;
  },
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
  print(path: AstPath<FmtFile>, options): Doc {
    const out: Doc[] = [];
    let blank = false;
    // indent() applies from the next line break on, so each line's break sits inside its
    // indentation; a line inside a block comment keeps its own (literalline: column 0).
    const emit = (depth: number, verbatim: boolean, content: Doc) => {
      const first = out.length === 0;
      const gap: Doc[] = first ? [] : blank ? [hardline] : [];
      if (verbatim) out.push([...gap, literalline, content]);
      else out.push(indented(depth, [...gap, ...(first ? [] : [hardline]), content]));
      blank = false;
    };
    for (const st of statementsOf(path.node.lines)) {
      const depth = st.lines[0].depth;
      const fits =
        st.lines.length === 1 &&
        st.code !== undefined &&
        depth * options.tabWidth + st.code.length <= options.printWidth;
      if (st.code !== undefined && !fits) {
        emit(depth, false, [
          statementDoc(st.code, st.lines.length > 1),
          st.comment ? lineSuffix(st.comment) : "",
        ]);
        continue;
      }
      for (const line of st.lines) {
        if (line.text === "") {
          // One blank line at most, none at the start.
          if (out.length > 0) blank = true;
          continue;
        }
        emit(line.depth, line.verbatim, line.text);
      }
    }
    return [out, hardline];
  },
};

export const iochainPlugin: Plugin<FmtFile> = {
  languages: [{ name: "iochain", parsers: ["iochain"], extensions: [".ioc"] }],
  parsers: { iochain: parser },
  printers: { "iochain-lines": printer },
};
