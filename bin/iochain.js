#!/usr/bin/env node
// The CLI lives in dist/ (npm run build). bin/iochain (what package.json installs) starts node from
// the start-up snapshot with this file as the script, so this file runs only without one: it
// loads the bundle (scripts/bundle.mjs: a few files, a quicker start) unless tsc's output is
// newer, as after a bare `npx tsc`. IOCHAIN_SHOW_STARTUP=1 says which on stderr.
import { statSync } from "node:fs";

const mtime = (rel) => {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundle = mtime("../dist/bundle/main.js") >= mtime("../dist/src/cli/main.js");
if (process.env.IOCHAIN_SHOW_STARTUP)
  process.stderr.write(`iochain: started from ${bundle ? "the bundle" : "tsc's output"}\n`);
(bundle ? import("../dist/bundle/main.js") : import("../dist/src/cli/main.js")).then((m) =>
  m.main(process.argv),
);
