import { describe, expect, it } from "vitest";
import { IochainError } from "../../../src/diagnostics.js";
import { MemoryBlockSource } from "../../../src/runtime/block-source.js";
import { runChain } from "../../../src/runtime/driver.js";
import { SimTarget } from "../../../src/runtime/sim/target.js";
import { listFile, listWalk } from "../programs.js";
import { targetSuite } from "../target-suite.js";

targetSuite(
  "sim (fast engine)",
  (artifact, extentsInit) => SimTarget.create(artifact, { extentsInit }),
  undefined,
);
targetSuite(
  "sim (reference engine)",
  (artifact, extentsInit) => SimTarget.create(artifact, { extentsInit, engine: "reference" }),
  undefined,
);

describe("sim target", () => {
  it("reports a VM fault (E02xx) with the instruction, not a host crash", () => {
    const art = listWalk();
    art.maps[0].valueSize = 8; // the block map is too small for the program's loads at +16
    art.blockSize = 8;
    const file = listFile([{ key: 1n, value: 2n }], 1);
    try {
      runChain(art, SimTarget.create(art), new MemoryBlockSource(file), { args: { key: 1n } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(IochainError);
      expect((err as IochainError).code).toBe("E0201");
    }
  });
});
