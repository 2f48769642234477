// Every --json output validates against its schema in docs/schemas/ (ajv), and so do errors
// under --json. Integers beyond 2^53 are decimal strings, byte values hex strings.
import Ajv from "ajv";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";
import { repoRoot, runCliAsync } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

const ajv = new Ajv({ allErrors: true, strict: true });
const schema = (name: string) =>
  ajv.compile(JSON.parse(readFileSync(path.join(repoRoot, "docs/schemas", name), "utf8")));
const validators = {
  run: schema("run-result.schema.json"),
  diagnostic: schema("diagnostic.schema.json"),
  compile: schema("compile.schema.json"),
  asm: schema("asm.schema.json"),
  vm: schema("vm.schema.json"),
  extents: schema("extents.schema.json"),
  load: schema("load.schema.json"),
  disasm: schema("disasm.schema.json"),
  demo: schema("demo.schema.json"),
};

function valid(kind: keyof typeof validators, text: string): Record<string, unknown> {
  const value = JSON.parse(text) as Record<string, unknown>;
  const v = validators[kind];
  expect(v(value), JSON.stringify(v.errors)).toBe(true);
  return value;
}

const dir = tempDir("iochain-json-");
const at = (n: string): string => path.join(dir, n);
writeFileSync(at("id.ioc"), "storage fn f(key: u64) -> u64 block 64 {\n  return key;\n}\n");
writeFileSync(
  at("fail.ioc"),
  "error not_found;\nstorage fn f(key: u64) -> u64 block 64 {\n  fail not_found;\n}\n",
);
writeFileSync(at("data.bin"), Buffer.alloc(4096));
writeFileSync(at("prog.s"), "r0 = 7\nexit\n");

describe("JSON outputs and their schemas", () => {
  it("run --json: small integers are numbers, beyond 2^53 decimal strings", async () => {
    const small = await runCliAsync([
      "run",
      at("id.ioc"),
      "--data",
      at("data.bin"),
      "--arg",
      "key=5",
      "--json",
    ]);
    expect(small.code).toBe(0);
    expect(valid("run", small.stdout).value).toBe(5);
    const big = await runCliAsync([
      "run",
      at("id.ioc"),
      "--data",
      at("data.bin"),
      "--arg",
      `key=${2n ** 60n}`,
      "--json",
    ]);
    expect(valid("run", big.stdout).value).toBe(String(2n ** 60n));
  });

  it("run --args-file: every line is a result", async () => {
    const r = await runCliAsync(
      ["run", at("id.ioc"), "--data", at("data.bin"), "--args-file", "-"],
      '{"key": 1}\n{"key": 2}\n',
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.map((l) => valid("run", l).value)).toEqual([1, 2]);
    // Worker threads (the worker script beside the bundle's chunks) print the same lines.
    const threaded = await runCliAsync(
      ["run", at("id.ioc"), "--data", at("data.bin"), "--args-file", "-", "--threads", "2"],
      '{"key": 1}\n{"key": 2}\n{"key": 3}\n',
    );
    expect(threaded.code, threaded.stderr).toBe(0);
    expect(
      threaded.stdout
        .trim()
        .split("\n")
        .map((l) => valid("run", l).value),
    ).toEqual([1, 2, 3]);
  });

  it("errors under --json are diagnostic objects, one a line on standard error", async () => {
    const r = await runCliAsync(["compile", "/dev/zero", "--json"]);
    expect(r.code).toBe(1);
    const d = valid("diagnostic", r.stderr.trim());
    expect(d).toMatchObject({ code: "E0902", file: null, line: null });
    const located = await runCliAsync(["run", at("id.ioc"), "--json"]);
    expect(valid("diagnostic", located.stderr.trim()).code).toBe("E0913");
    writeFileSync(at("bad.ioc"), "storage fn f() -> u64 {\n  return nodee;\n}\n");
    const src = await runCliAsync(["compile", at("bad.ioc"), "--json"]);
    expect(valid("diagnostic", src.stderr.trim())).toMatchObject({
      code: "E0401",
      line: 2,
      column: 10,
    });
  });

  it("compile --json and asm --json describe what they wrote", async () => {
    const c = await runCliAsync([
      "compile",
      at("id.ioc"),
      "--target",
      "linux",
      "-o",
      at("id.o"),
      "--json",
    ]);
    expect(valid("compile", c.stdout)).toMatchObject({ output: at("id.o"), emit: "elf" });
    const listing = await runCliAsync(["compile", at("id.ioc"), "--json"]);
    expect(valid("compile", listing.stdout).text).toMatch(/exit/);
    const a = await runCliAsync(["asm", at("prog.s"), "-o", at("prog.bin"), "--json"]);
    expect(valid("asm", a.stdout)).toEqual({ output: at("prog.bin"), instructions: 2, bytes: 16 });
  });

  it("disasm --json lists each instruction with its offset, bytes, text and source line", async () => {
    await runCliAsync(["asm", at("prog.s"), "-o", at("prog2.bin")]);
    const raw = valid("disasm", (await runCliAsync(["disasm", at("prog2.bin"), "--json"])).stdout);
    expect(raw).toEqual({
      file: at("prog2.bin"),
      format: "raw",
      sections: [
        {
          name: null,
          symbols: [],
          instructions: [
            { offset: 0, bytes: "b700000007000000", text: "r0 = 0x7", source: null },
            { offset: 8, bytes: "9500000000000000", text: "exit", source: null },
          ],
        },
      ],
    });
    const src = "examples/bptree/lookup.ioc";
    const obj = at("lookup.o");
    expect((await runCliAsync(["compile", src, "--target", "linux", "-o", obj])).code).toBe(0);
    const listing = valid("disasm", (await runCliAsync(["disasm", obj, "--json"])).stdout) as {
      sections: {
        name: string;
        instructions: { offset: number; text: string; source: { file: string; line: number } }[];
      }[];
    };
    const text = (await runCliAsync(["disasm", obj, "--no-raw-insn"])).stdout;
    const step = listing.sections.find((s) => s.name === "syscall")!;
    // The same instructions as the text listing, each from a line of the program or the stdlib.
    for (const i of step.instructions) expect(text).toContain(`${i.offset / 8}:\t${i.text}\n`);
    expect(step.instructions.every((i) => i.source !== null && i.source.line > 0)).toBe(true);
    const files = new Set(step.instructions.map((i) => i.source.file));
    expect([...files]).toEqual(expect.arrayContaining([src, "stdlib/search.ioc"]));
  });

  it("demo --json: a summary of what it built, compiled and ran", async () => {
    const args = ["demo", "--keys", "500", "--lookups", "40", "--dir", dir, "--json"];
    const r = await runCliAsync(args);
    expect(r.code, r.stderr).toBe(0);
    const d = valid("demo", r.stdout) as {
      tree: { keys: number; path: string };
      lookups: number;
      present: number;
      vm: { agree: number };
      kernel: { skipped?: string; agree?: number };
      chains: { agree: number } | null;
      ok: boolean;
    };
    expect(d.tree).toMatchObject({ keys: 500, path: at("bptree.db") });
    expect(d.lookups).toBe(40);
    expect(d.present).toBeGreaterThan(0);
    expect(d.vm.agree).toBe(40);
    expect(d.ok).toBe(true);
    if (noBpf !== undefined) expect(d.kernel.skipped).toBeTruthy();
    else {
      expect(d.kernel.agree).toBe(40);
      expect(d.chains?.agree).toBe(40);
    }
  });

  it("vm --json and extents --json", async () => {
    const v = await runCliAsync(["vm", at("prog.bin"), "--json"]);
    expect(valid("vm", v.stdout).r0).toBe(7);
    const e = await runCliAsync(["extents", at("data.bin"), "--json"]);
    if (e.code !== 0) {
      console.log(`skipped extents --json: ${e.stderr.trim()}`);
      return;
    }
    valid("extents", e.stdout);
  });

  it.skipIf(noBpf !== undefined)("load --json", async () => {
    const r = await runCliAsync(["load", at("id.o"), "--json"]);
    expect(r.code).toBe(0);
    valid("load", r.stdout);
  });

  it("exit code 2 when the chain fails, and the result still validates", async () => {
    const r = await runCliAsync([
      "run",
      at("fail.ioc"),
      "--data",
      at("data.bin"),
      "--arg",
      "key=1",
      "--json",
    ]);
    expect(r.code).toBe(2);
    expect(valid("run", r.stdout)).toMatchObject({ status: "failed", error: "not_found" });
  });
});
