// The artifact cache: a second compile of an unchanged program is a hit and gives the same
// output; a changed import, source or option misses; --no-cache neither reads nor writes.
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCliAsync } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

const dir = tempDir("iochain-cache-");
const cacheHome = path.join(dir, "xdg");
const at = (n: string): string => path.join(dir, n);

const cli = (args: string[]) => runCliAsync(args, undefined, { XDG_CACHE_HOME: cacheHome });

writeFileSync(at("helper.ioc"), "pub fn twice(x: u64) -> u64 { return x * 2; }\n");
writeFileSync(
  at("main.ioc"),
  'import "helper.ioc";\nstorage fn f(key: u64) -> u64 block 64 {\n  return helper::twice(key);\n}\n',
);
writeFileSync(at("data.bin"), Buffer.alloc(4096));

describe("artifact cache", () => {
  it("misses, then hits with the same listing; entries live in $XDG_CACHE_HOME/iochain", async () => {
    const first = await cli(["compile", at("main.ioc"), "--verbose"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/note: cache miss: stored .*xdg\/iochain\/[0-9a-f]{64}\.v8/);
    const second = await cli(["compile", at("main.ioc"), "--verbose"]);
    expect(second.stderr).toMatch(/note: cache hit: /);
    expect(second.stdout).toBe(first.stdout);
    expect(
      readdirSync(path.join(cacheHome, "iochain")).filter((n) => n.endsWith(".v8")),
    ).toHaveLength(1);
  });

  it("run uses the same cache, and its answer does not change", async () => {
    const args = ["run", at("main.ioc"), "--data", at("data.bin"), "--arg", "key=21", "--verbose"];
    const a = await cli(args);
    const b = await cli(args);
    expect(a.stdout).toMatch(/value: 42/);
    expect(b.stdout).toBe(a.stdout);
    expect(b.stderr).toMatch(/cache hit/);
  });

  it("an import that changed is a miss, and the new code is what runs", async () => {
    writeFileSync(at("helper.ioc"), "pub fn twice(x: u64) -> u64 { return x * 3; }\n");
    const r = await cli([
      "run",
      at("main.ioc"),
      "--data",
      at("data.bin"),
      "--arg",
      "key=21",
      "--verbose",
    ]);
    expect(r.stderr).toMatch(/cache miss/);
    expect(r.stdout).toMatch(/value: 63/);
  });

  it("another target or option is another entry; --no-cache neither reads nor writes", async () => {
    expect((await cli(["compile", at("main.ioc"), "--target", "xrp", "--verbose"])).stderr).toMatch(
      /cache miss/,
    );
    const before = readdirSync(path.join(cacheHome, "iochain")).length;
    const r = await cli([
      "compile",
      at("main.ioc"),
      "--target",
      "linux",
      "--no-cache",
      "--verbose",
    ]);
    expect(r.stderr).toMatch(/cache not used \(--no-cache\)/);
    expect(readdirSync(path.join(cacheHome, "iochain")).length).toBe(before);
  });
});
