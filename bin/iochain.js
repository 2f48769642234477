#!/usr/bin/env node
// The CLI lives in dist/ (npm run build); this shim keeps `bin` stable. It loads the bundle
// (scripts/bundle.mjs: one file, a quicker start) unless tsc's output is newer, as after a bare
// `npx tsc`.
import { statSync } from "node:fs";

const mtime = (rel) => {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundle = mtime("../dist/bundle/main.js") >= mtime("../dist/src/cli/main.js");
(bundle ? import("../dist/bundle/main.js") : import("../dist/src/cli/main.js")).then((m) =>
  m.main(process.argv),
);
