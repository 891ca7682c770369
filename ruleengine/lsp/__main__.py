"""``python -m ruleengine.lsp``: the language server on standard input/output."""

from .server import main

main()
