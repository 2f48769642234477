// The same artifact on the sim and linux targets gives the same result and leaves the same
// scratch bytes (docs/abi.md: "their results can be compared byte for byte").
import { expect, it } from "vitest";
import type { ProgramArtifact } from "../../../src/abi/artifact.js";
import { MemoryBlockSource } from "../../../src/runtime/block-source.js";
import { type StepTarget, runChain } from "../../../src/runtime/driver.js";
import { LinuxTarget } from "../../../src/runtime/linux/target.js";
import { SimTarget } from "../../../src/runtime/sim/target.js";
import { Rng } from "../../../src/datagen/rng.js";
import { listFile, listWalk, scan, scanFile } from "../programs.js";
import { noBpf } from "./kernel-fixtures.js";

function both(art: ProgramArtifact, file: Uint8Array, args: Record<string, bigint>) {
  return ([SimTarget.create(art), LinuxTarget.create(art)] as StepTarget[]).map((t) => {
    try {
      const r = runChain(art, t, new MemoryBlockSource(file), { args });
      return { ...r, scratch: t.scratch().slice() };
    } finally {
      t.close();
    }
  });
}

it.skipIf(noBpf)("sim and linux agree on random lists and scans, scratch included", () => {
  const rng = new Rng(2024);
  for (let round = 0; round < 30; round++) {
    const n = rng.between(1, 12);
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i + 1)); // block 0 stays off the list
    const nodes = Array.from({ length: n + 1 }, () => ({
      key: 0n,
      value: 0n,
      next: undefined as number | undefined,
    }));
    order.forEach(
      (b, i) =>
        (nodes[b] = { key: BigInt(rng.between(0, 20)), value: rng.u64(), next: order[i + 1] }),
    );
    const art = { ...listWalk({ maxChain: rng.between(1, 14) }), start: BigInt(order[0] * 512) };
    const [sim, linux] = both(art, listFile(nodes, n + 1), { key: BigInt(rng.between(0, 20)) });
    expect(linux).toEqual(sim);

    const blocks = Array.from({ length: rng.between(1, 5) }, () =>
      Array.from({ length: rng.between(0, 8) }, () => rng.u64()),
    );
    const [s2, l2] = both(scan(), scanFile(blocks), {});
    expect(l2).toEqual(s2);
    expect(s2.rows.map((r) => r.x)).toEqual(blocks.flat());
  }
});
