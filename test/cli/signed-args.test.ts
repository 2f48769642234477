// Signed parameters from the command line (`--arg rowid=-5` for an i64) and signed order in
// comparisons: a lower bound over big-endian i64 keys sorted as SQLite sorts rowids (negative
// first), on sim and, where bpf() works, in the kernel, against the same search in JS.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

const dir = tempDir("iochain-signed-");
const program = path.join(dir, "lower-bound.ioc");
writeFileSync(
  program,
  `layout Keys: big { n: u16, key: [i64; 60] }

storage fn lower_bound(rowid: i64) -> u32 block 512 max_chain 1 {
    let k = Keys at 0;
    var lo: u32 = 0;
    var hi: u32 = min(k.n as u32, 60);
    while lo < hi max 7 {
        let mid = (lo + hi) / 2;
        if k.key[mid] < rowid { lo = mid + 1; } else { hi = mid; }
    }
    return lo;
}
`,
);
const keys = [
  -(1n << 63n),
  -70000n,
  -300n,
  -5n,
  -1n,
  0n,
  1n,
  127n,
  128n,
  1n << 40n,
  (1n << 63n) - 1n,
];
const data = path.join(dir, "keys.db");
const bytes = Buffer.alloc(512);
bytes.writeUInt16BE(keys.length, 0);
keys.forEach((k, i) => bytes.writeBigInt64BE(k, 2 + 8 * i));
writeFileSync(data, bytes);

const kernel = bpfAvailable();
if (!kernel.ok) console.warn(`skipping the linux-target signed runs: ${kernel.reason}`);

describe("signed parameters and signed comparisons", () => {
  const probes = [...keys, -6n, -4n, -2n, 2n, 129n, -(1n << 62n), 1n << 62n];
  for (const target of kernel.ok ? ["vm", "linux"] : ["vm"]) {
    it(`--arg rowid=-5, and every probe through --args-file, in the i64 order (${target})`, () => {
      const one = runCli([
        "run",
        program,
        "--target",
        target,
        "--data",
        data,
        "--arg",
        "rowid=-5",
        "--json",
      ]);
      expect(JSON.parse(one.stdout).value).toBe(3);
      const r = runCli(
        ["run", program, "--target", target, "--data", data, "--args-file", "-"],
        probes.map((rowid) => `{"rowid": ${rowid}}`).join("\n"),
      );
      expect(r.code, r.stderr).toBe(0);
      const got = r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).value as number);
      expect(got).toEqual(probes.map((rowid) => keys.filter((k) => k < rowid).length));
    });
  }

  it("refuses a value outside i64 with the range", () => {
    const r = runCli(["run", program, "--data", data, "--arg", `rowid=${1n << 63n}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /error\[E0930\].*does not fit i64 \(-9223372036854775808\.\.9223372036854775807\)/,
    );
  });
});
