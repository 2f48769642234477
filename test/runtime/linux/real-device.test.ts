// A chain over a fragmented file on a real ext4 image, reading the device at the addresses the
// program translated with its extents map: on the VM and in the kernel, bound at run time and at
// compile time, and falling back to file reads once the file's layout changed.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProgramArtifact } from "../../../src/abi/artifact.js";
import { assembleUbpf } from "../../../src/bpf/asm/ubpf.js";
import { encodeExtentTable, extentTableBytes } from "../../../src/abi/extents.js";
import { bindFileExtents } from "../../../src/runtime/linux/bind-extents.js";
import { readFileExtents } from "../../../src/runtime/linux/fiemap.js";
import { runProgram, type TargetName } from "../../../src/runtime/run-program.js";
import { makeArtifact } from "../fixtures.js";
import {
  type Ext4Mount,
  ext4Unavailable,
  mountExt4Image,
  writeInterleaved,
} from "./ext4-fixture.js";
import { noBpf } from "./kernel-fixtures.js";

const MAX_EXTENTS = 32;
const mapValue = (reg: number, map: number): string =>
  `lddw %r${reg}, 0x${map.toString(16)}, map_value`;

// A list of 512 B nodes (u64 key, u64 next file offset, u64 value) walked to `key`; each next
// offset is translated like compiled code does: search the extent table, check, set next_dev.
const WALK = `
  mov %r6, %r1
  ldxdw %r2, [%r6+64]
  ${mapValue(3, 0)}
  ldxdw %r4, [%r3+0]
  jne %r4, %r2, miss
  ldxdw %r5, [%r3+16]
  stxdw [%r6+40], %r5
  mov %r0, 1
  stxw [%r6+20], %r0
  mov %r0, 0
  exit
miss:
  ldxdw %r5, [%r3+8]
  jeq %r5, 0, notfound
  stxdw [%r6+24], %r5
  mov %r0, 512
  stxw [%r6+32], %r0
  ${mapValue(8, 2)}
  ldxdw %r9, [%r8+8]
  jle %r9, ${MAX_EXTENTS}, counted
  mov %r9, ${MAX_EXTENTS}
counted:
  add %r8, 16
  mov %r1, 0
search:
  jge %r1, %r9, unmapped
  ldxdw %r2, [%r8+0]
  jgt %r2, %r5, unmapped
  ldxdw %r4, [%r8+8]
  add %r4, %r2
  jgt %r4, %r5, found
  add %r8, 24
  add %r1, 1
  ja search
found:
  mov %r0, %r5
  add %r0, 512
  jgt %r0, %r4, crosses
  ldxdw %r4, [%r8+16]
  sub %r5, %r2
  add %r5, %r4
  stxdw [%r6+56], %r5
  mov %r0, 0
  stxw [%r6+20], %r0
  exit
unmapped:
  mov %r0, 2
  ja fail
crosses:
  mov %r0, 4
  ja fail
notfound:
  mov %r0, 16
fail:
  stxw [%r6+36], %r0
  mov %r0, 2
  stxw [%r6+20], %r0
  mov %r0, 0
  exit
`;

function walkArtifact(start: bigint, init?: Uint8Array): ProgramArtifact {
  const art = makeArtifact({
    name: "extent_walk",
    insns: assembleUbpf(WALK, "extent-walk.s"),
    start,
    maxChain: 1024,
    params: [{ name: "key", type: "u64" }],
    errors: [{ code: 16, name: "not_found" }],
  });
  const valueSize = extentTableBytes(MAX_EXTENTS);
  art.maps.push({
    name: "extents",
    valueSize,
    mmapable: true,
    readOnlyProg: true,
    ...(init ? { init } : {}),
  });
  return art;
}

/** `count` nodes in shuffled 512 B slots (the first at offset 0): node i has key 10 i + 1, value 1000 i + 7. */
function listFile(count: number): { bytes: Uint8Array; start: bigint } {
  const slots = Array.from({ length: count }, (_, i) => i);
  // Slot 0 (offset 0 means "end of list") holds the first node; the others are shuffled.
  for (let i = slots.length - 1; i > 1; i--) {
    const j = 1 + (randomBytes(4).readUInt32LE() % i);
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  const bytes = new Uint8Array(count * 512);
  const v = new DataView(bytes.buffer);
  slots.forEach((slot, i) => {
    v.setBigUint64(slot * 512, BigInt(10 * i + 1), true);
    v.setBigUint64(slot * 512 + 8, i + 1 < count ? BigInt(slots[i + 1] * 512) : 0n, true);
    v.setBigUint64(slot * 512 + 16, BigInt(1000 * i + 7), true);
  });
  return { bytes, start: BigInt(slots[0] * 512) };
}

const targets: { name: TargetName; skip: string | undefined }[] = [
  { name: "sim", skip: undefined },
  { name: "linux", skip: noBpf },
];

describe.skipIf(ext4Unavailable !== undefined)(
  "chains reading a real device at translated addresses",
  () => {
    let fs: Ext4Mount;
    let file: string;
    let start: bigint;
    const NODES = 160; // 80 KiB: 20 file-system blocks, in several extents
    beforeAll(() => {
      fs = mountExt4Image();
      file = path.join(fs.mountPoint, "list.dat");
      const list = listFile(NODES);
      start = list.start;
      writeInterleaved(
        file,
        list.bytes,
        path.join(fs.mountPoint, "other.dat"),
        randomBytes(list.bytes.length),
        8192,
      );
    });
    afterAll(() => fs?.teardown());

    for (const t of targets) {
      it.skipIf(t.skip !== undefined)(
        `${t.name}: bound at run time, every block comes from the device (buffered and O_DIRECT)`,
        () => {
          expect(readFileExtents(file).extents.length).toBeGreaterThan(2);
          for (const direct of [false, true]) {
            const r = runProgram(walkArtifact(start), {
              target: t.name,
              data: file,
              args: { key: 10n * 120n + 1n },
              realDevice: true,
              direct,
            });
            expect(r).toMatchObject({
              status: "done",
              value: 120n * 1000n + 7n,
              hops: 121,
              reads: { device: 121, file: 0 },
            });
          }
          const missing = runProgram(walkArtifact(start), {
            target: t.name,
            data: file,
            args: { key: 2n },
            realDevice: true,
          });
          expect(missing).toMatchObject({
            status: "failed",
            error: "not_found",
            hops: NODES,
            reads: { device: NODES, file: 0 },
          });
        },
      );
    }

    it("bound at compile time: device reads while the layout holds, file reads (same answer) once it moved", () => {
      const init = encodeExtentTable(bindFileExtents(file), extentTableBytes(MAX_EXTENTS));
      const run = () =>
        runProgram(walkArtifact(start, init), {
          target: "sim",
          data: file,
          args: { key: 10n * 37n + 1n },
          realDevice: true,
        });
      expect(run()).toMatchObject({
        status: "done",
        value: 37n * 1000n + 7n,
        reads: { device: 38, file: 0 },
      });

      const fd = openSync(file, "a"); // new blocks: a new extent, a new generation
      writeSync(fd, new Uint8Array(8192));
      fsyncSync(fd);
      closeSync(fd);
      expect(run()).toMatchObject({
        status: "done",
        value: 37n * 1000n + 7n,
        reads: { device: 0, file: 38 },
      });
    });
  },
);
