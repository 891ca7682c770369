"""The language server for rule texts (``ruleengine lsp``, docs/editors.md): the checker's
diagnostics as you type, hover, definitions, references, completion and formatting.

Needs the ``lsp`` extra (pygls). ``index`` and ``check`` use the engine alone; ``server``
speaks the protocol.
"""
