// iochain load X.o as a user runs it: loads our objects (and clang's), prints the verifier's
// statistics, unloads; a rejected program is reported at its .ioc line with the line shown.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assembleLlvm } from "../../src/bpf/asm/llvm.js";
import { writeElf } from "../../src/object/writer.js";
import { slotOffsets } from "../../src/bpf/insn.js";
import { ALL_CASES } from "../object/artifacts.js";
import { makeArtifact } from "../runtime/fixtures.js";
import { bpfFds, noBpf } from "../runtime/linux/kernel-fixtures.js";
import { repoRoot, runCli } from "../support/cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "iochain-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function objectFile(name: string): { file: string; slots: number } {
  const c = ALL_CASES[name]();
  const file = path.join(dir, `${name}.o`);
  writeFileSync(file, writeElf(c.artifact, { target: "linux", sourceText: c.source }));
  return { file, slots: slotOffsets(c.artifact.insns).at(-1)! };
}

describe.skipIf(noBpf !== undefined)("iochain load", () => {
  it("prints the verifier's statistics and the program's size, then unloads (--json)", () => {
    const { file, slots } = objectFile("maps");
    const r = runCli(["load", file, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      file,
      program: "list_walk_ext",
      section: "syscall",
      insn_limit: 1_000_000,
      xlated_insns: slots,
      xlated_bytes: slots * 8,
      func_info: 1,
      maps: [
        { name: ".data.block", value_size: 512, flags: 0x400 },
        { name: ".data.scratch", value_size: 256, flags: 0x400 },
        { name: ".rodata.extents", value_size: 112, flags: 0x480 },
      ],
    });
    expect(report.processed_insns).toBeGreaterThan(0);
    expect(report.total_states).toBeGreaterThanOrEqual(report.peak_states);
    expect(report.tag).toMatch(/^[0-9a-f]{16}$/);
    expect(report.line_info).toBeGreaterThan(0);
    // Unloaded: the program id is gone once the command has exited.
    const show = runCli(["load", file, "--json"]);
    expect(JSON.parse(show.stdout).id).not.toBe(report.id);
  });

  it("text report: one line per fact, ending with 'unloaded'", () => {
    const { file } = objectFile("calls");
    const r = runCli(["load", file]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      new RegExp(
        `^${file}: loaded calls \\(section syscall\\) as program id \\d+, tag [0-9a-f]{16}$`,
      ),
    );
    expect(lines[1]).toMatch(/^ {2}verifier: processed \d+ insns \(limit 1000000\)$/);
    expect(lines[2]).toMatch(
      /^ {2}states: max_states_per_insn \d+ total_states \d+ peak_states \d+ mark_read \d+$/,
    );
    expect(lines).toContain("  stack depth: 0+0+0 bytes");
    // Every instruction of `calls` has its own column: one line_info record each (21).
    expect(lines).toContain("  BTF: 3 func_info, 21 line_info records");
    expect(lines.at(-1)).toBe("unloaded");
  });

  it("loads clang's objects too, naming the program when there are several", () => {
    const globals = path.join(repoRoot, "test/fixtures/btf/globals.o");
    expect(JSON.parse(runCli(["load", globals, "--json"]).stdout)).toMatchObject({
      program: "prog",
      func_info: 2,
    });
    const many = runCli(["load", path.join(repoRoot, "test/fixtures/clang/calls.o")]);
    expect(many.code).toBe(1);
    expect(many.stderr).toMatch(/error\[E0135\]: .*2 programs; name one/);
    expect(many.stderr).toMatch(/hint: programs: mix, loop/);
  });

  it("a rejected program: E0801 at its .ioc line, with the line shown, and nothing left loaded", () => {
    const ioc = path.join(dir, "bad.ioc");
    const source = Array.from({ length: 20 }, (_, i) => `  line_${i + 1}();`).join("\n") + "\n";
    writeFileSync(ioc, source);
    const insns = assembleLlvm(
      "r6 = r1\nr1 = *(u64 *)(r6 + 64)\nr2 = 0 ll\nr2 += r1\nr0 = *(u64 *)(r2 + 0)\nexit\n",
      "bad.s",
    );
    insns[2] = { ...insns[2], src: 2, imm: 0, imm2: 0 };
    insns.forEach((insn, i) => (insn.pos = { file: ioc, line: 10 + i, col: 3 }));
    const file = path.join(dir, "bad.o");
    writeFileSync(
      file,
      writeElf(makeArtifact({ name: "bad", file: ioc, insns }), {
        target: "linux",
        sourceText: source,
      }),
    );
    const before = bpfFds();
    const r = runCli(["load", file]);
    expect(r.code).toBe(1);
    const [first, ...rest] = r.stderr.split("\n");
    expect(first).toBe(
      `${ioc}:13:3: error[E0801]: an offset with no known lower bound is added to a pointer into a map value (the block, scratch or extents map): the access could land anywhere`,
    );
    expect(r.stderr).toContain(
      "= note: the verifier stopped at instruction 3 (`r2 += r1`): math between map_value pointer and register with unbounded min value is not allowed",
    );
    expect(rest.join("\n")).toContain("line_13();");
    expect(r.stderr).not.toMatch(/at .*\.js/);
    expect(bpfFds()).toEqual(before);
  });

  it("refuses an xrp object (E0811) and a missing file (E0901, as every command)", () => {
    const c = ALL_CASES.calls();
    const xrp = path.join(dir, "calls-xrp.o");
    writeFileSync(xrp, writeElf(c.artifact, { target: "xrp" }));
    expect(runCli(["load", xrp]).stderr).toMatch(/error\[E0811\].*section 'xrp_prog'/);
    expect(runCli(["load", path.join(dir, "none.o")]).stderr).toMatch(/error\[E0901\]/);
  });
});
