// The kernel judges the linter. Every example, every loadable compiler fixture and 520 generated
// programs (program-gen.ts) are linted and then loaded with bpf() into this kernel (LinuxTarget:
// the artifact's maps, the extent table frozen, the step program through the verifier):
// - soundness: every program that lints clean (no error finding) is accepted — 100%;
// - every program the verifier rejects has an error finding, from E0701 when it ran out of
//   processed instructions;
// - false alarms (an error finding, yet accepted) are printed, and under 5%;
// - E0701's walk (its model of the verifier's count), strict walk (every scalar precise) and upper
//   estimate (the larger walk × its safety factor) are printed next to the verifier's count; the
//   estimate is never below it, and the median overestimate is printed.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { SAFETY_FACTOR } from "../../src/lint/estimate.js";
import { lintSource, type LintResult } from "../../src/lint/lint.js";
import { LinuxTarget } from "../../src/runtime/linux/target.js";
import { repoRoot } from "../support/cli.js";
import { noBpf } from "../runtime/linux/kernel-fixtures.js";
import { programArb } from "./program-gen.js";

if (noBpf) console.warn(`skipping the kernel-judges-the-linter test: ${noBpf}`);

const GENERATED = Number(process.env.IOC_GEN ?? 520);

interface Case {
  name: string;
  source: string;
  plainLoops: boolean;
}

const storageFiles = (dir: string): string[] =>
  readdirSync(path.join(repoRoot, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".ioc"))
    .map((f) => path.join(dir, f))
    .filter((f) => /^\s*storage\s+fn\b/m.test(readFileSync(path.join(repoRoot, f), "utf8")))
    .sort();

function corpus(): Case[] {
  const files = [...storageFiles("examples"), ...storageFiles("test/compiler/fixtures")].map(
    (f) => ({
      name: f,
      source: readFileSync(path.join(repoRoot, f), "utf8"),
      plainLoops: false,
    }),
  );
  // A few more than needed: the compiler refuses some (E0690, a frame past 512 bytes), and those
  // are the compiler's business, not the linter's.
  const generated = fc
    .sample(programArb, { numRuns: Math.ceil(GENERATED * 1.1), seed: 20261206 })
    .map((p, k) => ({ name: `generated #${k}`, source: p.source, plainLoops: p.plainLoops }));
  return [...files, ...generated];
}

interface Verdict {
  name: string;
  lint: LintResult;
  accepted: boolean;
  reason?: string;
  verified?: number;
}

/** The kernel's answer: accepted with its processed count, or rejected with its reason. */
function load(r: LintResult): Pick<Verdict, "accepted" | "reason" | "verified"> {
  try {
    const target = LinuxTarget.create(r.artifact!);
    try {
      return { accepted: true, verified: target.programInfo().verifiedInsns };
    } finally {
      target.close();
    }
  } catch (err) {
    return { accepted: false, reason: (err as Error).message.split("\n").slice(0, 3).join(" | ") };
  }
}

const tooComplex = (reason: string) =>
  /too large|too complex|processed|1000000|BPF program is too/i.test(reason);

describe.skipIf(noBpf !== undefined)("the kernel judges the linter", () => {
  const verdicts: Verdict[] = [];
  const notCompiled: string[] = [];
  let lintMs = 0;
  let loadMs = 0;
  const cases = corpus();

  afterAll(() => {
    const errorsOf = (v: Verdict) => v.lint.diagnostics.filter((d) => d.severity === "error");
    const flagged = verdicts.filter((v) => errorsOf(v).length > 0);
    const falseAlarms = flagged.filter((v) => v.accepted);
    const accepted = verdicts.filter((v) => v.accepted);
    const ratios = accepted
      .map((v) => v.lint.estimate!.processed / v.verified!)
      .sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)];
    const walks = accepted.map((v) => v.lint.estimate!.walked / v.verified!).sort((a, b) => a - b);
    // How much margin the estimate needs: the verifier's count over the larger walk, at most.
    const larger = (v: Verdict) => Math.max(v.lint.estimate!.walked, v.lint.estimate!.strictWalked);
    const under = accepted.map((v) => v.verified! / larger(v)).sort((a, b) => b - a);
    const warned = verdicts.filter((v) =>
      v.lint.diagnostics.some((d) => d.code === "E0701" && d.severity === "warning"),
    );
    const lines = [
      `${verdicts.length} programs linted and loaded: ${accepted.length} accepted, ${verdicts.length - accepted.length} rejected by the verifier`,
      `lint clean: ${verdicts.length - flagged.length} (all accepted: ${verdicts.filter((v) => errorsOf(v).length === 0).every((v) => v.accepted)})`,
      `false alarms (error finding, verifier accepts): ${falseAlarms.length} of ${flagged.length} flagged (${((100 * falseAlarms.length) / Math.max(1, flagged.length)).toFixed(1)}%)`,
      ...falseAlarms.map(
        (v) =>
          `  false alarm: ${v.name}: ${errorsOf(v)
            .map((d) => d.code)
            .join(",")}, verifier ${v.verified}, estimate ${v.lint.estimate!.processed}`,
      ),
      `estimate / verifier's processed count over the ${accepted.length} accepted: median ${median?.toFixed(2)}, min ${ratios[0]?.toFixed(2)}, max ${ratios.at(-1)?.toFixed(2)}`,
      `walk / verifier's count: median ${walks[Math.floor(walks.length / 2)]?.toFixed(2)}, min ${walks[0]?.toFixed(2)}, max ${walks.at(-1)?.toFixed(2)}`,
      `verifier's count / the larger walk, at most: ${under[0]?.toFixed(2)} (the margin is ${SAFETY_FACTOR})`,
      `E0701 warnings (walk under the limit, estimate over it): ${warned.length}, of them accepted ${warned.filter((v) => v.accepted).length}`,
      "program                                           estimate       walk     strict   verifier   verdict",
      ...verdicts
        .filter((v) => !v.name.startsWith("generated") || !v.accepted || v.verified! > 5000)
        .map(
          (v) =>
            `${v.name.padEnd(48)}  ${String(v.lint.estimate?.processed ?? "-").padStart(9)}  ${String(v.lint.estimate?.walked ?? "-").padStart(9)}  ${String(v.lint.estimate?.strictWalked ?? "-").padStart(9)}  ${String(v.verified ?? "-").padStart(9)}   ${v.accepted ? "accepted" : `rejected (${v.reason?.slice(0, 60)})`}`,
        ),
    ];
    console.log(lines.join("\n"));
  });

  // In chunks of 40, yielding between programs: a minutes-long test starves vitest's worker RPC.
  const CHUNK = 40;
  for (let from = 0; from < cases.length; from += CHUNK) {
    const chunk = cases.slice(from, from + CHUNK);
    it(`lints and loads programs ${from}..${from + chunk.length - 1}`, async () => {
      for (const c of chunk) {
        await new Promise((resolve) => setImmediate(resolve));
        if (
          c.name.startsWith("generated") &&
          verdicts.filter((v) => v.name.startsWith("generated")).length >= GENERATED
        )
          return;
        const t0 = performance.now();
        const lint = lintSource(c.source, c.name, { target: "linux", plainLoops: c.plainLoops });
        lintMs += performance.now() - t0;
        // Programs the compiler refuses never load: not the linter's business here.
        if (lint.compileFailed) {
          notCompiled.push(`${c.name}: ${lint.diagnostics[0]?.code}`);
          continue;
        }
        const t1 = performance.now();
        verdicts.push({ name: c.name, lint, ...load(lint) });
        loadMs += performance.now() - t1;
      }
    }, 600_000);
  }

  it(`loaded ${GENERATED} generated programs besides the examples and fixtures`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(GENERATED + 70);
    console.log(`not compiled (${notCompiled.length}): ${notCompiled.join(", ")}`);
    console.log(
      `time: linting ${(lintMs / 1000).toFixed(1)} s, loading ${(loadMs / 1000).toFixed(1)} s`,
    );
    expect(verdicts.filter((v) => v.name.startsWith("generated")).length).toBe(GENERATED);
  });

  it("every program that lints clean is accepted (soundness)", () => {
    const clean = verdicts.filter((v) => !v.lint.diagnostics.some((d) => d.severity === "error"));
    const rejected = clean.filter((v) => !v.accepted).map((v) => `${v.name}: ${v.reason}`);
    expect(rejected).toEqual([]);
    expect(clean.length).toBeGreaterThan(verdicts.length / 2);
  });

  it("every rejected program has an error finding from the right rule", () => {
    const rejected = verdicts.filter((v) => !v.accepted);
    expect(rejected.length).toBeGreaterThan(0);
    for (const v of rejected) {
      const codes = v.lint.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
      expect(codes, `${v.name}: ${v.reason}`).not.toEqual([]);
      if (tooComplex(v.reason ?? "")) expect(codes, `${v.name}: ${v.reason}`).toContain("E0701");
    }
  });

  it("false alarms (an error finding, yet accepted) are under 5%", () => {
    const flagged = verdicts.filter((v) => v.lint.diagnostics.some((d) => d.severity === "error"));
    const falseAlarms = flagged.filter((v) => v.accepted);
    expect(falseAlarms.length / Math.max(1, flagged.length)).toBeLessThan(0.05);
  });

  // The issue asks for never: the estimate is the larger of the model walk and the strict walk
  // (every scalar precise) times the margin, and no accepted program counts more.
  it("the estimate is never below the verifier's count", () => {
    const below = verdicts.filter((v) => v.accepted && v.lint.estimate!.processed < v.verified!);
    console.log(
      `estimate below the verifier's count: ${below.length} of ${verdicts.filter((v) => v.accepted).length}\n` +
        below
          .map(
            (v) =>
              `  ${v.name}: estimate ${v.lint.estimate!.processed} (walk ${v.lint.estimate!.walked}) < verifier ${v.verified}`,
          )
          .join("\n"),
    );
    expect(below.map((v) => v.name)).toEqual([]);
  });
});
