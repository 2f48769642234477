// Sessions: one loaded program, many chains, and moves to other data files.
// A session's chains answer as runProgram does (which is a one-chain session) on every target
// here; after switchData the program's extents map holds the new file's table (a longer file's
// blocks are inside the file, not out_of_file), which in the kernel, where that map is frozen,
// means a new program for a new layout and the same one for the same layout; a failed switch
// leaves the session as it was.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/pipeline.js";
import { IochainError } from "../../src/diagnostics.js";
import { runProgram, type TargetName } from "../../src/runtime/run-program.js";
import { identityExtents } from "../../src/runtime/extents.js";
import { encodeExtentTable } from "../../src/abi/extents.js";
import { LinuxTarget } from "../../src/runtime/linux/target.js";
import { openSession } from "../../src/runtime/open-session.js";
import { KernelSession } from "../../src/runtime/session.js";
import { noBpf } from "./linux/kernel-fixtures.js";

const WALK = `
error not_found;
layout Node: little { key: u64, next: u64, value: u64 }
storage fn walk(key: u64) -> u64 block 64 max_chain 8 {
    let n = Node at 0;
    if n.key == key { return n.value; }
    if n.next == 0 { fail not_found; }
    resubmit n.next;
}
`;

/** 64-byte blocks of [key, next, value]. */
function list(nodes: [bigint, bigint, bigint][]): Uint8Array {
  const bytes = new Uint8Array(64 * nodes.length);
  const v = new DataView(bytes.buffer);
  nodes.forEach((n, i) => n.forEach((x, j) => v.setBigUint64(64 * i + 8 * j, x, true)));
  return bytes;
}

const dir = mkdtempSync(path.join(tmpdir(), "iochain-session-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// short: 5 → 7 → a block past its end. long: 5 → 7 → 9 at block 3.
const short = path.join(dir, "short.db");
const long = path.join(dir, "long.db");
writeFileSync(
  short,
  list([
    [5n, 64n, 50n],
    [7n, 192n, 70n],
  ]),
);
writeFileSync(
  long,
  list([
    [5n, 64n, 50n],
    [7n, 192n, 70n],
    [0n, 0n, 0n],
    [9n, 0n, 90n],
  ]),
);

const artifact = compile(WALK, "walk.ioc");

for (const target of ["sim", "linux"] as TargetName[]) {
  describe.skipIf(target === "linux" && noBpf !== undefined)(`sessions on ${target}`, () => {
    it("answer as runProgram does, across files, with the extents map refilled", () => {
      const session = openSession(artifact, { target, data: short });
      try {
        const expectSame = (data: string, key: bigint) =>
          expect(session.run({ key })).toEqual(
            runProgram(artifact, { target, data, args: { key } }),
          );
        expect(session.run({ key: 9n })).toMatchObject({ status: "failed", error: "out_of_file" });
        for (const key of [5n, 7n, 9n, 4n]) expectSame(short, key);
        session.switchData({ data: long });
        expect(session.run({ key: 9n })).toMatchObject({ status: "done", value: 90n, hops: 3 });
        for (const key of [5n, 7n, 9n, 4n]) expectSame(long, key);
        session.switchData({ data: short });
        for (const key of [5n, 9n]) expectSame(short, key);
        expect(session.source.size).toBe(128n);
      } finally {
        session.close();
      }
    });

    it("a failed switch keeps the old file; run after close is refused", () => {
      const session = openSession(artifact, { target, data: long });
      let code: string | undefined;
      try {
        session.switchData({ data: path.join(dir, "absent.db") });
      } catch (err) {
        code = err instanceof IochainError ? err.code : String(err);
      }
      expect(code).toBe("E0901");
      expect(session.run({ key: 9n })).toMatchObject({ status: "done", value: 90n });
      session.close();
      session.close(); // twice is fine
      expect(() => session.run({ key: 9n })).toThrow(/after close/);
    });
  });
}

describe.skipIf(noBpf !== undefined)("KernelSession", () => {
  it("keeps its program while the extent layout stays, loads it again for another layout", () => {
    const twin = path.join(dir, "twin.db"); // same size as short: the same one-extent table
    writeFileSync(
      twin,
      list([
        [5n, 64n, 51n],
        [0n, 0n, 0n],
      ]),
    );
    using session = KernelSession.open(artifact, { data: short, stats: true });
    const first = session.programInfo().id;
    expect(session.run({ key: 7n })).toMatchObject({ status: "done", value: 70n });
    session.switchData({ data: twin });
    expect(session.programInfo().id).toBe(first);
    expect(session.reloads).toBe(0);
    expect(session.run({ key: 5n })).toMatchObject({ status: "done", value: 51n });
    // A longer file: another table, and the frozen map cannot take it.
    session.switchData({ data: long });
    const second = session.programInfo().id;
    expect(second).not.toBe(first);
    expect(session.reloads).toBe(1);
    expect(session.run({ key: 9n })).toMatchObject({ status: "done", value: 90n, hops: 3 });
    session.switchData({ data: short });
    expect(session.reloads).toBe(2);
    expect(session.run({ key: 9n })).toMatchObject({ status: "failed", error: "out_of_file" });
  });

  it("freezes the extents map: the verifier takes the table as constants", () => {
    const table = encodeExtentTable(
      identityExtents(128n),
      artifact.maps.find((m) => m.name === "extents")!.valueSize,
    );
    const frozen = LinuxTarget.create(artifact, { extentsInit: table });
    const writable = LinuxTarget.create(artifact, { extentsInit: table, freezeExtents: false });
    try {
      expect(frozen.extentsWritable).toBe(false);
      expect(writable.extentsWritable).toBe(true);
      expect(() => frozen.writeExtents(table)).toThrow(/frozen/);
      writable.writeExtents(table);
      // The search over a known one-extent table is a few paths, not every probe sequence.
      expect(frozen.programInfo().verifiedInsns).toBeLessThan(
        writable.programInfo().verifiedInsns / 2,
      );
    } finally {
      frozen.close();
      writable.close();
    }
  });
});
