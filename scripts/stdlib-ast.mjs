// Parses the stdlib once at build time into dist/stdlib-ast.v8 (src/compiler/front/stdlib-prebuilt.ts
// reads it), after tsc: a process's first compile then does not parse the stdlib.
import { readdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { serialize } from "node:v8";
import { parseModule } from "../dist/src/compiler/front/parse.js";
import { PREBUILT_FILE, PREBUILT_PATH } from "../dist/src/compiler/front/stdlib-prebuilt.js";

const modules = {};
for (const name of readdirSync("stdlib")
  .filter((n) => n.endsWith(".ioc"))
  .sort()) {
  const source = readFileSync(`stdlib/${name}`, "utf8");
  modules[name] = { source, ast: parseModule(source, PREBUILT_FILE) };
}
writeFileSync(`${PREBUILT_PATH}.tmp`, serialize(modules));
renameSync(`${PREBUILT_PATH}.tmp`, PREBUILT_PATH);
