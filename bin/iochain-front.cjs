// `iochain --help` and `--version` (bin/iochain sends them here): dist/bundle/front.cjs, the CLI's
// entry alone as one CommonJS file (scripts/bundle.mjs), compiled with the V8 code cache the build
// made of it (front.cjs.cache). Node 20's require() keeps no code cache, and compiling the file is
// ~3 ms of a ~27 ms --help (bench/startup.ts). A cache V8 rejects (made by another node) only
// costs that compile. IOCHAIN_WRITE_CODE_CACHE=1 (the build) writes the cache as the process ends,
// holding every function the run compiled.
"use strict";
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const file = path.join(__dirname, "..", "dist", "bundle", "front.cjs");
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined; // no cache yet: compile as require() would
}
const script = new vm.Script(Module.wrap(readFileSync(file, "utf8")), {
  filename: file,
  cachedData,
});
const front = { exports: {} };
script.runInThisContext()(
  front.exports,
  Module.createRequire(file),
  front,
  file,
  path.dirname(file),
);
if (process.env.IOCHAIN_WRITE_CODE_CACHE) {
  process.on("exit", () => {
    writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
    renameSync(`${cacheFile}.tmp`, cacheFile);
  });
}
if (process.env.IOCHAIN_SHOW_STARTUP) {
  const cache =
    cachedData === undefined
      ? "no code cache"
      : script.cachedDataRejected
        ? "its code cache rejected"
        : "its code cache";
  process.stderr.write(`iochain: started from the front bundle (${cache})\n`);
}
void front.exports.main(process.argv);
