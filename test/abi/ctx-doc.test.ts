// docs/abi.md's ctx table is the ctx definition (src/abi/artifact.ts, CTX_FIELDS), field by field.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CTX_FIELDS, CTX_SIZE } from "../../src/abi/artifact.js";
import { packageRoot } from "../../src/files.js";

const doc = readFileSync(path.join(packageRoot(), "docs", "abi.md"), "utf8");

/** The rows of the table under the `## ctx` heading: offset, size in bytes, field name. */
function ctxTable(): { heading: string; rows: { offset: number; bytes: number; name: string }[] } {
  const lines = doc.split("\n");
  const at = lines.findIndex((l) => l.startsWith("## ctx"));
  const rows: { offset: number; bytes: number; name: string }[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith("## ")) break;
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 4 || !/^\d+$/.test(cells[1])) continue;
    rows.push({ offset: Number(cells[1]), bytes: Number(cells[2]), name: cells[3] });
  }
  return { heading: lines[at], rows };
}

describe("docs/abi.md ctx table", () => {
  it("gives the ctx's size", () => {
    expect(ctxTable().heading).toContain(`${CTX_SIZE} bytes`);
  });

  it("lists every field of CTX_FIELDS at its offset, with its size, in order", () => {
    const expected = CTX_FIELDS.map((f) => ({
      offset: f.offset,
      bytes: f.size * (f.count ?? 1),
      name: f.count ? `\`${f.name}[${f.count}]\`` : `\`${f.name}\``,
    }));
    expect(ctxTable().rows).toEqual(expected);
  });
});
