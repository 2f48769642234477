// A directory to pin programs in, for the tests that load objects with bpftool (not a test file):
// under /sys/fs/bpf, mounting bpffs there first when it is not mounted. cleanup() removes the pins
// (which unpins) and unmounts bpffs if this process mounted it and nothing else is pinned there.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

export const BPFFS = "/sys/fs/bpf";

export const bpffsMounted = (): boolean =>
  readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[1] === BPFFS && l.split(" ")[2] === "bpf");

export interface PinDir {
  root: string;
  cleanup(): void;
}

export function makePinDir(tag: string): PinDir {
  let mountedHere = false;
  if (!bpffsMounted()) {
    mkdirSync(BPFFS, { recursive: true });
    const r = spawnSync("mount", ["-t", "bpf", "bpf", BPFFS], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`mount -t bpf bpf ${BPFFS} failed: ${r.stderr}`);
    mountedHere = true;
  }
  const root = path.join(BPFFS, `iochain-${tag}-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(root);
  return {
    root,
    cleanup() {
      rmSync(root, { recursive: true, force: true });
      if (mountedHere && readdirSync(BPFFS).length === 0) spawnSync("umount", [BPFFS]);
    },
  };
}
