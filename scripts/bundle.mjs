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

// `iochain --help` and `--version` (bin/iochain sends them here): the entry alone as one CommonJS
// file, which node starts sooner than an ES module (bench/startup.ts: ~1.15x `node -e 0` against
// ~1.4x). They list the catalogue and load no command, so the commands stay outside the file.
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
  footer: {
    js: [
      "if (require.main === module) {",
      '  if (process.env.IOCHAIN_SHOW_STARTUP) process.stderr.write("iochain: started from the front bundle\\n");',
      "  module.exports.main(process.argv);",
      "}",
    ].join("\n"),
  },
  plugins: [
    {
      name: "commands-outside",
      setup(b) {
        b.onResolve({ filter: COMMAND_MODULE }, (a) => ({ path: a.path, external: true }));
      },
    },
  ],
});
