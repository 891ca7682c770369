"""What the language server reads and answers on the wire, bounded and without tracebacks.

pygls reads a message's body with one ``read(Content-Length)``: a header announcing a
terabyte made the server allocate it and die (exit 70, sixth QA round). ``BoundedStdin``
reads a body longer than ``MAX_MESSAGE`` in chunks and drops it, as a malformed message (the
editor's log says so in one line), so memory stays bounded whatever a header says. And pygls
answers a request that failed with the Python traceback in the error's ``data``, which an
editor shows to its user: ``Protocol`` sends the error's one-line message only.
"""

from __future__ import annotations

import logging
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

#: The longest message read (bytes): a rule file may be 2 MB, escaped in JSON up to six
#: times that, with room.
MAX_MESSAGE = 32 * 1024 * 1024
_CHUNK = 1024 * 1024
#: What a dropped message is read as.
DROPPED = b'{"jsonrpc": "2.0", "method": "$/ruleengine/dropped", "params": null}'
_log = logging.getLogger("ruleengine.lsp")


class BoundedStdin:
    """Standard input as pygls reads it, a body past ``MAX_MESSAGE`` dropped unread."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream

    def readline(self) -> bytes:
        return self.stream.readline(MAX_MESSAGE)

    def read(self, n: int) -> bytes:
        if n <= MAX_MESSAGE:
            return self.stream.read(n)
        _log.error("a message of %d bytes is longer than %d: dropped", n, MAX_MESSAGE)
        left = n
        while left:
            got = self.stream.read(min(left, _CHUNK))
            if not got:
                return b""  # the editor closed the stream: the server ends
            left -= len(got)
        # In its place a notification the server ignores ("$/" methods may be: the LSP
        # spec): pygls read the "null" given here before as a message without "jsonrpc" and
        # showed the editor "Error in server: 'NoneType' object ..." (a seventh QA round).
        return DROPPED


class Protocol(LanguageServerProtocol):
    """pygls's protocol, its error answers without the traceback pygls puts in ``data``, and
    a change to a document never opened let go (the log says so) rather than failing."""

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        """pygls's, for an open document; a change to one never opened (a client's slip)
        showed the editor "Error in server: KeyError" (a seventh QA round)."""
        if params.text_document.uri not in self.workspace.text_documents:
            _log.warning("a change to %s, which is not open: ignored", params.text_document.uri)
            return None
        return (yield from super().lsp_text_document__did_change(params))

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        data = getattr(error, "data", None)
        if isinstance(data, dict) and "traceback" in data:
            error.data = None
        super()._send_response(msg_id, result=result, error=error)
