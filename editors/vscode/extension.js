// Starts `segflow lsp` for the rule and workflow files and segflow.toml of a segflow
// repository; everything else is the server's.
const { LanguageClient } = require("vscode-languageclient/node");

let client;

exports.activate = () => {
  client = new LanguageClient(
    "segflow",
    "segflow",
    { command: "segflow", args: ["lsp"] },
    {
      documentSelector: [
        { scheme: "file", pattern: "**/{rules,workflows}/*.{yaml,yml}" },
        { scheme: "file", pattern: "**/segflow.toml" },
      ],
    },
  );
  return client.start();
};

exports.deactivate = () => (client ? client.stop() : undefined);
