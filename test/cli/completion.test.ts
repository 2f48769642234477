// iochain completion: scripts made from the registered commands and options, which a shell runs.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runCliAsync } from "../support/cli.js";

/** Runs the bash script's function on a command line ending at the cursor; the candidates. */
function bashComplete(script: string, words: string[]): string[] {
  const r = spawnSync(
    "bash",
    [
      "-c",
      `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _iochain; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: "utf8" },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").filter((l) => l !== "");
}

describe("iochain completion", () => {
  it("bash completes commands, and each command's options from what it registers", async () => {
    const bash = await runCliAsync(["completion", "bash"]);
    expect(bash.code).toBe(0);
    expect(bashComplete(bash.stdout, ["iochain", "co"]).sort()).toEqual(["compile", "completion"]);
    expect(bashComplete(bash.stdout, ["iochain", "run", "--data-"])).toEqual(["--data-extents"]);
    expect(bashComplete(bash.stdout, ["iochain", "run", "--ext"])).toEqual([]); // the renamed one is hidden
    expect(bashComplete(bash.stdout, ["iochain", "compile", "--em"])).toEqual(["--emit"]);
  });

  it("bash offers the values an option takes: targets, --emit and --format forms, kernels", async () => {
    const bash = await runCliAsync(["completion", "bash"]);
    expect(bash.code).toBe(0);
    expect(bashComplete(bash.stdout, ["iochain", "compile", "x.ioc", "--target", ""])).toEqual([
      "vm",
      "linux",
      "xrp",
    ]);
    expect(bashComplete(bash.stdout, ["iochain", "compile", "--emit", "ch"])).toEqual([
      "chain-header",
    ]);
    expect(bashComplete(bash.stdout, ["iochain", "run", "--target", ""])).toEqual(["vm", "linux"]);
    expect(bashComplete(bash.stdout, ["iochain", "lint", "--format", "s"])).toEqual(["sarif"]);
    expect(bashComplete(bash.stdout, ["iochain", "lint", "--kernel", "5.1"])).toEqual(
      expect.arrayContaining(["5.12", "5.14", "5.17"]),
    );
    // An option without listed values still completes file names.
    expect(bashComplete(bash.stdout, ["iochain", "run", "--data", "examples/bptree/look"])).toEqual(
      ["examples/bptree/lookup.ioc"],
    );
  });

  it("zsh loads the same function through bashcompinit; fish lists every command", async () => {
    const zsh = await runCliAsync(["completion", "zsh"]);
    expect(zsh.stdout).toMatch(/bashcompinit/);
    expect(zsh.stdout).toContain("complete -o filenames -F _iochain iochain");
    const fish = await runCliAsync(["completion", "fish"]);
    for (const c of ["compile", "run", "asm", "disasm", "vm", "extents", "load", "demo"])
      expect(fish.stdout).toContain(`-n __fish_use_subcommand -a ${c} `);
    expect(fish.stdout).toMatch(/__fish_seen_subcommand_from run' -l data-extents -r -F/);
    expect(fish.stdout).toMatch(
      /__fish_seen_subcommand_from compile' -l target -x -a 'vm linux xrp'/,
    );
    expect(fish.stdout).toMatch(
      /__fish_seen_subcommand_from lint' -l format -x -a 'text json sarif'/,
    );
  });

  it("an unknown shell is E0907", async () => {
    const r = await runCliAsync(["completion", "tcsh"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E0907\]: shell must be one of bash, zsh, fish/);
  });
});
