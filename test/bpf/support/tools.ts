// Finding the LLVM tools some tests compare against; a test that needs a missing one skips and says why.
import { spawnSync } from "node:child_process";

const cache = new Map<string, boolean>();

export function hasTool(name: string): boolean {
  if (!cache.has(name)) {
    const r = spawnSync(name, ["--version"], { stdio: "ignore" });
    cache.set(name, r.status === 0);
  }
  return cache.get(name)!;
}

/** True when every tool exists; otherwise prints which are missing (the reason for the skip). */
export function toolsOrWarn(what: string, ...names: string[]): boolean {
  const missing = names.filter((n) => !hasTool(n));
  if (missing.length > 0) console.warn(`skipping ${what}: ${missing.join(", ")} not installed`);
  return missing.length === 0;
}

export function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}
