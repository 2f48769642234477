// Shared by the runtime tests: a minimal artifact builder (fields a test does not care about get
// neutral values). Not a test file itself.
import type { ProgramArtifact } from "../../src/abi/artifact.js";

export function makeArtifact(over: Partial<ProgramArtifact> = {}): ProgramArtifact {
  const blockSize = over.blockSize ?? 512;
  return {
    name: "test",
    file: "test.ioc",
    insns: [],
    maps: [
      { name: "block", valueSize: blockSize, mmapable: true, readOnlyProg: false },
      { name: "scratch", valueSize: 1024, mmapable: true, readOnlyProg: false },
    ],
    blockSize,
    start: 0n,
    maxChain: 16,
    params: [],
    result: { kind: "scalar", type: "u64" },
    errors: [],
    state: [],
    aggregates: [],
    files: [],
    ...over,
  };
}
