// Every conformance program through the plugin executable, as the bpf_conformance runner drives it.
import { describe, expect, it } from "vitest";
import {
  listConformanceFiles,
  loadConformanceProgram,
  readConformanceData,
} from "../bpf/support/conformance-data.js";
import { pluginBin, runNode } from "../support/cli.js";

const files = listConformanceFiles();
if (files.length === 0)
  console.warn(
    "skipping the plugin conformance run: no shared/conformance data beside the repository (set IOCHAIN_SHARED)",
  );
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("bin/bpf-conformance-plugin", () => {
  it.skipIf(files.length === 0)(
    "gives the expected r0 for every conformance program",
    async () => {
      const failures: string[] = [];
      const queue = [...files];
      const worker = async () => {
        for (let file = queue.shift(); file; file = queue.shift()) {
          const data = readConformanceData(file);
          const out = await runNode(pluginBin, [hex(data.mem)], hex(loadConformanceProgram(file)));
          if (data.error !== undefined) {
            if (out.code === 0)
              failures.push(`${file}: expected an error, got ${out.stdout.trim()}`);
          } else if (out.code !== 0 || BigInt("0x" + out.stdout.trim()) !== data.result) {
            failures.push(
              `${file}: expected ${data.result?.toString(16)}, got exit ${out.code} ${out.stdout.trim()}`,
            );
          }
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      expect(failures).toEqual([]);
    },
    600_000,
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
