// Lint results as SARIF 2.1.0, the format GitHub code scanning reads.
import type { Diagnostic } from "../diagnostics.js";
import type { LintResult } from "./lint.js";
import { RULES } from "./rules.js";

const level = (d: Diagnostic) => (d.severity === "note" ? "note" : d.severity);

export function toSarif(results: readonly LintResult[], cwd: string): object {
  const rel = (f: string) =>
    f.startsWith(cwd + "/") ? f.slice(cwd.length + 1) : f.replace(/^\/+/, "");
  const codes = new Set(RULES.map((r) => r.code));
  const extra = new Map<string, string>();
  for (const r of results)
    for (const d of r.diagnostics) if (!codes.has(d.code)) extra.set(d.code, d.message);
  const rules = [
    ...RULES.map((r) => ({
      id: r.code,
      name: r.name,
      shortDescription: { text: r.summary },
      helpUri: `https://github.com/iochain/iochain/blob/main/docs/lint.md#${r.code.toLowerCase()}`,
    })),
    ...[...extra.keys()].sort().map((code) => ({
      id: code,
      name: `compile-${code.toLowerCase()}`,
      shortDescription: { text: `compile error ${code} (docs/errors.md)` },
    })),
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "iochain-lint",
            version: "0.1.0",
            informationUri: "https://github.com/iochain/iochain",
            rules,
          },
        },
        results: results.flatMap((r) =>
          r.diagnostics.map((d) => ({
            ruleId: d.code,
            ruleIndex: index.get(d.code),
            level: level(d),
            message: { text: d.hint ? `${d.message} (hint: ${d.hint})` : d.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: rel(d.pos?.file ?? r.file) },
                  region: {
                    startLine: d.pos?.line ?? 1,
                    startColumn: d.pos?.col ?? 1,
                    ...(d.pos?.endLine ? { endLine: d.pos.endLine } : {}),
                    ...(d.pos?.endCol ? { endColumn: d.pos.endCol } : {}),
                  },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
}
