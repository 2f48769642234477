// The examples in the kernel answer exactly as on the simulator: for every example, on generated
// files of several depths and sizes, over ≥ 1000 inputs each (present and absent keys, the u64
// boundaries, empty and huge ranges so that scans suspend), the linux target's chain result —
// status, value bytes, error, hops, rows, aggregates, steps, suspensions, reads — and the scratch
// bytes it leaves equal the sim target's. Each program is loaded once per target (one session)
// and moved from file to file; the files are read through FileBlockSource with the extent
// translation `iochain run` uses.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../../src/datagen/rng.js";
import { compile } from "../../../src/compiler/pipeline.js";
import { KernelSession, SimSession } from "../../../src/runtime/session.js";
import { repoRoot } from "../../support/cli.js";
import { type Coverage, EXAMPLES, YIELD_EVERY, fingerprint } from "./example-workloads.js";
import { noBpf } from "./kernel-fixtures.js";

const tmp = mkdtempSync(path.join(tmpdir(), "iochain-examples-diff-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

for (const ex of EXAMPLES) {
  describe.skipIf(noBpf !== undefined)(`${ex.name}: linux target = sim target`, () => {
    const rel = `examples/${ex.name}/${ex.program}.ioc`;
    const data = ex.files.map((_, i) => path.join(tmp, `${ex.name}-${i}.db`));
    const keys: bigint[][] = [];
    let kernel: KernelSession | undefined;
    let sim: SimSession | undefined;
    // The kernel's extents map is frozen: a file with another layout (here: another size, so
    // another one-extent table) loads the program again; the same layout keeps it.
    let programId = 0;
    let layoutSize = -1;
    let layoutChanges = 0;
    const summary: string[] = [];

    beforeAll(() => {
      ex.files.forEach((f, i) => keys.push(f.write(data[i])));
      const artifact = compile(readFileSync(path.join(repoRoot, rel), "utf8"), rel);
      sim = SimSession.open(artifact, { data: data[0] });
      kernel = KernelSession.open(artifact, { data: data[0] });
      programId = kernel.programInfo().id;
      layoutSize = statSync(data[0]).size;
    });
    afterAll(() => {
      kernel?.close();
      sim?.close();
      console.log(`${rel}, linux = sim on every chain:\n${summary.join("\n")}`);
    });

    ex.files.forEach((file, i) => {
      it(`${file.what}: ${file.inputs} inputs`, async () => {
        sim!.switchData({ data: data[i] });
        kernel!.switchData({ data: data[i] });
        const size = statSync(data[i]).size;
        const sameLayout = size === layoutSize;
        if (!sameLayout) layoutChanges++;
        layoutSize = size;
        expect(kernel!.reloads).toBe(layoutChanges);
        if (sameLayout) expect(kernel!.programInfo().id).toBe(programId);
        else expect(kernel!.programInfo().id).not.toBe(programId);
        programId = kernel!.programInfo().id;
        const seen: Coverage = {
          statuses: new Set(),
          errors: new Set(),
          hops: new Set(),
          suspensions: 0,
          emptyScans: 0,
        };
        const inputs = ex.inputs(keys[i], new Rng(1000 + i), file.inputs);
        expect(inputs.length).toBeGreaterThanOrEqual(file.inputs);
        for (let n = 0; n < inputs.length; n++) {
          const args = inputs[n];
          const want = sim!.run(args);
          const wantText = fingerprint(want, sim!.target.scratch());
          const got = kernel!.run(args);
          const gotText = fingerprint(got, kernel!.target.scratch());
          if (gotText !== wantText) {
            // Only on a difference: the structured comparison names the field.
            expect({ args, ...got, scratch: kernel!.target.scratch().slice() }).toEqual({
              args,
              ...want,
              scratch: sim!.target.scratch().slice(),
            });
          }
          seen.statuses.add(want.status);
          if (want.error) seen.errors.add(want.error);
          seen.hops.add(want.hops);
          seen.suspensions += want.suspensions;
          if (want.rows.length === 0 && want.status === "done") seen.emptyScans++;
          if ((n + 1) % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
        }
        const hops = [...seen.hops].sort((a, b) => a - b);
        summary.push(
          `  ${file.what}: ${inputs.length} chains, ${[...seen.statuses].join("/")}, hops ${hops[0]}..${hops.at(-1)}` +
            (ex.name === "range"
              ? `, ${seen.suspensions} suspensions, ${seen.emptyScans} empty`
              : "") +
            (seen.errors.size ? `; errors ${[...seen.errors].sort().join(", ")}` : ""),
        );
        if (file.what.startsWith("damaged")) {
          // The error paths ran: more than the clean file's not_found (for the scan: any error).
          const beyond = [...seen.errors].filter((e) => e !== "not_found");
          expect(beyond.length, `${file.what}: errors ${[...seen.errors]}`).toBeGreaterThan(0);
        } else ex.covered(file, seen);
        // One program load for all the chains over this file.
        expect(kernel!.programInfo().id).toBe(programId);
      });
    });
  });
}
