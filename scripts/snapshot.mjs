// Builds the V8 start-up snapshot bin/iochain starts from (src/cli/snapshot.ts says what is in it),
// after tsc and the bundle:
//   dist/snapshot/iochain.cjs       the snapshot's entry, one CommonJS file (the snapshot builder
//                                   loads no packages: prettier, vega and the LSP stay out)
//   dist/snapshot/iochain.blob      `node --snapshot-blob ... --build-snapshot iochain.cjs`
//   dist/snapshot/iochain-full.cjs  every command, for those the snapshot leaves out
//   dist/snapshot/node              which node built the blob, and the V8 flags it was built with
//                                   (bin/iochain uses the blob only with that binary and those flags)
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

const root = path.resolve(".");
const dir = path.join(root, "dist", "snapshot");

// vega-canvas awaits import('canvas') at its top level, which CommonJS cannot; canvas is an
// optional package iochain does not install, so a require() of it in a try is the same.
const vegaCanvasWithoutAwait = {
  name: "vega-canvas-without-await",
  setup(b) {
    b.onLoad({ filter: /vega-canvas[\\/]build[\\/]vega-canvas\.node\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, "utf8")).replace(
        "await import('canvas')",
        "require('canvas')",
      ),
      loader: "js",
    }));
  },
};

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
  // Set by src/cli/snapshot.ts to dist/bundle/main.js of the package the process runs from.
  define: { "import.meta.url": "globalThis.__iochainModuleUrl" },
};

await build({
  ...common,
  entryPoints: ["src/cli/main.ts"],
  outfile: path.join(dir, "iochain-full.cjs"),
  external: ["koffi"],
  plugins: [vegaCanvasWithoutAwait],
});
await build({
  ...common,
  entryPoints: ["src/cli/snapshot.ts"],
  outfile: path.join(dir, "iochain.cjs"),
  // Every package but these two stays out: at run time `require` is the process's (snapshot.ts).
  external: [
    "koffi",
    "prettier",
    "vega",
    "vega-lite",
    "vscode-languageserver",
    "vscode-languageserver-textdocument",
    "cli-progress",
  ],
  // Without comments and indentation: the bundle's source text is kept in the snapshot's heap
  // (lazy functions compile from it), and a smaller heap deserialises sooner (-1.6 MB, -3 ms a
  // start). Names stay, for the stacks of internal errors.
  minifyWhitespace: true,
  banner: {
    js: "var __snapshotRequire = require; var require = (id) => (globalThis.__iochainRequire ?? __snapshotRequire)(id);",
  },
});
// A blob loads only with the V8 flags it was built with. A process this short is over before
// TurboFan's code would pay for itself (it halves a compile's CPU time): tier up 15x later than
// V8's default, so that long runs (sim sweeps, many chains) still get optimised code.
const V8_FLAGS = ["--interrupt-budget=1000000"];
const blob = path.join(dir, "iochain.blob");
execFileSync(
  process.execPath,
  [
    ...V8_FLAGS,
    // The builder warns that some builtin modules are not verified in snapshots; the tests run
    // every command from the snapshot (test/cli/snapshot.test.ts).
    "--no-warnings",
    "--snapshot-blob",
    `${blob}.tmp`,
    "--build-snapshot",
    path.join(dir, "iochain.cjs"),
  ],
  { env: { ...process.env, IOCHAIN_SNAPSHOT_ROOT: root }, stdio: ["ignore", "inherit", "inherit"] },
);
await rename(`${blob}.tmp`, blob);
// As bin/iochain reads it (`stat -L -c '%d %i %s %Y'` of the node on PATH), then the flags.
const node = await stat(process.execPath);
const id = `${node.dev} ${node.ino} ${node.size} ${Math.floor(node.mtimeMs / 1000)}`;
await writeFile(path.join(dir, "node.tmp"), `${id}\n${V8_FLAGS.join(" ")}\n`);
await rename(path.join(dir, "node.tmp"), path.join(dir, "node"));
