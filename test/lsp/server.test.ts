// Drives `iochain lsp` as an editor would: JSON-RPC over the server's stdin/stdout with
// Content-Length framing — initialize, didOpen a program with an error (publishDiagnostics at the
// error's range), a fixed program (lint findings), formatting, hover (a name's type, a layout
// field's offset and size) and go-to-definition into an imported module.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, iochainBin } from "../support/cli.js";

interface Message {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

class Client {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private waiting: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  readonly seen: Message[] = [];
  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const head = this.buffer.indexOf("\r\n\r\n");
        if (head < 0) return;
        const length = Number(
          /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, head).toString())![1],
        );
        if (this.buffer.length < head + 4 + length) return;
        const msg = JSON.parse(
          this.buffer.subarray(head + 4, head + 4 + length).toString(),
        ) as Message;
        this.buffer = this.buffer.subarray(head + 4 + length);
        const w = this.waiting.findIndex((x) => x.match(msg));
        if (w >= 0) this.waiting.splice(w, 1)[0].resolve(msg);
        else this.seen.push(msg);
      }
    });
  }
  send(msg: Message): void {
    const body = JSON.stringify({ jsonrpc: "2.0", ...msg });
    this.proc.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  wait(match: (m: Message) => boolean): Promise<Message> {
    const old = this.seen.find(match);
    if (old) {
      this.seen.splice(this.seen.indexOf(old), 1);
      return Promise.resolve(old);
    }
    return new Promise((resolve) => this.waiting.push({ match, resolve }));
  }
  async request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    this.send({ id, method, params });
    const reply = await this.wait((m) => m.id === id && m.method === undefined);
    expect(reply.error).toBeUndefined();
    return reply.result;
  }
  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }
}

const tmp = mkdtempSync(path.join(tmpdir(), "iochain-lsp-"));
const main = path.join(tmp, "main.ioc");
const uri = pathToFileURL(main).href;
writeFileSync(path.join(tmp, "util.ioc"), "pub fn twice(x: u64) -> u64 {\n    return x * 2;\n}\n");

const BROKEN = `storage fn f(key: u64) -> u64 block 512 {
    return keyy;
}
`;
const GOOD = `import "util.ioc" as util;

layout Rec: little { tag: u32, count: u16, value: u64 }

storage fn f(key: u64, b: u64) -> u64 block 512 {
    let r = Rec at 8;
    let n = r.value + key;
    return util::twice(n) / b;
}
`;

describe.sequential("iochain lsp", () => {
  let client: Client;
  beforeAll(async () => {
    ensureBuilt();
    client = new Client(spawn(iochainBin, ["lsp", "--stdio"], { stdio: "pipe" }));
    const init = (await client.request("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(tmp).href,
      capabilities: {},
    })) as {
      capabilities: Record<string, unknown>;
    };
    expect(init.capabilities.hoverProvider).toBe(true);
    expect(init.capabilities.documentFormattingProvider).toBe(true);
    expect(init.capabilities.definitionProvider).toBe(true);
    client.notify("initialized", {});
  });
  afterAll(async () => {
    await client.request("shutdown", null);
    client.notify("exit", null);
    rmSync(tmp, { recursive: true, force: true });
  });

  const diagnostics = async (version: number) =>
    (
      await client.wait(
        (m) =>
          m.method === "textDocument/publishDiagnostics" &&
          (m.params as { version?: number }).version === version,
      )
    ).params as {
      uri: string;
      diagnostics: {
        code: string;
        message: string;
        range: {
          start: { line: number; character: number };
          end: { line: number; character: number };
        };
      }[];
    };

  it("publishes a compile error at its range", async () => {
    client.notify("textDocument/didOpen", {
      textDocument: { uri, languageId: "iochain", version: 1, text: BROKEN },
    });
    const d = await diagnostics(1);
    expect(d.uri).toBe(uri);
    expect(d.diagnostics).toHaveLength(1);
    expect(d.diagnostics[0].code).toBe("E0401");
    expect(d.diagnostics[0].range).toEqual({
      start: { line: 1, character: 11 },
      end: { line: 1, character: 15 },
    });
  });

  it("publishes lint findings once the program compiles", async () => {
    client.notify("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: GOOD }],
    });
    const d = await diagnostics(2);
    expect(d.diagnostics.map((x) => x.code).sort()).toEqual(["E0711"]);
    expect(d.diagnostics[0].range.start.line).toBe(7);
  });

  it("hovers: a name's type, a layout field's offset and size", async () => {
    const hover = async (line: number, character: number) =>
      (
        (await client.request("textDocument/hover", {
          textDocument: { uri },
          position: { line, character },
        })) as { contents: { value: string } } | null
      )?.contents.value;
    expect(await hover(7, 23)).toContain("n: u64");
    expect(await hover(6, 14)).toContain("Rec.value: u64le — offset 6, size 8 bytes");
    expect(await hover(2, 45)).toContain("Rec.value: u64le — offset 6, size 8 bytes");
  });

  it("goes to a definition in an imported module", async () => {
    const def = (await client.request("textDocument/definition", {
      textDocument: { uri },
      position: { line: 7, character: 17 },
    })) as {
      uri: string;
      range: { start: { line: number; character: number } };
    };
    expect(def.uri).toBe(pathToFileURL(path.join(tmp, "util.ioc")).href);
    expect(def.range.start).toEqual({ line: 0, character: 7 });
  });

  it("formats through the plugin", async () => {
    client.notify("textDocument/didChange", {
      textDocument: { uri, version: 3 },
      contentChanges: [
        { text: GOOD.replace("    let r", "let r").replace("b: u64)", "b:   u64)") },
      ],
    });
    const edits = (await client.request("textDocument/formatting", {
      textDocument: { uri },
      options: { tabSize: 4, insertSpaces: true },
    })) as { newText: string }[];
    expect(edits).toHaveLength(1);
    expect(edits[0].newText).toBe(GOOD);
  });
});
