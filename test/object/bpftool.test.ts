// Our objects in the real loader: `bpftool prog loadall` (libbpf) loads them into the kernel, and
// `bpftool prog dump xlated id N linum` shows the .ioc lines their line_info names.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeElf } from "../../src/object/writer.js";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";
import { hasTool } from "../bpf/support/tools.js";
import { ALL_CASES } from "./artifacts.js";
import { makePinDir, type PinDir } from "./bpffs.js";

const skip = noBpf ?? (hasTool("bpftool") ? undefined : "bpftool not installed");
if (skip) console.warn(`skipping bpftool loads of our objects: ${skip}`);

function sh(
  cmd: string,
  args: string[],
): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(cmd, args, { encoding: "utf8" });
}

function bpftool(...args: string[]): string {
  const r = sh("bpftool", args);
  if (r.status !== 0)
    throw new Error(`bpftool ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe.skipIf(skip !== undefined)("bpftool loads our objects", () => {
  let pins: PinDir;
  let pinRoot = "";
  const tmp = mkdtempSync(path.join(tmpdir(), "iochain-bpftool-"));

  beforeAll(() => {
    pins = makePinDir("bpftool");
    pinRoot = pins.root;
  });

  afterAll(() => {
    pins?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const name of Object.keys(ALL_CASES)) {
    it(`${name}: loadall pins the program; xlated linum shows the .ioc file:line:col with the line's text`, () => {
      const c = ALL_CASES[name]();
      const file = path.join(tmp, `${name}.o`);
      writeFileSync(file, writeElf(c.artifact, { target: "linux", sourceText: c.source }));
      const dir = path.join(pinRoot, name);
      bpftool("prog", "loadall", file, dir);
      const pinned = path.join(dir, c.artifact.name);
      expect(existsSync(pinned)).toBe(true);

      const info = JSON.parse(bpftool("-j", "prog", "show", "pinned", pinned)) as {
        id: number;
        type: string;
        name: string;
        gpl_compatible: boolean;
        map_ids?: number[];
        btf_id?: number;
      };
      expect(info.type).toBe("syscall");
      expect(info.name).toBe(c.artifact.name.slice(0, 15));
      expect(info.gpl_compatible).toBe(true);
      expect(info.btf_id).toBeGreaterThan(0);

      const dump = bpftool("prog", "dump", "xlated", "id", String(info.id), "linum");
      const lines = c.source.split("\n");
      const seen = [...dump.matchAll(/^; (.*) \[file:(\S+) line_num:(\d+) line_col:(\d+)\]$/gm)];
      expect(seen.length).toBeGreaterThan(0);
      for (const [, text, f, line, col] of seen) {
        expect(f).toBe(c.artifact.file);
        expect(text).toBe(lines[Number(line) - 1].trim());
        const insn = c.artifact.insns.find(
          (i) => i.pos?.line === Number(line) && i.pos.col === Number(col),
        );
        expect(insn, `${f}:${line}:${col}`).toBeDefined();
      }
      // Every .ioc line of the program shows up (the kernel keeps one record per position).
      const wanted = new Set(c.artifact.insns.map((i) => i.pos!.line));
      expect(new Set(seen.map((m) => Number(m[3])))).toEqual(wanted);
      // The entry and each callee are printed under their BTF prototypes.
      expect(dump).toContain(`int ${c.artifact.name}(struct iochain_ctx * ctx):`);

      // Maps: one array per map the program uses, with the ABI's flags.
      const flags = new Map<string, number>();
      for (const id of info.map_ids ?? []) {
        const m = JSON.parse(bpftool("-j", "map", "show", "id", String(id))) as {
          name: string;
          type: string;
          flags: number;
          bytes_key: number;
          bytes_value: number;
          max_entries: number;
        };
        expect(m).toMatchObject({ type: "array", bytes_key: 4, max_entries: 1 });
        flags.set(m.name, m.flags);
      }
      for (const spec of c.artifact.maps) {
        const section = `${spec.readOnlyProg ? ".rodata" : ".data"}.${spec.name}`.slice(0, 15);
        if (flags.has(section)) expect(flags.get(section)).toBe(spec.readOnlyProg ? 0x480 : 0x400);
      }
    });
  }

  it("calls: both callees are in the loaded program, printed under their own names", () => {
    const c = ALL_CASES.calls();
    const file = path.join(tmp, "calls2.o");
    writeFileSync(file, writeElf(c.artifact, { target: "linux", sourceText: c.source }));
    const dir = path.join(pinRoot, "calls2");
    bpftool("prog", "loadall", file, dir);
    const info = JSON.parse(bpftool("-j", "prog", "show", "pinned", path.join(dir, "calls"))) as {
      id: number;
    };
    const dump = bpftool("prog", "dump", "xlated", "id", String(info.id));
    expect(dump).toMatch(/__u64 calls_fn1\(\):/);
    expect(dump).toMatch(/__u64 calls_fn2\(\):/);
    expect(dump).toMatch(/call pc\+\d+#bpf_prog_[0-9a-f]+_calls_fn1/);
  });
});
