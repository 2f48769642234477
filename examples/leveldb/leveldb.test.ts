// lookup.ioc and lookup_checked.ioc over real LevelDB table files written by LevelDB itself
// (Debian's python3-plyvel, gen.py): 50 to 20,000 keys after inserts, overwrites and deletes kept
// in the table by a snapshot. Every answer is compared with LevelDB's own db.get; corrupt files
// end with an error, never with a wrong value or a hang.
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

const here = path.dirname(fileURLToPath(import.meta.url));

/** The first python3 that imports plyvel (pyenv's python3 may shadow Debian's, which has it). */
function findPython(): { python?: string; reason?: string } {
  const reasons: string[] = [];
  for (const python of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(python, ["-c", "import plyvel"], { encoding: "utf8" });
    if (r.status === 0) return { python };
    reasons.push(`${python}: ${(r.stderr || String(r.error)).trim().split("\n").pop()}`);
  }
  return {
    reason: `no python3 with plyvel (apt-get install python3-plyvel): ${reasons.join("; ")}`,
  };
}
const { python, reason: noPlyvel } = findPython();
if (noPlyvel) console.warn(`skipping examples/leveldb: ${noPlyvel}`);
const bpf = bpfAvailable();
if (!bpf.ok) console.warn(`skipping examples/leveldb in the kernel: ${bpf.reason}`);

const tmp = mkdtempSync(path.join(tmpdir(), "iochain-leveldb-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Answer {
  key: string;
  value: string | null;
}
interface Table {
  file: string;
  bytes: Uint8Array;
  answers: Answer[];
  entries: number;
  deletions: number;
  multiVersion: number;
  dataBlocks: number;
  indexCompressed: boolean;
  compressedBlocks: number;
  maxValue: number;
}

function writeTable(keys: number, seed: number, snappy = false): Table {
  const dir = path.join(tmp, `db${keys}-${seed}${snappy ? "-snappy" : ""}`);
  const args = [path.join(here, "gen.py"), dir, String(keys), String(seed)];
  const r = spawnSync(python!, snappy ? [...args, "snappy"] : args, {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`gen.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Omit<Table, "file" | "bytes"> & { table: string };
  const bytes = new Uint8Array(readFileSync(out.table));
  return { ...out, file: out.table, bytes };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** The program's answer in LevelDB's terms: the value's hex, null for none, or the error. */
function asValue(r: ChainResult): string | null {
  if (r.status === "failed") return r.error === "not_found" ? null : `error ${r.error}`;
  return hex(r.value as Uint8Array);
}

/** LevelDB's answer as the lookup gives it: values longer than its result are refused. */
const expected = (t: Table, a: Answer): string | null =>
  a.value !== null && a.value.length / 2 > t.maxValue ? "error value_too_large" : a.value;

const args = (t: Table, key: string, size = t.bytes.length) => ({
  file_size: BigInt(size),
  key: BigInt(key),
});

const lookup = compileExample("leveldb", "lookup");
const checked = compileExample("leveldb", "lookup_checked");

describe.skipIf(noPlyvel !== undefined)("leveldb: lookup.ioc = LevelDB's own answers", () => {
  const sim = new ExampleRunner(lookup);
  const simChecked = new ExampleRunner(checked);
  afterAll(() => {
    sim.close();
    simChecked.close();
  });
  const tables = new Map<number, Table>();
  const table = (keys: number): Table => {
    if (!tables.has(keys)) tables.set(keys, writeTable(keys, keys));
    return tables.get(keys)!;
  };

  for (const keys of [50, 3000, 20_000]) {
    it(`${keys} keys: every probe (present, overwritten, deleted, neighbours, random) answers as db.get`, () => {
      const t = table(keys);
      // The table holds what the lookup must see through: deletion markers, several versions.
      expect(t.deletions).toBeGreaterThan(0);
      expect(t.multiVersion).toBeGreaterThan(0);
      expect(t.compressedBlocks).toBe(0);
      for (const a of t.answers) {
        const got = asValue(sim.run(t.bytes, args(t, a.key)));
        if (got !== expected(t, a))
          expect({ key: a.key, got }).toEqual({ key: a.key, got: expected(t, a) });
      }
      expect(t.answers.filter((a) => a.value !== null).length).toBeGreaterThan(keys / 2);
      expect(t.answers.filter((a) => a.value === null).length).toBeGreaterThan(keys / 20);
      // The checked lookup: the same answers (every block's crc32c matches), on a sample. Not
      // on 20,000 keys: its ~10 KiB index block costs the check ~1M instructions, the sim's
      // budget per step (README.md).
      if (keys > 3000) return;
      for (const a of t.answers.filter((_, i) => i % 25 === 0)) {
        const got = asValue(simChecked.run(t.bytes, args(t, a.key)));
        if (got !== expected(t, a))
          expect({ key: a.key, got }).toEqual({ key: a.key, got: expected(t, a) });
      }
    });
  }

  it.skipIf(!bpf.ok)(
    "in the kernel: per-step runs and whole kernel chains (iochain run) answer the same",
    () => {
      const t = table(3000);
      for (const program of [lookup, checked]) {
        const linux = new ExampleRunner(program, "linux");
        try {
          for (const a of t.answers.slice(0, 300)) {
            const got = asValue(linux.run(t.bytes, args(t, a.key)));
            if (got !== expected(t, a))
              expect({ key: a.key, got }).toEqual({ key: a.key, got: expected(t, a) });
          }
        } finally {
          linux.close();
        }
      }
      const argsFile = path.join(tmp, "args.jsonl");
      writeFileSync(
        argsFile,
        t.answers.map((a) => `{"file_size": ${t.bytes.length}, "key": "${a.key}"}`).join("\n"),
      );
      const r = runCli([
        "run",
        path.join(here, "lookup.ioc"),
        "--target",
        "linux",
        "--data",
        t.file,
        "--args-file",
        argsFile,
      ]);
      expect(r.code, r.stderr).toBe(0);
      // The chain program loaded: no fallback to per-step runs.
      expect(r.stderr).not.toContain("ran per step");
      const lines = r.stdout
        .trim()
        .split("\n")
        .map(
          (l) => JSON.parse(l) as { status: string; error: string | null; value: string | null },
        );
      expect(lines.length).toBe(t.answers.length);
      lines.forEach((l, i) => {
        const got =
          l.status === "failed" ? (l.error === "not_found" ? null : `error ${l.error}`) : l.value;
        const want = expected(t, t.answers[i]);
        if (got !== want)
          expect({ key: t.answers[i].key, got }).toEqual({ key: t.answers[i].key, got: want });
      });
    },
  );

  it("a table written with Snappy compression ends every lookup with compressed_block", () => {
    const t = writeTable(3000, 7, true);
    expect(t.indexCompressed || t.compressedBlocks > 0).toBe(true);
    for (const runner of [sim, simChecked])
      for (const a of t.answers.slice(0, 100))
        expect(asValue(runner.run(t.bytes, args(t, a.key)))).toBe("error compressed_block");
  });

  it("a bad magic number ends every lookup with bad_magic", () => {
    const t = table(50);
    const b = t.bytes.slice();
    b[b.length - 1] ^= 0x40;
    for (const a of t.answers.slice(0, 50))
      expect(asValue(sim.run(b, args(t, a.key)))).toBe("error bad_magic");
  });

  it("truncated files, garbled footers, index blocks and data blocks end with an error or LevelDB's answer, never another value or a hang", () => {
    const t = table(3000);
    const rng = new Rng(12);
    const footer = t.bytes.length - 48;
    const view = new DataView(t.bytes.buffer);
    // The index block: where its handles (the entries' values) are.
    let p = footer;
    const varint = (): number => {
      let v = 0;
      for (let shift = 1; ; shift *= 128) {
        const x = t.bytes[p++];
        v += (x & 0x7f) * shift;
        if (x < 0x80) return v;
      }
    };
    varint();
    varint();
    const indexOff = varint();
    const indexSize = varint();
    const dataEnd = indexOff; // data blocks, then the metaindex block, then the index block
    expect(view.getUint32(indexOff + indexSize - 4, true)).toBe(t.dataBlocks);
    let errors = 0;
    for (let round = 0; round < 100; round++) {
      const kind = round % 5;
      let b = t.bytes.slice();
      let size = b.length;
      if (kind === 0) {
        // Cut short: the size argument is the cut file's (the footer is then elsewhere) or the
        // original one (the footer's read runs past the end).
        size = rng.below(b.length);
        b = b.slice(0, size);
        if (round % 2) size = t.bytes.length;
      } else if (kind === 1) {
        for (let n = 0; n < 3; n++) b[footer + rng.below(40)] = rng.u32() & 0xff; // footer handles
      } else if (kind === 2) {
        for (let n = 0; n < 4; n++) b[indexOff + rng.below(indexSize)] = rng.u32() & 0xff;
      } else if (kind === 3) {
        for (let n = 0; n < 20; n++) b[rng.below(dataEnd)] = rng.u32() & 0xff; // data blocks
      } else {
        const at = rng.below(dataEnd - 64);
        for (let n = 0; n < 64; n++) b[at + n] = rng.u32() & 0xff; // a run of garbage
      }
      // Damage inside a block's bytes can change a value's bytes, which only the checksum sees:
      // lookup_checked.ioc there; lookup.ioc where the damage is to the table's structure.
      const runner = kind >= 3 ? simChecked : sim;
      for (const a of t.answers.slice(0, 3000).filter((_, i) => i % 30 === round % 30)) {
        const r = runner.run(b, args(t, a.key, size));
        if (r.status === "failed" && r.error !== "not_found") {
          errors++;
          continue;
        }
        // Not an error: LevelDB's answer, or "none" where the damage hid the key — never a value
        // that is not the one LevelDB has for this key.
        const got = asValue(r);
        if (got !== null && got !== expected(t, a))
          expect({ round, key: a.key, got }).toEqual({ round, key: a.key, got: expected(t, a) });
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});
