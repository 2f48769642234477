// Bundles the CLI (dist/bundle/main.js, its commands in chunks beside it) and the batch worker,
// after tsc: a few files to read and compile instead of ~180 modules, so the process starts sooner (bench/
// startup.ts measures it). bin/iochain.js loads the bundle when it is at least as new as tsc's
// output. koffi stays outside: it loads a native library.
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli/main.ts", "src/runtime/batch-worker.ts"],
  outdir: "dist/bundle",
  entryNames: "[name]",
  bundle: true,
  // Each command's code in its own chunk, loaded when that command runs: --help reads no compiler.
  splitting: true,
  // Beside main.js, so that a chunk finds batch-worker.js beside itself (runtime/batch-threads.ts).
  chunkNames: "[name]-[hash]",
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["koffi"],
  logLevel: "warning",
  // CommonJS dependencies (commander) call require(): give the ES module one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
