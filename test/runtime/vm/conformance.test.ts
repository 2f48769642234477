// Every bpf_conformance program, through the assembler and both engines, with r1 = mem and
// r2 = its length, as the suite's plugins run them.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  conformanceInsns,
  listConformanceFiles,
  readConformanceData,
} from "../../bpf/support/conformance-data.js";
import { createVm, type Engine } from "../../../src/runtime/vm/index.js";

const files = listConformanceFiles();
// "fast/chunked" splits every basic block into its own JavaScript function, as the fast engine
// does for very large functions, so that the chunk hand-over is tested on every program.
const configs: { name: string; engine: Engine; maxChunkSource?: number }[] = [
  { name: "fast", engine: "fast" },
  { name: "reference", engine: "reference" },
  { name: "fast/chunked", engine: "fast", maxChunkSource: 1 },
];

/** Files we knowingly do not run, with why. Should stay (nearly) empty. */
const SKIPPED: Record<string, string> = {};

const outcomes: { file: string; config: string; outcome: string }[] = [];

describe("bpf_conformance", () => {
  it.skipIf(files.length === 0)("finds the conformance files", () => {
    expect(files.length).toBeGreaterThan(300);
  });
  if (files.length === 0)
    console.warn("conformance data not found (set IOCHAIN_SHARED): skipping the conformance suite");

  for (const file of files) {
    const name = path.basename(file);
    for (const { name: config, engine, maxChunkSource } of configs) {
      it.skipIf(name in SKIPPED)(`${name} (${config})`, () => {
        const data = readConformanceData(file);
        const mem = data.mem.slice();
        const run = () =>
          createVm(conformanceInsns(data), { engine, maxChunkSource }).run({
            mem,
            r1: "mem",
            r2: BigInt(mem.length),
          });
        if (data.error !== undefined) {
          expect(run).toThrow();
          outcomes.push({ file: name, config, outcome: "error (expected)" });
          return;
        }
        const { r0 } = run();
        expect("0x" + r0.toString(16)).toBe("0x" + (data.result ?? 0n).toString(16));
        outcomes.push({ file: name, config, outcome: "pass" });
      });
    }
  }

  afterAll(() => {
    const rows = Object.entries(SKIPPED).map(([file, reason]) => ({ file, reason }));
    console.log(
      `conformance: ${outcomes.length} runs passed over ${files.length} files x ${configs.length} engine configurations; skipped ${rows.length}`,
    );
    if (rows.length > 0) console.table(rows);
  });
});
