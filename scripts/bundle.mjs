// Bundles the CLI (dist/bundle/main.js, its commands in chunks beside it) and the batch worker,
// after tsc: a few files to read and compile instead of ~180 modules, so the process starts sooner (bench/
// startup.ts measures it). bin/iochain.js loads the bundle when it is at least as new as tsc's
// output. koffi stays outside: it loads a native library.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

// Chunk names carry a hash: without this, every build would leave the last one's chunks behind.
rmSync("dist/bundle", { recursive: true, force: true });

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

// `iochain --help` and `--version` (bin/iochain sends them to bin/iochain-front.cjs): the entry
// alone as one CommonJS file, which node starts sooner than an ES module. They list the catalogue
// and load no command, so the commands stay outside the file.
const COMMAND_MODULE =
  /^\.\/(demo|compile|run|asm|disasm|vm|extents|load|sim|completion|lint|fmt|lsp)\.js$/;
await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/bundle/front.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
  define: { "import.meta.url": "__iochainUrl" },
  banner: { js: "const __iochainUrl = require('node:url').pathToFileURL(__filename).href;" },
  // Run by bin/iochain-front.cjs, which calls its `main`. Minified: less source text for V8 to
  // scan at start-up (~1 ms).
  minify: true,
  plugins: [
    {
      name: "commands-outside",
      setup(b) {
        b.onResolve({ filter: COMMAND_MODULE }, (a) => ({ path: a.path, external: true }));
      },
    },
    {
      // commander requires node:child_process for executable subcommands (`program.command(name,
      // description)` running another program), which iochain does not have; loading it (with
      // net and streams, outside node's own start-up snapshot) is ~4 ms of a 30 ms --help.
      name: "commander-without-child-process",
      setup(b) {
        b.onResolve({ filter: /^(node:)?child_process$/ }, (a) =>
          /[\\/]node_modules[\\/]commander[\\/]/.test(a.importer)
            ? { path: "child_process", namespace: "no-subcommands" }
            : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: "no-subcommands" }, () => ({
          contents:
            "const none = () => { throw new Error('iochain has no executable subcommands'); };" +
            "module.exports = { spawn: none, execFileSync: none };",
          loader: "js",
        }));
      },
    },
  ],
});

// The V8 code cache bin/iochain-front.cjs compiles front.cjs with: what a --help compiles.
execFileSync(process.execPath, ["bin/iochain-front.cjs", "--help"], {
  env: { ...process.env, IOCHAIN_WRITE_CODE_CACHE: "1" },
  stdio: "ignore",
});
