// Packages the VS Code extension (editors/vscode) as a .vsix: `node scripts/package-vscode.mjs
// OUT.vsix`. The client (src/extension.js) is bundled by esbuild into out/extension.js with
// vscode-languageclient inside it (`vscode` is the editor's own), so the extension ships no
// node_modules and `vsce package` runs with --no-dependencies: vsce would otherwise run `npm list`
// in the extension folder, which has no node_modules of its own here. The work happens in a
// temporary copy, so the source tree gets no out/ folder.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, "editors", "vscode");
const out = path.resolve(process.argv[2] ?? "iochain.vsix");
const stage = mkdtempSync(path.join(tmpdir(), "iochain-vscode-"));
try {
  cpSync(source, stage, { recursive: true, filter: (f) => !f.includes("node_modules") });
  await build({
    entryPoints: [path.join(source, "src", "extension.js")],
    outfile: path.join(stage, "out", "extension.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    external: ["vscode"],
    minify: true,
    logLevel: "warning",
  });
  const vsce = path.join(root, "node_modules", "@vscode", "vsce", "vsce");
  execFileSync(
    process.execPath,
    [
      vsce,
      "package",
      "--no-dependencies",
      "--allow-missing-repository",
      "--skip-license",
      "--out",
      out,
    ],
    { cwd: stage, stdio: ["ignore", "inherit", "inherit"] },
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}
