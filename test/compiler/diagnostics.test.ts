// Diagnostic fixtures: each test/compiler/diagnostics/<code>-<slug>.ioc must fail to compile with
// <code> as its first error; the full rendered text (every error, rustc style) is compared with
// <code>-<slug>.expected.txt. `npm run update-snapshots` rewrites the .expected.txt files.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkProgram } from "../../src/compiler/check/check.js";
import { MAX_SOURCE_BYTES } from "../../src/compiler/front/source.js";
import { render, toDiagnostics, type Diagnostic } from "../../src/diagnostics.js";

const dir = "test/compiler/diagnostics";
const fixtures = readdirSync(dir)
  .filter((f) => /^E0\d{3}-[a-z0-9-]+\.ioc$/.test(f))
  .sort();

/** Every diagnostic of a failed check, rendered with the line it points at. */
function diagnose(source: string, file: string): Diagnostic[] {
  try {
    checkProgram(source, file);
  } catch (err) {
    return toDiagnostics(err);
  }
  return [];
}

function renderAll(diags: Diagnostic[], sources: Map<string, string>): string {
  return (
    diags
      .map((d) => {
        const file = d.pos?.file;
        let src = file === undefined ? undefined : sources.get(file);
        if (file !== undefined && src === undefined) {
          try {
            src = readFileSync(file, "utf8");
          } catch {
            src = undefined;
          }
        }
        return render(d, src);
      })
      .join("\n\n") + "\n"
  );
}

describe("diagnostic fixtures", () => {
  it("has one fixture for at least 40 codes", () => {
    const codes = new Set(fixtures.map((f) => f.slice(0, 5)));
    expect(codes.size).toBeGreaterThanOrEqual(40);
  });

  for (const name of fixtures) {
    const code = name.slice(0, 5);
    it(`${name} reports ${code}`, async () => {
      const file = path.join(dir, name);
      const source = readFileSync(file, "utf8");
      const diags = diagnose(source, file);
      expect(diags.length).toBeGreaterThan(0);
      expect(diags.map((d) => d.code)).toContain(code);
      expect(diags[0].code).toBe(code);
      for (const d of diags) expect(d.code).not.toBe("E0999");
      await expect(renderAll(diags, new Map([[file, source]]))).toMatchFileSnapshot(
        `diagnostics/${name.replace(/\.ioc$/, ".expected.txt")}`,
      );
    });
  }

  it("E0304: a source over 1 MiB is refused before parsing", async () => {
    const file = path.join(dir, "E0304-file-too-large.ioc");
    const source = `// ${"x".repeat(MAX_SOURCE_BYTES)}\nstorage fn f(key: u64) -> u64 { return key; }\n`;
    const diags = diagnose(source, file);
    expect(diags.map((d) => d.code)).toEqual(["E0304"]);
    await expect(renderAll(diags, new Map())).toMatchFileSnapshot(
      "diagnostics/E0304-file-too-large.expected.txt",
    );
  });
});
