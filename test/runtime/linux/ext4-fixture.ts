// A real ext4 file system for the FIEMAP tests (not a test file): a 64 MiB image made with
// mkfs.ext4, loop-mounted in a temp directory, and fragmented files written into it. Needs root,
// a loop device and e2fsprogs; `ext4Unavailable` says why not, for it.skipIf.
import { execFileSync, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const hasTool = (name: string): boolean =>
  spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;

function whyNot(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (mount -o loop needs it)";
  for (const tool of ["mkfs.ext4", "mount", "umount", "filefrag"]) {
    if (!hasTool(tool)) return `${tool} is missing (install e2fsprogs / util-linux)`;
  }
  if (!existsSync("/dev/loop-control")) return "no loop devices (/dev/loop-control missing)";
  if (!/\bext4\b/.test(readFileSync("/proc/filesystems", "utf8")) && !hasTool("modprobe"))
    return "the kernel has no ext4";
  return undefined;
}

/** Why the ext4 tests cannot run here, or undefined. */
export const ext4Unavailable = whyNot();
if (ext4Unavailable) console.warn(`skipping ext4 image tests: ${ext4Unavailable}`);

export interface Ext4Mount {
  dir: string;
  image: string;
  mountPoint: string;
  /** Unmounts (lazily if busy) and removes the temp directory; safe to call twice. */
  teardown(): void;
}

export function mountExt4Image(sizeMiB = 64): Ext4Mount {
  const dir = mkdtempSync(path.join(tmpdir(), "iochain-ext4-"));
  const image = path.join(dir, "fs.img");
  const mountPoint = path.join(dir, "mnt");
  let mounted = false;
  const teardown = (): void => {
    if (mounted) {
      if (spawnSync("umount", [mountPoint]).status !== 0) spawnSync("umount", ["-l", mountPoint]);
      mounted = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    closeSync(openSync(image, "w"));
    execFileSync("truncate", ["-s", `${sizeMiB}M`, image]);
    execFileSync("mkfs.ext4", ["-q", "-F", "-b", "4096", image], { stdio: "pipe" });
    mkdirSync(mountPoint);
    execFileSync("mount", ["-o", "loop", image, mountPoint], { stdio: "pipe" });
    mounted = true;
    return { dir, image, mountPoint, teardown };
  } catch (err) {
    teardown();
    throw err;
  }
}

/**
 * Writes `a` and `b` in alternating chunks, each fsynced before the other file's next chunk, so
 * the allocator hands out their blocks interleaved: both files end up in many extents.
 */
export function writeInterleaved(
  pathA: string,
  a: Uint8Array,
  pathB: string,
  b: Uint8Array,
  chunk: number,
): void {
  const fa = openSync(pathA, "w");
  const fb = openSync(pathB, "w");
  try {
    for (let at = 0; at < Math.max(a.length, b.length); at += chunk) {
      for (const [fd, bytes] of [
        [fa, a],
        [fb, b],
      ] as const) {
        if (at >= bytes.length) continue;
        writeSync(fd, bytes, at, Math.min(chunk, bytes.length - at), at);
        fsyncSync(fd);
      }
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

export interface FilefragExtent {
  logical: bigint;
  logicalEnd: bigint;
  physical: bigint;
  physicalEnd: bigint;
  length: bigint;
  flags: string[];
}

/** `filefrag -v FILE` parsed: block numbers, inclusive ends, the flags column. */
export function filefrag(file: string): { blockSize: number; extents: FilefragExtent[] } {
  const out = execFileSync("filefrag", ["-v", file], { encoding: "utf8" });
  const blockSize = Number(/blocks? of (\d+) bytes/.exec(out)?.[1]);
  const extents: FilefragExtent[] = [];
  for (const line of out.split("\n")) {
    const m =
      /^\s*\d+:\s*(\d+)\.\.\s*(\d+):\s*(\d+)\.\.\s*(\d+):\s*(\d+):(?:\s*\d+:)?\s*(.*)$/.exec(line);
    if (!m) continue;
    extents.push({
      logical: BigInt(m[1]),
      logicalEnd: BigInt(m[2]),
      physical: BigInt(m[3]),
      physicalEnd: BigInt(m[4]),
      length: BigInt(m[5]),
      flags: m[6].trim() ? m[6].trim().split(",") : [],
    });
  }
  return { blockSize, extents };
}
