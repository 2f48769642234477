// `iochain lsp`: a Language Server Protocol server over stdio (vscode-languageserver). As the user
// edits it publishes the compile errors, or the lint findings when the program compiles; it formats
// through the prettier plugin, shows a name's type and a layout field's offset and size on hover,
// and goes to definitions, across imports too.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  type Diagnostic as LspDiagnostic,
  DiagnosticSeverity,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
} from "vscode-languageserver/node.js";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Diagnostic } from "../diagnostics.js";
import { formatIoc } from "../fmt/format.js";
import { checked, definitionAt, diagnosticsOf, hoverAt } from "./analysis.js";

const filePath = (uri: string) => (uri.startsWith("file:") ? fileURLToPath(uri) : uri);

function toLsp(d: Diagnostic): LspDiagnostic {
  const line = Math.max(0, (d.pos?.line ?? 1) - 1);
  const col = Math.max(0, (d.pos?.col ?? 1) - 1);
  const endLine = Math.max(line, (d.pos?.endLine ?? d.pos?.line ?? 1) - 1);
  const endCol = d.pos?.endCol !== undefined ? d.pos.endCol - 1 : col + 1;
  return {
    range: {
      start: { line, character: col },
      end: { line: endLine, character: Math.max(endCol, endLine === line ? col + 1 : 0) },
    },
    severity:
      d.severity === "error"
        ? DiagnosticSeverity.Error
        : d.severity === "warning"
          ? DiagnosticSeverity.Warning
          : DiagnosticSeverity.Information,
    code: d.code,
    source: "iochain",
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
  };
}

export function startServer(): void {
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  const documents = new TextDocuments(TextDocument);

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Full,
      documentFormattingProvider: true,
      hoverProvider: true,
      definitionProvider: true,
    },
    serverInfo: { name: "iochain", version: "0.1.0" },
  }));

  const publish = (doc: TextDocument) => {
    const file = filePath(doc.uri);
    // Only this file's findings: an imported module's errors belong to that module's document.
    const diags = diagnosticsOf(doc.getText(), file).filter(
      (d) => !d.pos || path.resolve(d.pos.file) === path.resolve(file),
    );
    void connection.sendDiagnostics({
      uri: doc.uri,
      version: doc.version,
      diagnostics: diags.map(toLsp),
    });
  };
  documents.onDidChangeContent((e) => publish(e.document));

  connection.onDocumentFormatting(async ({ textDocument }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    const text = doc.getText();
    // A text that does not parse is left as it is: its diagnostics say why.
    const formatted = await formatIoc(text, undefined, filePath(doc.uri)).catch(() => text);
    if (formatted === text) return [];
    return [
      {
        range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) },
        newText: formatted,
      },
    ];
  });

  connection.onHover(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    const p = doc && checked(doc.getText(), filePath(doc.uri));
    const text = p && hoverAt(p, position.line + 1, position.character + 1);
    return text ? { contents: { kind: "markdown", value: "```\n" + text + "\n```" } } : null;
  });

  connection.onDefinition(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    const file = doc && filePath(doc.uri);
    const p = doc && checked(doc.getText(), file!);
    const at = p && definitionAt(p, position.line + 1, position.character + 1);
    if (!at) return null;
    const target = path.isAbsolute(at.file) ? at.file : path.resolve(path.dirname(file!), at.file);
    const uri =
      path.resolve(target) === path.resolve(file!) ? doc!.uri : pathToFileURL(target).href;
    const line = at.line - 1;
    const col = at.col - 1;
    return {
      uri,
      range: {
        start: { line, character: col },
        end: { line: (at.endLine ?? at.line) - 1, character: (at.endCol ?? at.col + 1) - 1 },
      },
    };
  });

  documents.listen(connection);
  connection.listen();
}
