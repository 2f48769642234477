// lookup.ioc over real SQLite files written by SQLite itself (python3's sqlite3 module, gen.py):
// tables of 50 to 100,000 rows, rowids of every varint length both signs, after inserts, deletes
// and updates, no VACUUM. Every answer is compared with SQLite's own; corrupt files end with an
// error, never with a wrong row or a hang.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ExampleRunner, compileExample } from "../common/harness.js";
import type { ChainResult } from "../../src/runtime/driver.js";
import { bpfAvailable } from "../../src/runtime/linux/syscall.js";
import { Rng } from "../../src/datagen/rng.js";
import { runCli } from "../../test/support/cli.js";
import { decodeRecord } from "./record.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const python = spawnSync("python3", ["-c", "import sqlite3"], { encoding: "utf8" });
const noSqlite =
  python.status === 0
    ? undefined
    : `python3 with its sqlite3 module is not available: ${python.stderr || python.error}`;
if (noSqlite) console.warn(`skipping examples/sqlite: ${noSqlite}`);
const bpf = bpfAvailable();
if (!bpf.ok) console.warn(`skipping examples/sqlite in the kernel: ${bpf.reason}`);

const tmp = mkdtempSync(path.join(tmpdir(), "iochain-sqlite-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Answer {
  rowid: string;
  row: [string, string] | null;
}
interface Db {
  file: string;
  bytes: Uint8Array;
  root: number;
  answers: Answer[];
}

function writeDb(rows: number, seed: number): Db {
  const file = path.join(tmp, `t${rows}-${seed}.db`);
  const r = spawnSync("python3", [path.join(here, "gen.py"), file, String(rows), String(seed)], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`gen.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { root: number; pageSize: number; answers: Answer[] };
  expect(out.pageSize).toBe(4096);
  return { file, bytes: new Uint8Array(readFileSync(file)), root: out.root, answers: out.answers };
}

/** The program's answer in SQLite's terms: the row's [a, b], null for none, or the error. */
function asRow(r: ChainResult): [string, string] | null | string {
  if (r.status === "failed") return r.error === "not_found" ? null : `error ${r.error}`;
  const values = decodeRecord(r.value as Uint8Array);
  // The record of t(a, b): a rowid alias would be NULL; a is an integer, b text.
  return [String(values[0]), String(values[1])];
}

const expected = (a: Answer): [string, string] | null | string =>
  a.row && a.row[1].length > 4000 ? "error overflow" : a.row;

const lookup = compileExample("sqlite", "lookup");

describe.skipIf(noSqlite !== undefined)("sqlite: lookup.ioc = SQLite's own answers", () => {
  const sim = new ExampleRunner(lookup);
  afterAll(() => sim.close());
  const dbs = new Map<number, Db>();
  const db = (rows: number): Db => {
    if (!dbs.has(rows)) dbs.set(rows, writeDb(rows, rows));
    return dbs.get(rows)!;
  };

  for (const rows of [50, 1000, 20_000, 100_000]) {
    it(`${rows} rows: every probe (varint-length edges both signs, present, deleted, random)`, () => {
      const d = db(rows);
      for (const a of d.answers) {
        const got = asRow(sim.run(d.bytes, { root: BigInt(d.root), rowid: BigInt(a.rowid) }));
        if (got !== expected(a))
          expect({ rowid: a.rowid, got }).toEqual({ rowid: a.rowid, got: expected(a) });
      }
      expect(d.answers.filter((a) => a.row !== null).length).toBeGreaterThan(30);
      expect(d.answers.filter((a) => expected(a) === "error overflow").length).toBeGreaterThan(0);
    });
  }

  it.skipIf(!bpf.ok)(
    "in the kernel: per-step runs and whole kernel chains (iochain run) answer the same",
    () => {
      const d = db(20_000);
      const linux = new ExampleRunner(lookup, "linux");
      try {
        for (const a of d.answers.slice(0, 120)) {
          const got = asRow(linux.run(d.bytes, { root: BigInt(d.root), rowid: BigInt(a.rowid) }));
          if (got !== expected(a))
            expect({ rowid: a.rowid, got }).toEqual({ rowid: a.rowid, got: expected(a) });
        }
      } finally {
        linux.close();
      }
      const args = path.join(tmp, "args.jsonl");
      writeFileSync(
        args,
        d.answers.map((a) => `{"root": ${d.root}, "rowid": ${a.rowid}}`).join("\n"),
      );
      const r = runCli([
        "run",
        path.join(here, "lookup.ioc"),
        "--target",
        "linux",
        "--data",
        d.file,
        "--args-file",
        args,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout
        .trim()
        .split("\n")
        .map(
          (l) => JSON.parse(l) as { status: string; error: string | null; value: string | null },
        );
      expect(lines.length).toBe(d.answers.length);
      lines.forEach((l, i) => {
        const got =
          l.status === "failed"
            ? l.error === "not_found"
              ? null
              : `error ${l.error}`
            : (decodeRecord(Buffer.from(l.value!, "hex")).map(String) as [string, string]);
        const want = expected(d.answers[i]);
        if (JSON.stringify(got) !== JSON.stringify(want))
          expect({ rowid: d.answers[i].rowid, got }).toEqual({
            rowid: d.answers[i].rowid,
            got: want,
          });
      });
    },
  );

  it("corrupt files (truncated, garbled page headers and cell pointers, a page that is its own child) end with an error or SQLite's answer, never another row or a hang", () => {
    const d = db(1000);
    const rng = new Rng(12);
    const pages = Math.floor(d.bytes.length / 4096);
    let errors = 0;
    for (let round = 0; round < 120; round++) {
      const kind = round % 4;
      const b = d.bytes.slice(0, kind === 0 ? rng.below(d.bytes.length) : d.bytes.length);
      const page = rng.below(pages);
      const hdr = page * 4096 + (page === 0 ? 100 : 0);
      const view = new DataView(b.buffer);
      if (kind === 1 && hdr + 12 <= b.length) view.setUint32(hdr + 8, page + 1); // right child: itself
      if (kind === 2) b[hdr + rng.below(8)] = rng.u32() & 0xff; // kind, free list, cell count, content
      if (kind === 3) for (let n = 0; n < 6; n++) b[hdr + 8 + rng.below(64)] = rng.u32() & 0xff;
      for (const a of d.answers.slice(0, 40)) {
        const r = sim.run(b, { root: BigInt(d.root), rowid: BigInt(a.rowid) });
        if (r.status === "failed" && r.error !== "not_found") {
          errors++;
          continue;
        }
        // Not an error: SQLite's answer, or "none" where the damage hid the row — never a row
        // that is not the one SQLite has at this rowid.
        const got = asRow(r);
        if (got !== null)
          expect({ rowid: a.rowid, got }).toEqual({ rowid: a.rowid, got: expected(a) });
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});
