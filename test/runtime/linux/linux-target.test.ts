import { afterAll, beforeAll, expect } from "vitest";
import { LinuxTarget } from "../../../src/runtime/linux/target.js";
import { targetSuite } from "../target-suite.js";
import { bpfFds, noBpf } from "./kernel-fixtures.js";

let before: string[] = [];
beforeAll(() => {
  if (!noBpf) before = bpfFds();
});
afterAll(() => {
  if (!noBpf) expect(bpfFds()).toEqual(before); // every map and program closed
});

targetSuite(
  "linux",
  (artifact, extentsInit) => LinuxTarget.create(artifact, { extentsInit }),
  noBpf,
);
