// Every conformance program through the plugin (its function, in this process), and a handful
// through the executable, as the bpf_conformance runner drives it.
import { describe, expect, it } from "vitest";
import {
  listConformanceFiles,
  loadConformanceProgram,
  readConformanceData,
} from "../bpf/support/conformance-data.js";
import { runPlugin } from "../../src/cli/conformance-plugin.js";
import { renderOneLine, toDiagnostics } from "../../src/diagnostics.js";
import { pluginBin, runNode } from "../support/cli.js";

const files = listConformanceFiles();
if (files.length === 0)
  console.warn(
    "skipping the plugin conformance run: no shared/conformance data beside the repository (set IOCHAIN_SHARED)",
  );
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The expected outcome of one conformance program; undefined when the plugin's answer matches. */
function mismatch(file: string, outcome: { ok: boolean; out: string }): string | undefined {
  const data = readConformanceData(file);
  if (data.error !== undefined)
    return outcome.ok ? `${file}: expected an error, got ${outcome.out}` : undefined;
  if (!outcome.ok || BigInt("0x" + outcome.out) !== data.result)
    return `${file}: expected ${data.result?.toString(16)}, got ${outcome.ok ? "" : "an error "}${outcome.out}`;
  return undefined;
}

/** The plugin's function, in this process: what the executable prints, without starting Node. */
function inProcess(file: string): { ok: boolean; out: string } {
  const data = readConformanceData(file);
  try {
    return { ok: true, out: runPlugin([hex(data.mem)], hex(loadConformanceProgram(file))) };
  } catch (err) {
    return { ok: false, out: toDiagnostics(err).map(renderOneLine).join("; ") };
  }
}

/** A handful spread over the suite (first, last, and between), plus every expected error. */
const spawned = (): string[] => {
  const pick = new Set<string>();
  for (let k = 0; k < 6 && files.length > 0; k++)
    pick.add(files[Math.floor((k * (files.length - 1)) / 5)]);
  const error = files.find((f) => readConformanceData(f).error !== undefined);
  if (error) pick.add(error);
  return [...pick];
};

describe("bin/bpf-conformance-plugin", () => {
  it.skipIf(files.length === 0)(
    "gives the expected r0 for every conformance program (the plugin's function, in process)",
    () => {
      const failures = files.map((f) => mismatch(f, inProcess(f))).filter((m) => m !== undefined);
      expect(failures).toEqual([]);
    },
  );

  it.skipIf(files.length === 0)(
    "the executable gives the expected r0 for a handful of them, as the bpf_conformance runner drives it",
    async () => {
      const failures: string[] = [];
      await Promise.all(
        spawned().map(async (file) => {
          const data = readConformanceData(file);
          const out = await runNode(pluginBin, [hex(data.mem)], hex(loadConformanceProgram(file)));
          const m = mismatch(file, { ok: out.code === 0, out: out.stdout.trim() });
          if (m) failures.push(m);
        }),
      );
      expect(failures).toEqual([]);
    },
    120_000,
  );

  it("exits non-zero with a one-line message on a truncated program", async () => {
    const out = await runNode(pluginBin, [""], "b70000");
    expect(out.code).toBe(1);
    expect(out.stdout.trim()).toBe(
      "error[E0101]: <stdin>: bytecode length 3 is not a multiple of 8 (truncated instruction at byte 0)",
    );
  });

  it("exits non-zero on memory that is not hex", async () => {
    const out = await runNode(pluginBin, ["zz"], "b7000000000000009500000000000000");
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/E0905/);
  });
});
