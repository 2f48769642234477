// The client: starts `iochain lsp` over stdio for .ioc files.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("iochain").get("command", "iochain");
  const server = { command, args: ["lsp", "--stdio"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "iochain",
    "iochain",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "iochain" }] },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
