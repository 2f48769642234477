// Every bpf_conformance program, through the assembler and both engines, with r1 = mem and
// r2 = its length, as the suite's plugins run them.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { conformanceInsns, listConformanceFiles, readConformanceData } from "../../../src/bpf/conformance-data.js";
import { createVm, type Engine } from "../../../src/runtime/vm/index.js";

const files = listConformanceFiles();
const engines: Engine[] = ["fast", "reference"];

/** Files we knowingly do not run, with why. Should stay (nearly) empty. */
const SKIPPED: Record<string, string> = {};

const outcomes: { file: string; engine: Engine; outcome: string }[] = [];

describe("bpf_conformance", () => {
  it.skipIf(files.length === 0)("finds the conformance files", () => {
    expect(files.length).toBeGreaterThan(300);
  });
  if (files.length === 0) console.warn("conformance data not found (set IOCHAIN_SHARED): skipping the conformance suite");

  for (const file of files) {
    const name = path.basename(file);
    for (const engine of engines) {
      it.skipIf(name in SKIPPED)(`${name} (${engine})`, () => {
        const data = readConformanceData(file);
        const mem = data.mem.slice();
        const run = () => createVm(conformanceInsns(data), { engine }).run({ mem, r1: "mem", r2: BigInt(mem.length) });
        if (data.error !== undefined) {
          expect(run).toThrow();
          outcomes.push({ file: name, engine, outcome: "error (expected)" });
          return;
        }
        const { r0 } = run();
        expect("0x" + r0.toString(16)).toBe("0x" + (data.result ?? 0n).toString(16));
        outcomes.push({ file: name, engine, outcome: "pass" });
      });
    }
  }

  afterAll(() => {
    const rows = Object.entries(SKIPPED).map(([file, reason]) => ({ file, reason }));
    console.log(`conformance: ${outcomes.length} runs passed over ${files.length} files x ${engines.length} engines; skipped ${rows.length}`);
    if (rows.length > 0) console.table(rows);
  });
});
