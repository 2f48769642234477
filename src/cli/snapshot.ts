// The entry of the V8 start-up snapshot (scripts/snapshot.mjs bundles it into one CommonJS file
// and runs `node --build-snapshot` on it; bin/iochain starts node from the blob). Building it loads
// the commands and compiles an example once, so a process started from the snapshot has the
// grammar, the stdlib and the compiler in its heap, compiled and warm: its first compile runs as
// fast as a later one. Commands that need ES-module-only packages (prettier, vega) cannot be in a
// snapshot (it has no ES module loader): they run from the full CommonJS bundle, required then.
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { startupSnapshot } from "node:v8";
import { pathToFileURL } from "node:url";
import { forgetTextsRead } from "../files.js";
import { buildProgram, main } from "./main.js";
import { OUTSIDE_SNAPSHOT } from "./snapshot-commands.js";

declare global {
  /** What `import.meta.url` reads in the CommonJS bundles (scripts/snapshot.mjs defines it). */
  var __iochainModuleUrl: string;
  /** `require` for the snapshot bundle's packages once it runs (its own sees only builtins). */
  var __iochainRequire: NodeJS.Require | undefined;
}

/**
 * The commands loaded into the snapshot. Not `run`: it loads node:worker_threads, whose state
 * does not survive a snapshot (a worker started from a deserialised process fails in its first
 * process.cwd(): Node 20's shared cwd counter is missing), so it must load after start-up.
 */
const WARM_COMMANDS = ["compile", "asm", "disasm", "vm", "lint", "load", "demo"];

/** Compiled while building the snapshot: between them they import every stdlib module. */
const WARM_EXAMPLES = [
  "bptree/lookup.ioc",
  "range/scan.ioc",
  "sstable/lookup.ioc",
  "slotted/lookup.ioc",
  "sqlite/lookup.ioc",
];

/** Modules think they are dist/bundle/main.js of the package at ROOT (its files sit around it). */
function placeAt(root: string): void {
  globalThis.__iochainModuleUrl = pathToFileURL(path.join(root, "dist", "bundle", "main.js")).href;
  globalThis.__iochainRequire = createRequire(globalThis.__iochainModuleUrl);
}

/** Runs a compile as the CLI would, its output to a scratch directory, to warm the compiler. */
async function warmUp(root: string): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), "iochain-snapshot-"));
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    for (const command of WARM_COMMANDS) await buildProgram(command);
    for (const example of WARM_EXAMPLES) {
      const file = path.join(root, "examples", example);
      const out = path.join(scratch, "x.o");
      await main([
        "node",
        "iochain",
        "compile",
        file,
        "--target",
        "linux",
        "-o",
        out,
        "--no-cache",
      ]);
      if (process.exitCode) throw new Error(`the warm-up compile of ${example} failed`);
    }
    const loaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
    if (loaded.some((m) => / (worker_threads|internal\/worker)$/.test(m)))
      throw new Error("node:worker_threads was loaded while building the snapshot");
  } finally {
    process.stdout.write = write;
    rmSync(scratch, { recursive: true, force: true });
    forgetTextsRead();
    process.exitCode = undefined;
  }
}

const buildRoot = process.env.IOCHAIN_SNAPSHOT_ROOT;
if (buildRoot === undefined)
  throw new Error("IOCHAIN_SNAPSHOT_ROOT: the package being snapshotted");
placeAt(buildRoot);
void warmUp(buildRoot);

/** Resolves once everything written to `stream` so far has been handed to the system. */
const flushed = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => stream.write("", () => resolve()));

startupSnapshot.setDeserializeMainFunction(() => {
  // bin/iochain passes bin/iochain.js as the script: the package is the directory above bin/.
  // Its real path, as node's module loader takes a script's (the plain bundle's root is that).
  const root = path.dirname(path.dirname(realpathSync(process.argv[1])));
  placeAt(root);
  if (process.env.IOCHAIN_SHOW_STARTUP)
    process.stderr.write("iochain: started from the snapshot\n");
  const command = process.argv[2] === "help" ? process.argv[3] : process.argv[2];
  if (command !== undefined && OUTSIDE_SNAPSHOT.includes(command)) {
    const full = globalThis.__iochainRequire!(
      path.join(root, "dist", "snapshot", "iochain-full.cjs"),
    );
    void (full as { main(argv: string[]): Promise<void> }).main(process.argv);
  } else {
    // Once a command is done and its output written, leave at once: node's own exit waits for
    // V8's background tasks (compile jobs, GC helpers) to drain, 10-20 ms of a 130 ms compile.
    // Every command in the snapshot has finished its work when main() resolves; what it wrote to
    // a pipe may still be queued (a full pipe makes node queue), so exit after both streams flush.
    void main(process.argv)
      .then(() => Promise.all([flushed(process.stdout), flushed(process.stderr)]))
      .then(() => process.exit());
  }
});
