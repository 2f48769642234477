// No two test files share a name, so that a name in a report or a `vitest run NAME` is one file.
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/files.js";

function testFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "fixtures") continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) testFiles(p, out);
    else if (e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

describe("test files", () => {
  it("have unique names across test/ and examples/", () => {
    const root = packageRoot();
    const files = ["test", "examples"].flatMap((d) => testFiles(path.join(root, d)));
    const byName = new Map<string, string[]>();
    for (const f of files) {
      const name = path.basename(f);
      byName.set(name, [...(byName.get(name) ?? []), path.relative(root, f)]);
    }
    expect([...byName.values()].filter((paths) => paths.length > 1)).toEqual([]);
    expect(files.length).toBeGreaterThan(50);
  });
});
