// Which file a read is from. A storage function names its files in `reads "a", "b"`; `resubmit
// ... in "b"` and `start ... in "b"` pick one by name. With one file the name may be left out;
// with several every resubmit names its file (the next block's file is then known where the read
// is written, so its extent translation and checks are the file's own), and `start` defaults to
// the first. The index is the file's position in `reads` (artifact.files, ctx.next_file).
import * as A from "../front/ast.js";
import { closest } from "../front/spelling.js";
import type { CheckContext } from "./context.js";

const quoted = (files: readonly string[]): string => files.map((f) => `"${f}"`).join(", ");

/** E0637 for a name given twice in `reads`. */
export function checkReadsClause(ctx: CheckContext, files: readonly A.StringLit[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.value))
      ctx.diags.error(
        "E0637",
        `the file "${f.value}" is named twice in \`reads\``,
        f.span,
        "name each file once",
      );
    seen.add(f.value);
  }
}

/**
 * The index in `files` of the file a read names (`in "NAME"`), or of its default; undefined after
 * an error (E0637).
 */
export function readFileIndex(
  ctx: CheckContext,
  files: readonly string[],
  named: A.StringLit | undefined,
  read: { what: "resubmit" | "start"; span: A.Span },
): number | undefined {
  const d = ctx.diags;
  if (!named) {
    if (files.length <= 1 || read.what === "start") return 0;
    d.error(
      "E0637",
      `this program reads ${files.length} files (${quoted(files)}): say which this read is from`,
      read.span,
      `for example \`resubmit offset in "${files[1]}";\``,
    );
    return undefined;
  }
  const index = files.indexOf(named.value);
  if (index >= 0) return index;
  if (files.length === 0) {
    d.error(
      "E0637",
      `"${named.value}" is not a file this program reads: it has no \`reads\` clause`,
      named.span,
      `declare it: \`reads "${named.value}"\``,
    );
    return undefined;
  }
  const near = closest(named.value, files);
  d.error(
    "E0637",
    `"${named.value}" is not a file this program reads`,
    named.span,
    near
      ? `did you mean "${near}"? (\`reads\` names ${quoted(files)})`
      : `\`reads\` names ${quoted(files)}; add "${named.value}" there to read it`,
  );
  return undefined;
}
