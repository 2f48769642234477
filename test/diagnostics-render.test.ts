// Diagnostics never put a control byte on the terminal, and a long or binary line is cut.
import { describe, expect, it } from "vitest";
import { EXCERPT_COLUMNS, render, visible } from "../src/diagnostics.js";

const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe("render", () => {
  it("shows ESC and an OSC title sequence from the source as escapes, underline aligned", () => {
    const source = "storage fn f() -> u64 {\n  return \x1b]0;pwned\x07 1;\n}\n";
    const out = render(
      {
        severity: "error",
        code: "E0305",
        message: "unexpected character `\x1b`",
        pos: { file: "a\x1b.ioc", line: 2, col: 10, endCol: 11 },
      },
      source,
    );
    expect(out).not.toMatch(RAW_CONTROL);
    expect(out.split("\n")).toEqual([
      "a\\x1b.ioc:2:10: error[E0305]: unexpected character `\\x1b`",
      " 2 |   return \\x1b]0;pwned\\x07 1;",
      "   |          ^^^^",
    ]);
  });

  it("cuts a binary line to a window around the span", () => {
    const line = Array.from({ length: 4400 }, (_, i) => String.fromCharCode(i % 256)).join("");
    const out = render(
      { severity: "error", code: "E0310", message: "m", pos: { file: "b", line: 1, col: 2000 } },
      line.replace(/[\r\n]/g, "x"),
    );
    expect(out).not.toMatch(RAW_CONTROL);
    const [, shown, under] = out.split("\n");
    expect(shown.length).toBeLessThanOrEqual(EXCERPT_COLUMNS + 10);
    expect(shown).toMatch(/^ 1 \| …/);
    expect(under.indexOf("^")).toBeGreaterThan(5);
  });

  it("keeps printable text, tabs and non-ASCII letters as they are", () => {
    expect(visible("naïve\ttext €")).toBe("naïve\ttext €");
    expect(visible("\u202e")).toBe("\\u{202e}");
  });
});
