// bin/iochain starts node from the start-up snapshot (src/cli/snapshot.ts, scripts/snapshot.mjs)
// when the build made one for the node on PATH, and from the plain bundle otherwise; both give the
// same answers. IOCHAIN_SHOW_STARTUP=1 makes the process say which it ran.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OUTSIDE_SNAPSHOT } from "../../src/cli/snapshot-commands.js";
import { ensureBuilt, iochainBin, repoRoot } from "../support/cli.js";

ensureBuilt();
const snapshotDir = path.join(repoRoot, "dist", "snapshot");
const mtime = (file: string): number => (existsSync(file) ? statSync(file).mtimeMs : -1);
const blobTime = mtime(path.join(snapshotDir, "iochain.blob"));
const noSnapshot =
  blobTime < 0
    ? "no dist/snapshot/iochain.blob (npm run build makes it)"
    : ["dist/src/cli/main.js", "dist/bundle/main.js"].some(
          (f) => mtime(path.join(repoRoot, f)) > blobTime,
        )
      ? "dist/snapshot/iochain.blob is older than the build (npm run build makes it again)"
      : undefined;
if (noSnapshot) console.log(`skipping the snapshot tests: ${noSnapshot}`);

const tmp = mkdtempSync(path.join(tmpdir(), "iochain-snapshot-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const testEnv = { ...process.env, XDG_CACHE_HOME: path.join(tmp, "cache") };

interface Started {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** What the process said it started from. */
  from: string;
}

function start(bin: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: Buffer): Started {
  const r = spawnSync(bin, args, {
    cwd: repoRoot,
    input,
    env: { ...testEnv, IOCHAIN_SHOW_STARTUP: "1", ...env },
  });
  const stderr = r.stderr.toString("utf8");
  const from = /^iochain: started from (.*)$/m.exec(stderr)?.[1] ?? "(nothing said)";
  return { code: r.status ?? -1, stdout: r.stdout, stderr, from };
}

const plain = { IOCHAIN_NO_SNAPSHOT: "1" };

describe.skipIf(noSnapshot !== undefined)("bin/iochain and the start-up snapshot", () => {
  it("starts from the snapshot the build made, and from the bundle when told not to", () => {
    const snap = start(iochainBin, ["compile", "--help"]);
    expect(snap.from).toBe("the snapshot");
    expect(snap.stdout.toString()).toMatch(/^Usage: iochain compile/);
    const bundle = start(iochainBin, ["compile", "--help"], plain);
    expect(bundle.from).toBe("the bundle");
    expect(bundle.stdout.toString()).toBe(snap.stdout.toString());
  });

  it("lists the commands and the version from the front bundle (CommonJS): they need no compiler", () => {
    for (const args of [[], ["--help"], ["-h"], ["--version"], ["-V"]]) {
      const r = start(iochainBin, args);
      // Compiled from the V8 code cache the build made (bin/iochain-front.cjs), which V8 took.
      expect(r.from, args.join(" ")).toBe("the front bundle (its code cache)");
      expect(r.code).toBe(0);
    }
    expect(start(iochainBin, ["--version"]).stdout.toString()).toBe("0.1.0\n");
  });

  it("starts node without NODE_EXTRA_CA_CERTS, which node 20 reads before any script runs", () => {
    // iochain opens no TLS connection; node would parse the whole bundle (or, here, warn).
    const env = { NODE_EXTRA_CA_CERTS: path.join(tmp, "no-such-bundle.pem") };
    for (const args of [["--version"], ["compile", "--help"], ["fmt", "--help"]]) {
      const r = start(iochainBin, args, env);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stderr, args.join(" ")).not.toMatch(/extra certs/);
    }
  });

  it("compiles every example to the same object as the plain bundle", () => {
    for (const example of ["bptree/lookup", "range/scan", "sstable/lookup", "slotted/lookup"]) {
      const args = ["compile", `examples/${example}.ioc`, "--target", "linux", "-o", "-"];
      const snap = start(iochainBin, [...args, "--no-cache"]);
      const bundle = start(iochainBin, [...args, "--no-cache"], plain);
      expect(snap.from).toBe("the snapshot");
      expect(snap.code, snap.stderr).toBe(0);
      expect(bundle.code, bundle.stderr).toBe(0);
      expect(snap.stdout.length).toBeGreaterThan(1000);
      expect(Buffer.compare(snap.stdout, bundle.stdout), example).toBe(0);
    }
  });

  it("reports a compile error as the plain bundle does (the warm-up left nothing behind)", () => {
    const bad = path.join(tmp, "bad.ioc");
    writeFileSync(bad, "fn main() {\n  let x = ;\n}\n");
    const snap = start(iochainBin, ["compile", bad]);
    const bundle = start(iochainBin, ["compile", bad], plain);
    expect(snap.code).toBe(1);
    expect(snap.stderr.replace(/^iochain: started.*\n/m, "")).toBe(
      bundle.stderr.replace(/^iochain: started.*\n/m, ""),
    );
    expect(snap.stderr).toMatch(/bad\.ioc:2:\d+: error\[E03\d\d\]/);
  });

  it("sends the commands the snapshot leaves out to the plain bundle", () => {
    const script = readFileSync(iochainBin, "utf8");
    const routed = /^([a-z| ]+)\) exec "\$node" "\$root\/bin\/iochain.js" "\$@" ;;$/m.exec(script);
    expect(routed?.[1].split("|").map((w) => w.trim())).toEqual([...OUTSIDE_SNAPSHOT]);
    for (const command of OUTSIDE_SNAPSHOT)
      expect(start(iochainBin, [command, "--help"]).from, command).toBe("the bundle");
  });

  it("runs them from the full bundle when started from the snapshot all the same", () => {
    const blob = path.join(snapshotDir, "iochain.blob");
    const [, flags] = readFileSync(path.join(snapshotDir, "node"), "utf8").split("\n");
    const node = [...flags.split(" ").filter((f) => f !== ""), "--snapshot-blob", blob];
    const script = path.join(repoRoot, "bin", "iochain.js");
    const viaSnapshot = (args: string[], input?: Buffer): Started =>
      start(process.execPath, [...node, script, ...args], {}, input);
    const text = readFileSync(path.join(repoRoot, "examples/bptree/lookup.ioc"));
    const fmt = viaSnapshot(["fmt", "-"], text);
    const fmtPlain = start(iochainBin, ["fmt", "-"], plain, text);
    expect(fmt.from).toBe("the snapshot");
    expect(fmt.code, fmt.stderr).toBe(0);
    expect(fmt.stdout.toString()).toBe(fmtPlain.stdout.toString());
    expect(fmt.stdout.toString()).toContain("fn ");
    const list = viaSnapshot(["sim", "list"]);
    const listPlain = start(iochainBin, ["sim", "list"], plain);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.toString()).toBe(listPlain.stdout.toString());
    expect(list.stdout.toString().length).toBeGreaterThan(100);
  });

  /** A package beside the real one: bin/ copied, the rest linked, dist/snapshot/node as given. */
  function layout(name: string, stamp: string | undefined, blob = true): string {
    const root = path.join(tmp, name);
    mkdirSync(path.join(root, "bin"), { recursive: true });
    mkdirSync(path.join(root, "dist", "snapshot"), { recursive: true });
    for (const f of ["iochain", "iochain.js"])
      copyFileSync(path.join(repoRoot, "bin", f), path.join(root, "bin", f));
    for (const f of ["package.json", "node_modules", "stdlib", "grammar", "examples"])
      symlinkSync(path.join(repoRoot, f), path.join(root, f));
    for (const f of ["bundle", "src", "stdlib-ast.v8"])
      symlinkSync(path.join(repoRoot, "dist", f), path.join(root, "dist", f));
    const files = blob ? ["iochain.blob", "iochain-full.cjs"] : ["iochain-full.cjs"];
    for (const f of files)
      symlinkSync(path.join(snapshotDir, f), path.join(root, "dist", "snapshot", f));
    if (stamp !== undefined) writeFileSync(path.join(root, "dist", "snapshot", "node"), stamp);
    return path.join(root, "bin", "iochain");
  }

  it("falls back to the bundle when the blob is another node's or missing", () => {
    const stamp = readFileSync(path.join(snapshotDir, "node"), "utf8");
    const [id, flags] = stamp.split("\n");
    const fields = id.split(" ");
    fields[1] = String(Number(fields[1]) + 1); // another inode: another node binary
    const cases: [string, string, string | undefined, boolean][] = [
      ["the snapshot", "same", stamp, true],
      ["the bundle", "other-node", `${fields.join(" ")}\n${flags}\n`, true],
      ["the bundle", "no-stamp", undefined, true],
      ["the bundle", "no-blob", stamp, false],
    ];
    // Raw bytecode: an object's debug info names the stdlib files by the package's path.
    const compile = ["compile", "examples/range/scan.ioc", "--emit", "raw", "-o", "-"];
    const want = start(iochainBin, compile, plain);
    expect(want.stdout.length).toBeGreaterThan(1000);
    for (const [from, name, content, blob] of cases) {
      const r = start(layout(name, content, blob), compile);
      expect(r.from, name).toBe(from);
      expect(r.code, r.stderr).toBe(0);
      expect(Buffer.compare(r.stdout, want.stdout), name).toBe(0);
    }
  });
});
