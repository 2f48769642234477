// `iochain run --args-file`: one JSON result per line, in input order, the same on every target
// and mode (kernel chains, per step, the VM, several threads); a summary line on stderr; bad
// argument files and options refused with a code that names the line.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeBptree } from "../../src/datagen/bptree.js";
import { lookupBptree } from "../../src/datagen/bptree-reference.js";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";
import { runCli } from "../support/cli.js";

const tmp = mkdtempSync(path.join(tmpdir(), "iochain-run-batch-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const lookup = "examples/bptree/lookup.ioc";
const data = path.join(tmp, "tree.db");
const tree = writeBptree(data, { seed: 3, keys: 3000, depth: 3 });
// Present and absent keys, one with every digit of a u64 (beyond 2^53: a JSON number loses it).
const keys = [...tree.keys.slice(0, 150), 1n, (1n << 64n) - 1n, tree.keys[2999] + 1n];
const argsFile = path.join(tmp, "keys.jsonl");
writeFileSync(
  argsFile,
  keys.map((k, i) => (i % 2 ? `{"key": ${k}}` : `{"key": "${k}"}`)).join("\n") + "\n\n",
);
const SUMMARY =
  /^(\d+) chains \((\d+) done, (\d+) failed\) in [\d.]+ s: \d+ chains\/s, [\d.]+ hops\/chain, [\d.]+ syscalls\/chain$/m;

/** The reference's answer as the result JSON prints it. */
function expected(key: bigint): { status: string; value: string | null; hops: number } {
  const r = lookupBptree(tree.bytes, key);
  return "value" in r
    ? { status: "done", value: Buffer.from(r.value).toString("hex"), hops: r.hops }
    : { status: "failed", value: null, hops: r.hops };
}

describe("iochain run --args-file", () => {
  const modes: [string, string[]][] = [
    ["vm", ["--target", "vm"]],
    ["kernel chains", ["--target", "linux"]],
    [
      "kernel chains, batches of 7, 3 threads",
      ["--target", "linux", "--batch", "7", "--threads", "3"],
    ],
    ["per step", ["--target", "linux", "--chain", "step"]],
  ];
  for (const [what, flags] of modes) {
    it.skipIf(what !== "vm" && noBpf !== undefined)(
      `${what}: one JSON result per line, as the reference answers`,
      () => {
        const r = runCli(["run", lookup, "--data", data, "--args-file", argsFile, ...flags]);
        expect(r.stderr).toMatch(SUMMARY);
        expect(r.code).toBe(0);
        const lines = r.stdout.trimEnd().split("\n");
        expect(lines.length).toBe(keys.length);
        lines.forEach((line, i) => {
          const got = JSON.parse(line) as { status: string; value: string | null; hops: number };
          expect(
            { status: got.status, value: got.value, hops: got.hops },
            `key ${keys[i]}`,
          ).toEqual(expected(keys[i]));
        });
        const [, n, done, failed] = SUMMARY.exec(r.stderr)!;
        expect(Number(n)).toBe(keys.length);
        expect(Number(done) + Number(failed)).toBe(keys.length);
      },
    );
  }

  it("reads standard input with -", () => {
    const r = runCli(["run", lookup, "--data", data, "--args-file", "-"], `{"key": ${keys[0]}}\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject(expected(keys[0]));
  });

  it("refuses bad lines and options with the line and a code", () => {
    const bad = (input: string) =>
      runCli(["run", lookup, "--data", data, "--args-file", "-"], input).stderr;
    expect(bad('{"key": 1}\n{"key": "x"}\n')).toMatch(/^error\[E0910\]: <stdin>:2: argument `key`/);
    expect(bad('{"key": 1}\n\n{"key": -1}\n')).toMatch(
      /^error\[E0930\]: <stdin>:3: argument `key` = -1 does not fit u64/,
    );
    expect(bad("[1]\n")).toMatch(/^error\[E0910\]: <stdin>:1: expected a JSON object/);
    expect(bad("{nope\n")).toMatch(/^error\[E0910\]: <stdin>:1: not a JSON object/);
    expect(
      runCli(["run", lookup, "--data", data, "--batch", "0", "--arg", "key=1"]).stderr,
    ).toMatch(/^error\[E0908\]: --batch/);
    expect(
      runCli(["run", lookup, "--data", data, "--threads", "2", "--arg", "key=1"]).stderr,
    ).toMatch(/^error\[E0910\]: --threads needs --args-file/);
    expect(
      runCli(["run", lookup, "--data", data, "--chain", "kernel", "--arg", "key=1"]).stderr,
    ).toMatch(
      /^error\[E0937\]: --chain kernel runs chains inside the kernel: it needs --target linux/,
    );
  });
});
