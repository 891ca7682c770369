// Starts `ruleengine lsp` for .rules files and stops it with the editor. Plain JavaScript, so
// the extension needs no build step (docs/editors.md).
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("ruleengine");
  const command = config.get("server.command", "ruleengine");
  const args = config.get("server.args", ["lsp"]);
  client = new LanguageClient(
    "ruleengine",
    "ruleengine",
    { command, args },
    { documentSelector: [{ language: "ruleengine" }] }
  );
  context.subscriptions.push(client);
  return client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `ruleengine: cannot start '${command} ${args.join(" ")}' (${err.message}). ` +
        "Install it with pip install 'ruleengine[lsp]', or set ruleengine.server.command."
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
