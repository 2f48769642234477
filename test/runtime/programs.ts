// Hand-assembled storage functions (uBPF syntax) that follow docs/abi.md, with their artifacts and
// data files: the same instructions run on every target. Not a test file itself.
import type { ProgramArtifact } from "../../src/abi/artifact.js";
import { assembleUbpf } from "../../src/bpf/asm/ubpf.js";
import { makeArtifact } from "./fixtures.js";

/** `lddw %rN, <map index | offset << 32>, map_value` */
const mapValue = (reg: number, map: number, offset = 0): string =>
  `lddw %r${reg}, 0x${((BigInt(offset) << 32n) | BigInt(map)).toString(16)}, map_value`;

// A linked list of 512 B blocks: u64 key at 0, u64 next (file offset, 0 = end) at 8, u64 value at
// 16. lookup(key) walks it and returns the value; scratch[0] counts the nodes visited.
const LIST_WALK = (translate: boolean) => `
  mov %r6, %r1
  ldxdw %r2, [%r6+64]
  ${mapValue(3, 0)}
  ${mapValue(7, 1)}
  ldxdw %r4, [%r7+0]
  add %r4, 1
  stxdw [%r7+0], %r4
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
${
  translate
    ? `  ${mapValue(8, 2, 16)}
  ldxdw %r9, [%r8+0]
  sub %r5, %r9
  ldxdw %r9, [%r8+16]
  add %r5, %r9
  stxdw [%r6+56], %r5
`
    : ""
}  mov %r0, 0
  stxw [%r6+20], %r0
  exit
notfound:
  mov %r0, 2
  stxw [%r6+20], %r0
  mov %r0, 16
  stxw [%r6+36], %r0
  mov %r0, 0
  exit
`;

export function listWalk(opts: { maxChain?: number; translate?: boolean } = {}): ProgramArtifact {
  const art = makeArtifact({
    name: opts.translate ? "list_walk_ext" : "list_walk",
    insns: assembleUbpf(LIST_WALK(opts.translate ?? false), "list-walk.s"),
    maxChain: opts.maxChain ?? 16,
    params: [{ name: "key", type: "u64" }],
    result: { kind: "scalar", type: "u64" },
    errors: [{ code: 16, name: "not_found" }],
    state: [{ name: "visited", type: "u64", offset: 0 }],
  });
  art.maps[1].valueSize = 256;
  if (opts.translate)
    art.maps.push({ name: "extents", valueSize: 16 + 24 * 4, mmapable: true, readOnlyProg: true });
  return art;
}

/** List blocks: [key, next, value] per node, `order` gives each node's block index in the file. */
export function listFile(
  nodes: { key: bigint; value: bigint; next?: number }[],
  blocks: number,
): Uint8Array {
  const bytes = new Uint8Array(blocks * 512);
  const v = new DataView(bytes.buffer);
  nodes.forEach((n, i) => {
    v.setBigUint64(i * 512, n.key, true);
    v.setBigUint64(i * 512 + 8, n.next === undefined ? 0n : BigInt(n.next * 512), true);
    v.setBigUint64(i * 512 + 16, n.value, true);
  });
  return bytes;
}

// slice(off): the 16 bytes of the first block at (off & 0x1f0), as a byte-array result at scratch 64.
const SLICE = `
  mov %r6, %r1
  ldxdw %r2, [%r6+64]
  and %r2, 0x1f0
  ${mapValue(3, 0)}
  add %r3, %r2
  ${mapValue(7, 1)}
  ldxdw %r4, [%r3+0]
  stxdw [%r7+64], %r4
  ldxdw %r4, [%r3+8]
  stxdw [%r7+72], %r4
  mov %r0, 16
  stxw [%r6+48], %r0
  mov %r0, 1
  stxw [%r6+20], %r0
  mov %r0, 0
  exit
`;

export function slice(): ProgramArtifact {
  const art = makeArtifact({
    name: "slice",
    insns: assembleUbpf(SLICE, "slice.s"),
    params: [{ name: "off", type: "u32" }],
    result: { kind: "bytes", length: 16, offset: 64 },
  });
  art.maps[1].valueSize = 256;
  return art;
}

// scan(): blocks hold u64 count (≤ 8) at 0, u64 records[8] at 8, u64 next at 504. Every record
// becomes a row {x}; the output buffer holds 3 rows, so the chain suspends and resumes. State:
// scratch 0 = the record to go on at; aggregates: count at 16, sum at 24; rows at 64.
const SCAN = `
  mov %r6, %r1
  ${mapValue(7, 1)}
  ${mapValue(8, 0)}
  mov %r3, 0
  ldxw %r2, [%r6+16]
  jeq %r2, 0, loop
  ldxdw %r3, [%r7+0]
loop:
  ldxdw %r4, [%r8+0]
  jge %r3, %r4, endblock
  jge %r3, 8, endblock
  ldxw %r5, [%r6+52]
  jlt %r5, 3, room
  stxdw [%r7+0], %r3
  mov %r0, 3
  stxw [%r6+20], %r0
  mov %r0, 0
  exit
room:
  mov %r9, %r3
  lsh %r9, 3
  add %r9, %r8
  ldxdw %r0, [%r9+8]
  mov %r9, %r5
  lsh %r9, 3
  add %r9, %r7
  stxdw [%r9+64], %r0
  add %r5, 1
  stxw [%r6+52], %r5
  ldxdw %r9, [%r7+16]
  add %r9, 1
  stxdw [%r7+16], %r9
  ldxdw %r9, [%r7+24]
  add %r9, %r0
  stxdw [%r7+24], %r9
  add %r3, 1
  ja loop
endblock:
  ldxdw %r0, [%r8+504]
  jeq %r0, 0, done
  stxdw [%r6+24], %r0
  mov %r0, 512
  stxw [%r6+32], %r0
  mov %r0, 0
  stxw [%r6+20], %r0
  exit
done:
  mov %r0, 1
  stxw [%r6+20], %r0
  mov %r0, 0
  exit
`;

export function scan(): ProgramArtifact {
  const art = makeArtifact({
    name: "scan",
    insns: assembleUbpf(SCAN, "scan.s"),
    result: { kind: "none" },
    output: {
      offset: 64,
      rowSize: 8,
      capacity: 3,
      fields: [{ name: "x", type: "u64", offset: 0 }],
    },
    aggregates: [
      { name: "n", kind: "count", type: "u64", offset: 16 },
      { name: "total", kind: "sum", type: "u64", offset: 24 },
    ],
  });
  art.maps[1].valueSize = 256;
  return art;
}

/** Scan blocks: each entry of `blocks` is that block's records; blocks link in order. */
export function scanFile(blocks: bigint[][]): Uint8Array {
  const bytes = new Uint8Array(blocks.length * 512);
  const v = new DataView(bytes.buffer);
  blocks.forEach((recs, b) => {
    v.setBigUint64(b * 512, BigInt(recs.length), true);
    recs.forEach((r, i) => v.setBigUint64(b * 512 + 8 + 8 * i, r, true));
    v.setBigUint64(b * 512 + 504, b + 1 < blocks.length ? BigInt((b + 1) * 512) : 0n, true);
  });
  return bytes;
}
