// The differential test: every bpf_conformance program in the kernel (wrapped as a syscall program,
// see test/runtime/linux/support/conformance-kernel.ts) and in our VM, comparing the full 64-bit r0 for
// every program the kernel accepts. Both wrapping schemes run: memory in a map value (how iochain
// programs reach blocks) and memory in ctx (which the verifier restricts more).
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  conformanceInsns,
  listConformanceFiles,
  readConformanceData,
} from "../../bpf/support/conformance-data.js";
import {
  type KernelOutcome,
  runConformanceInKernel,
  type WrapScheme,
} from "./support/conformance-kernel.js";
import { createVm } from "../../../src/runtime/vm/index.js";
import { bpfFds, noBpf } from "./kernel-fixtures.js";

const files = listConformanceFiles();
const schemes: WrapScheme[] = ["map", "ctx"];
if (files.length === 0) console.warn("conformance data not found (set IOCHAIN_SHARED): skipping");

interface Row {
  file: string;
  expected: bigint | undefined; // `-- result`; undefined when the file expects an error
  vm: bigint | string; // r0, or the fault's message
  kernel: Record<WrapScheme, KernelOutcome>;
}

const hex = (v: bigint | string | undefined): string =>
  typeof v === "bigint" ? "0x" + v.toString(16) : String(v);

describe.skipIf(noBpf || files.length === 0)("bpf_conformance in the kernel and in the VM", () => {
  const rows: Row[] = [];

  beforeAll(() => {
    const fdsBefore = bpfFds();
    for (const file of files) {
      const data = readConformanceData(file);
      const insns = conformanceInsns(data);
      let vm: bigint | string;
      try {
        const mem = data.mem.slice();
        vm = createVm(insns).run({ mem, r1: "mem", r2: BigInt(mem.length) }).r0;
      } catch (err) {
        vm = `fault: ${(err as Error).message}`;
      }
      const name = path.basename(file);
      const kernel = Object.fromEntries(
        schemes.map((s) => [s, runConformanceInKernel(insns, data.mem, s, name)]),
      ) as Row["kernel"];
      rows.push({
        file: name,
        expected: data.error === undefined ? data.result : undefined,
        vm,
        kernel,
      });
    }
    expect(bpfFds()).toEqual(fdsBefore); // every map and program was closed
    printTable(rows);
  });

  for (const scheme of schemes) {
    it(`the VM agrees with the kernel on every program the kernel accepts (${scheme} scheme)`, () => {
      const disagreements = rows.flatMap((r) => {
        const k = r.kernel[scheme];
        return k.accepted && k.r0 !== r.vm
          ? [`${r.file}: kernel ${hex(k.r0)}, VM ${hex(r.vm)}`]
          : [];
      });
      expect(disagreements).toEqual([]);
    });

    it(`the stored 64-bit r0 and the test run's 32-bit retval agree (${scheme} scheme)`, () => {
      for (const r of rows) {
        const k = r.kernel[scheme];
        if (k.accepted) expect(k.retval, r.file).toBe(Number(k.r0 & 0xffff_ffffn));
      }
    });
  }

  it("the kernel's results are the suite's expected results", () => {
    const wrong = rows.flatMap((r) => {
      const k = r.kernel.map;
      return k.accepted && r.expected !== undefined && k.r0 !== r.expected
        ? [`${r.file}: kernel ${hex(k.r0)}, expected ${hex(r.expected)}`]
        : [];
    });
    expect(wrong).toEqual([]);
  });

  it("the kernel accepts a healthy share, and says why it refuses the rest", () => {
    const accepted = (s: WrapScheme) => rows.filter((r) => r.kernel[s].accepted).length;
    // Measured on 6.18: 300 of 313 (map) and 293 (ctx); the rest are shifts by out-of-range
    // constants, callx, and unaligned or variable-offset ctx accesses.
    expect(accepted("map")).toBeGreaterThanOrEqual(290);
    expect(accepted("ctx")).toBeGreaterThanOrEqual(280);
    expect(accepted("map")).toBeGreaterThanOrEqual(accepted("ctx"));
    for (const r of rows) {
      for (const s of schemes) {
        const k = r.kernel[s];
        if (!k.accepted) expect(k.reason, `${r.file} (${s})`).not.toBe("");
      }
    }
  });
});

function printTable(rows: Row[]): void {
  const summary = schemes.map((s) => {
    const acc = rows.filter((r) => r.kernel[s].accepted);
    return {
      scheme: s,
      programs: rows.length,
      "accepted by the kernel": acc.length,
      rejected: rows.length - acc.length,
      "agree with the VM": acc.filter((r) => (r.kernel[s] as { r0: bigint }).r0 === r.vm).length,
    };
  });
  console.log("bpf_conformance: the kernel (wrapped syscall program) against the VM");
  console.table(summary);
  const rejected = rows.flatMap((r) =>
    schemes.flatMap((s) => {
      const k = r.kernel[s];
      return k.accepted
        ? []
        : [{ file: r.file, scheme: s, "at insn": k.insnIndex ?? "-", "verifier says": k.reason }];
    }),
  );
  if (rejected.length > 0) {
    console.log("rejected by the verifier:");
    console.table(rejected);
  }
}
