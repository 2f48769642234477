// `iochain run --data NAME=PATH`: a program's files by name, checked against its `reads`, as one
// line with a hint; `--data-extents NAME=JSON` per file; a plain `--data PATH` where one file is read.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

const dir = tempDir("iochain-data-files-");
const program = path.join(dir, "two.ioc");
// The first block's u64 at 0 is the offset of a 512-byte block in data.db, whose u64 at 0 is the answer.
writeFileSync(
  program,
  `storage fn two(k: u64) -> u64 reads "index.db", "data.db" block 512 max_chain 2 {
    stage index {
        resubmit u64le at 0 in "data.db" -> data;
    }
    stage data {
        return u64le at 0 + k;
    }
}
`,
);
const index = path.join(dir, "index.bin");
const data = path.join(dir, "data.bin");
const indexBytes = Buffer.alloc(512);
indexBytes.writeBigUInt64LE(1024n, 0);
writeFileSync(index, indexBytes);
const dataBytes = Buffer.alloc(2048);
dataBytes.writeBigUInt64LE(0xfeedn, 1024);
dataBytes.writeBigUInt64LE(0xbeefn, 1032);
writeFileSync(data, dataBytes);
const extents = path.join(dir, "data.json");
writeFileSync(
  extents,
  JSON.stringify({ generation: 1, extents: [{ file_offset: 0, length: 2048, dev_addr: 8192 }] }),
);

const run = (...args: string[]) => runCli(["run", program, ...args]);

describe("iochain run with several data files", () => {
  it("reads each file by its name, in any order", () => {
    const r = run("--data", `data.db=${data}`, "--data", `index.db=${index}`, "--arg", "k=8");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("done after 2 block reads\nvalue: 48879\n");
  });

  it("takes an extent table per named file", () => {
    const r = run(
      "--data",
      `index.db=${index}`,
      "--data",
      `data.db=${data}`,
      "--data-extents",
      `data.db=${extents}`,
      "--arg",
      "k=0",
      "--json",
    );
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "done", value: 65261, hops: 2 });
    // data.db's own table translates its reads: a hole there at 1024 is `unmapped` (index.db's
    // one-extent table would have said `out_of_file`).
    const holes = path.join(dir, "holes.json");
    writeFileSync(
      holes,
      JSON.stringify({
        generation: 1,
        extents: [
          { file_offset: 0, length: 512, dev_addr: 8192 },
          { file_offset: 1536, length: 512, dev_addr: 16384 },
        ],
      }),
    );
    const targets = bpfAvailable().ok
      ? [
          ["--target", "vm"],
          ["--target", "linux", "--chain", "step"],
          ["--target", "linux"],
        ]
      : [["--target", "vm"]];
    for (const target of targets) {
      const hole = run(
        ...target,
        "--data",
        `index.db=${index}`,
        "--data",
        `data.db=${data}`,
        "--data-extents",
        `data.db=${holes}`,
        "--arg",
        "k=0",
      );
      expect({ target, out: hole.stdout }).toEqual({
        target,
        out: "failed: unmapped after 1 block reads\n",
      });
    }
  });

  const refusals: [string, string[], RegExp, RegExp][] = [
    [
      "an unnamed path for two files",
      ["--data", index],
      /error\[E0916\]: two: the program reads 2 files \("index.db", "data.db"\); --data gave one unnamed path/,
      /hint: name each file: --data index.db=PATH --data data.db=PATH/,
    ],
    [
      "a file declared but not given",
      ["--data", `index.db=${index}`],
      /error\[E0916\]: two: the program reads "data.db", but --data gives no path for it/,
      /hint: add --data data.db=PATH/,
    ],
    [
      "an unknown name",
      ["--data", `index.db=${index}`, "--data", `dat.db=${data}`],
      /error\[E0916\]: two: --data names "dat.db", which the program does not read/,
      /hint: did you mean --data data.db=/,
    ],
    [
      "named and unnamed files mixed",
      ["--data", `index.db=${index}`, "--data", data],
      /error\[E0916\]: --data mixes named and unnamed files/,
      /hint: name every file/,
    ],
    [
      "an extent table for a name no --data gives",
      [
        "--data",
        `index.db=${index}`,
        "--data",
        `data.db=${data}`,
        "--data-extents",
        `log.db=${extents}`,
      ],
      /error\[E0916\]: --data-extents names "log.db", which no --data names/,
      /hint: give each table by its data file's name/,
    ],
    [
      "a name with no path",
      ["--data", "index.db=", "--data", `data.db=${data}`],
      /error\[E0916\]: --data index.db= gives no path/,
      /hint: write --data index.db=PATH/,
    ],
  ];
  for (const [what, args, message, hint] of refusals) {
    it(`refuses ${what} in one line with a hint`, () => {
      const r = run(...args, "--arg", "k=0");
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(hint);
      expect(r.stderr).not.toMatch(/ at .*\.js:\d+/);
    });
  }

  it("checks a one-file program's name too", () => {
    const one = path.join(dir, "one.ioc");
    writeFileSync(
      one,
      `storage fn one() -> u64 reads "table.db" block 512 { return u64le at 0; }\n`,
    );
    expect(runCli(["run", one, "--data", data]).stdout).toBe(
      "done after 1 block reads\nvalue: 0\n",
    );
    const r = runCli(["run", one, "--data", `tabel.db=${data}`]);
    expect(r.stderr).toMatch(
      /E0916\]: one: --data names "tabel.db", which the program does not read/,
    );
    expect(r.stderr).toMatch(/hint: did you mean --data table.db=/);
  });
});
