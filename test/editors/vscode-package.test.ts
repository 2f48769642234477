// The VS Code extension packaged as a user would install it: scripts/package-vscode.mjs bundles
// the client and runs `vsce package`; the .vsix must be a zip holding the manifest, the grammar,
// the language configuration and the bundled client (with vscode-languageclient inside it, since
// the extension ships no node_modules).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { inflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";

const vsce = path.join(repoRoot, "node_modules", "@vscode", "vsce", "vsce");
const skip = existsSync(vsce) ? undefined : `@vscode/vsce is not installed (${vsce})`;
if (skip) console.log(`skipping the VS Code packaging test: ${skip}`);

/** The entries of a zip file, by name, read through its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error("no end-of-central-directory record: not a zip");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let k = 0; k < count; k++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("bad central directory entry");
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const skipLen = nameLen + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLen);
    const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(data, data + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + skipLen;
  }
  return out;
}

describe("the VS Code extension", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "iochain-vsix-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.skipIf(skip !== undefined)(
    "vsce packages it: a zip with the manifest, grammar, configuration and bundled client",
    async () => {
      const out = path.join(tmp, "iochain.vsix");
      await promisify(execFile)(
        process.execPath,
        [path.join(repoRoot, "scripts", "package-vscode.mjs"), out],
        { cwd: repoRoot },
      );
      const zip = readFileSync(out);
      expect(zip.readUInt32LE(0)).toBe(0x04034b50); // "PK\3\4"
      const files = unzip(zip);
      expect([...files.keys()].sort()).toEqual(
        [
          "[Content_Types].xml",
          "extension.vsixmanifest",
          "extension/language-configuration.json",
          "extension/out/extension.js",
          "extension/package.json",
          "extension/readme.md",
          "extension/syntaxes/iochain.tmLanguage.json",
        ].sort(),
      );
      const manifest = JSON.parse(files.get("extension/package.json")!.toString());
      expect(manifest.main).toBe("./out/extension.js");
      expect(manifest.contributes.grammars[0].path).toBe("./syntaxes/iochain.tmLanguage.json");
      const grammar = JSON.parse(
        files.get("extension/syntaxes/iochain.tmLanguage.json")!.toString(),
      );
      expect(grammar.scopeName).toBe("source.iochain");
      expect(files.get("extension.vsixmanifest")!.toString()).toContain('Id="iochain"');
      const client = files.get("extension/out/extension.js")!.toString();
      // vscode-languageclient is inside the bundle; only the editor's own `vscode` is required.
      expect(client).not.toMatch(/require\(["']vscode-languageclient/);
      expect(client).toMatch(/require\(["']vscode["']\)/);
      expect(client).toContain("lsp");
      expect(client).toContain("--stdio");
    },
    120_000,
  );
});
