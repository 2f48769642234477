// Runs the built CLI (dist/, built by `npm test`'s pretest) as a user would.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** What package.json installs: node from the start-up snapshot (else the plain bundle). */
export const iochainBin = path.join(repoRoot, "bin/iochain");
export const pluginBin = path.join(repoRoot, "bin/bpf-conformance-plugin");

/** Builds dist/ once when a test run starts without it (e.g. `npx vitest` straight after a clone). */
export function ensureBuilt(): void {
  if (existsSync(path.join(repoRoot, "dist/src/cli/main.js"))) return;
  const r = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: repoRoot, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
}

export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** The tests' artifact cache, not the user's (src/cli/artifact-cache.ts). */
const testEnv = { ...process.env, XDG_CACHE_HOME: path.join(tmpdir(), "iochain-test-cache") };

export function runCli(args: string[], input?: string): RunOutput {
  ensureBuilt();
  const r = spawnSync(iochainBin, args, {
    cwd: repoRoot,
    encoding: "utf8",
    input,
    env: testEnv,
    // A result per line for thousands of chains runs past spawnSync's 1 MiB default.
    maxBuffer: 1 << 26,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * runCli without blocking the test worker's event loop (a long spawnSync on a loaded machine
 * starves vitest's own messages); `env` adds to the tests' environment.
 */
export function runCliAsync(
  args: string[],
  input?: string,
  env: NodeJS.ProcessEnv = {},
): Promise<RunOutput> {
  ensureBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(iochainBin, args, {
      cwd: repoRoot,
      env: { ...testEnv, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

export function runNode(script: string, args: string[], input?: string): Promise<RunOutput> {
  ensureBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}
