"""``ruleengine lsp``: the language server (pygls) that editors start on standard input/output.

A document is checked with the other ``*.rules`` files of its folder, as one rulebook, using
the text of every open buffer in place of the file on disk. Checks are debounced (a burst of
keystrokes is checked once, ``DELAY`` seconds after the last) and run off the protocol's
thread, so the editor's requests are answered meanwhile; a newer check makes an older result
be dropped. A request that needs a check not made yet waits for it without holding the
protocol's thread, and ``shutdown`` drops every check: the one in flight cannot be interrupted,
but it runs in a daemon thread that ``exit`` does not wait for. docs/editors.md says what each
request answers.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition

from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError, Severity, Span

from ..loader import RULE_SUFFIX, read_rule_file
from .check import MAX_FILES, Analysis, analyze
from .index import Symbol, describe
from .transport import BoundedStdin, Protocol

#: Seconds after the last change before a document is checked again.
DELAY = 0.3

_KIND = {
    "input": t.CompletionItemKind.Field,
    "parameter": t.CompletionItemKind.Constant,
    "define": t.CompletionItemKind.Function,
    "conclusion": t.CompletionItemKind.Variable,
    "rule": t.CompletionItemKind.Event,
    "enum": t.CompletionItemKind.Enum,
    "scale": t.CompletionItemKind.Enum,
    "record": t.CompletionItemKind.Struct,
    "member": t.CompletionItemKind.EnumMember,
    "field": t.CompletionItemKind.Field,
    "lighter": t.CompletionItemKind.Module,
    "document": t.CompletionItemKind.Module,
}
_MEMBER_ACCESS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z0-9_]*)$")


class RuleServer(LanguageServer):
    def __init__(self):
        from .. import __version__

        super().__init__("ruleengine", __version__, protocol_cls=Protocol)
        from ..plugins import get_plugin_manager

        self.pm = get_plugin_manager()
        self.analyses: dict[str, Analysis] = {}  # by rulebook (folder) key
        self.last_good: dict[str, dict] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.published: dict[str, set[str]] = {}  # rulebook -> uris given diagnostics
        self.stopped = False  # after ``shutdown``: nothing more is checked

    # ------------------------------------------------------------------ the rulebook of a document
    @staticmethod
    def source_name(uri: str) -> str:
        """The name a document's spans carry: its path, or the URI of a buffer not on disk."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        return uri if path is None else str(Path(path))

    def rulebook_key(self, uri: str) -> str:
        name = self.source_name(uri)
        return name if name == uri else str(Path(name).parent)

    def rulebook_of(self, uri: str) -> tuple[str, str, list[tuple[str, str]]]:
        """The key and name of the rulebook a document belongs to, and its sources: the open
        buffers' text, else the files' on disk."""
        name = self.source_name(uri)
        if name == uri:  # a buffer not on disk: checked while it is open
            doc = self.document(uri)
            return uri, "rules", [] if doc is None else [(uri, doc.source)]
        path = Path(name)
        try:
            files = sorted(path.parent.glob("*" + RULE_SUFFIX))
        except OSError:
            files = []
        if path not in files:
            files.append(path)
        if len(files) > MAX_FILES:
            files = [path]
        sources = []
        for f in files:
            doc = self.workspace.text_documents.get(from_fs_path(str(f)))
            if doc is not None:
                sources.append((str(f), doc.source))
                continue
            try:
                sources.append((str(f), read_rule_file(f)))
            except DiagnosticError:
                continue  # an unreadable neighbour is not this document's problem
        return str(path.parent), path.parent.name, sources

    def document(self, uri: str) -> TextDocument | None:
        """The document a request names: the open buffer, else the rule file on disk, read
        as a rule file is (bounded, a regular file only); None when there is neither (a file
        that does not exist, an ``untitled:`` buffer never opened). pygls would read the
        path itself, unbounded, and fail with an error; LSP has such a request answered
        null, nothing to show, which each request does."""
        doc = self.workspace.text_documents.get(unquote(uri))
        name = self.source_name(uri)
        if doc is not None or name == uri:
            return doc
        try:
            source = read_rule_file(Path(name))
        except DiagnosticError:
            return None
        return TextDocument(uri, source, position_codec=self.workspace.position_codec)

    async def analysis(self, uri: str) -> Analysis:
        """The latest check of the document's rulebook; if there is none yet, the one under
        way (or one started now) is awaited, off the protocol's thread: a check made here, on
        the thread that reads the editor's messages, held every request and ``shutdown``
        until it ended (seconds for a large text)."""
        key = self.rulebook_key(uri)
        while key not in self.analyses:
            task = self.pending.get(key)
            if task is None or task.done():
                if self.stopped:
                    raise asyncio.CancelledError  # after shutdown: no request is answered
                self.schedule(uri, 0)
                task = self.pending[key]
            try:
                await asyncio.shield(task)  # the request cancelled, the check goes on
            except asyncio.CancelledError:
                me = asyncio.current_task()
                if self.stopped or (me is not None and me.cancelling()):
                    raise
                # else a newer check overtook this one: that one is awaited
        return self.analyses[key]

    def schedule(self, uri: str, delay: float) -> None:
        """Check the document's rulebook after ``delay``, replacing a check not yet started."""
        if self.stopped:
            return
        key = self.rulebook_key(uri)
        if (task := self.pending.get(key)) is not None:
            task.cancel()
        self.pending[key] = asyncio.get_running_loop().create_task(self._check(uri, delay))

    def stop_checking(self) -> None:
        """After ``shutdown``: no check is started, and those pending are dropped."""
        self.stopped = True
        for task in self.pending.values():
            task.cancel()
        self.pending.clear()

    async def _check(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        key, name, sources = self.rulebook_of(uri)
        last_good = self.last_good.setdefault(key, {})
        result = await in_daemon_thread(analyze, name, sources, self.pm, last_good)
        if self.pending.get(key) is not asyncio.current_task():
            return  # a newer check is under way
        self.analyses[key] = result
        self.publish(key, result)

    def publish(self, key: str, result: Analysis) -> None:
        sent = set()
        for src, found in result.diagnostics.items():
            uri = from_fs_path(src) if not src.startswith(("file:", "untitled:")) else src
            if uri is None:
                continue
            sent.add(uri)
            diagnostics = [self.lsp_diagnostic(d) for d in found]
            self.text_document_publish_diagnostics(
                t.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
            )
        for uri in self.published.get(key, set()) - sent:  # a file gone from the folder
            self.text_document_publish_diagnostics(
                t.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        self.published[key] = sent

    # ------------------------------------------------------------------ positions
    def lsp_range(self, span: Span) -> t.Range:
        codec, lines = self.workspace.position_codec, span.source.lines
        return t.Range(
            start=codec.position_to_client_units(
                lines, ServerTextPosition(span.line - 1, span.column - 1)
            ),
            end=codec.position_to_client_units(
                lines, ServerTextPosition(span.end_line - 1, span.end_column - 1)
            ),
        )

    def location(self, span: Span) -> t.Location:
        return t.Location(uri=from_fs_path(span.file) or span.file, range=self.lsp_range(span))

    def lsp_diagnostic(self, d: Diagnostic) -> t.Diagnostic:
        at = (
            self.lsp_range(d.span)
            if d.span is not None
            else t.Range(t.Position(0, 0), t.Position(0, 0))
        )
        return t.Diagnostic(
            range=at,
            message=d.message + (f"\nhelp: {d.help}" if d.help else ""),
            severity=(
                t.DiagnosticSeverity.Warning
                if d.severity is Severity.WARNING
                else t.DiagnosticSeverity.Error
            ),
            code=d.code,
            source="ruleengine",
        )

    async def symbol_at(
        self, uri: str, position: t.Position
    ) -> tuple[Analysis, list[Symbol], Span] | None:
        doc = self.document(uri)
        if doc is None:
            return None
        result = await self.analysis(uri)
        at = doc.position_from_client_units(position)
        ref = result.index.at(self.source_name(uri), at.line + 1, at.character + 1)
        return None if ref is None else (result, ref.targets, ref.span)


def in_daemon_thread(fn: Callable, *args) -> asyncio.Future:
    """``fn(*args)`` in a daemon thread of its own, as a future of the running loop.

    Not ``asyncio.to_thread``: the loop's executor is joined when the server exits, so ``exit``
    waited for the check in flight to end (seconds for a 1.2 MB text; QA, issue 7). A check
    cannot be interrupted; a daemon thread is not waited for, and what it finds after the
    loop has closed is dropped."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(set_it: Callable, value) -> None:
        if not future.done():
            set_it(value)

    def work() -> None:
        try:
            outcome = (future.set_result, fn(*args))
        except BaseException as err:  # noqa: BLE001 - handed to whoever awaits the future
            outcome = (future.set_exception, err)
        try:
            loop.call_soon_threadsafe(settle, *outcome)
        except RuntimeError:  # the loop has closed: the server is gone
            pass

    threading.Thread(target=work, name="ruleengine-lsp-check", daemon=True).start()
    return future


server = RuleServer()


@server.feature(t.SHUTDOWN)
def shutdown(ls: RuleServer, params: None) -> None:
    """pygls answers ``shutdown`` and cancels the requests waiting; the checks go too."""
    ls.stop_checking()


@server.feature(t.EXIT)
def exit_(ls: RuleServer, params: None) -> None:
    """Noted, for the exit code: 1 where ``shutdown`` did not come first (the LSP spec)."""
    ls.exit_asked = True


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: RuleServer, params: t.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: RuleServer, params: t.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, DELAY)


@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: RuleServer, params: t.DidSaveTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: RuleServer, params: t.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    if ls.source_name(uri) == uri:  # a buffer that was never a file: nothing left to check
        ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    else:  # the file on disk stands in for the buffer now
        ls.schedule(uri, 0)


@server.feature(t.TEXT_DOCUMENT_HOVER)
async def hover(ls: RuleServer, params: t.HoverParams) -> t.Hover | None:
    found = await ls.symbol_at(params.text_document.uri, params.position)
    if found is None:
        return None
    result, targets, span = found
    parts = []
    for sym in targets:
        inferred = None
        if sym.kind == "define" and result.rulebook is not None:
            definition = result.rulebook.definitions.get(sym.name)
            inferred = str(definition.type) if definition is not None else None
        parts.append(describe(sym, datetime.date.today(), inferred))
    return t.Hover(
        contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=ls.lsp_range(span),
    )


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: RuleServer, params: t.DefinitionParams) -> list[t.Location] | None:
    found = await ls.symbol_at(params.text_document.uri, params.position)
    if found is None:
        return None
    return [ls.location(sym.ident.span) for sym in found[1]]


@server.feature(t.TEXT_DOCUMENT_REFERENCES)
async def references(ls: RuleServer, params: t.ReferenceParams) -> list[t.Location] | None:
    found = await ls.symbol_at(params.text_document.uri, params.position)
    if found is None:
        return None
    result, targets, _ = found
    spans = []
    for sym in targets:
        spans += [
            sp
            for sp in result.index.references(sym)
            if params.context.include_declaration or sp is not sym.ident.span
        ]
    return [ls.location(sp) for sp in spans]


@server.feature(t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=["."]))
async def completion(ls: RuleServer, params: t.CompletionParams) -> t.CompletionList | None:
    from ruleengine_dsl.parser import keywords

    uri = params.text_document.uri
    doc = ls.document(uri)
    if doc is None:
        return None
    index = (await ls.analysis(uri)).index
    at = doc.position_from_client_units(params.position)
    before = doc.lines[at.line][: at.character] if at.line < len(doc.lines) else ""
    items: dict[str, t.CompletionItem] = {}

    def add(sym: Symbol) -> None:
        items.setdefault(
            sym.name,
            t.CompletionItem(
                label=sym.name,
                kind=_KIND.get(sym.kind),
                detail=f"{sym.kind} {sym.owner + '.' if sym.owner else ''}{sym.name}",
            ),
        )

    if (access := _MEMBER_ACCESS.search(before)) is not None:
        for sym in index.members_of(access.group(1)):
            add(sym)
        return t.CompletionList(is_incomplete=False, items=list(items.values()))
    for table in (index.symbols, index.members):
        for symbols in table.values():
            for sym in symbols:
                if sym.kind != "document":
                    add(sym)
    for word in sorted(keywords()):
        items.setdefault(word, t.CompletionItem(label=word, kind=t.CompletionItemKind.Keyword))
    return t.CompletionList(is_incomplete=False, items=list(items.values()))


@server.feature(t.TEXT_DOCUMENT_FORMATTING)
async def formatting(ls: RuleServer, params: t.DocumentFormattingParams) -> list[t.TextEdit] | None:
    """The document as ``fmt`` lays it out, off the protocol's thread (a large text takes
    seconds)."""
    from ruleengine_dsl.formatter import format_text

    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    try:
        formatted = await in_daemon_thread(format_text, doc.source, doc.filename or doc.uri)
    except DiagnosticError:
        return None  # the text does not parse: its diagnostics already say why
    if formatted == doc.source:
        return []
    end = doc.client_position_at_offset(len(doc.source))
    return [t.TextEdit(range=t.Range(t.Position(0, 0), end), new_text=formatted)]


class _OneLine(logging.Formatter):
    """What goes wrong in the protocol (a malformed message from the editor, say) is logged on
    standard error, which editors show as the server's log: as one line, not a traceback."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return f"{ei[0].__name__}: {ei[1]}"

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return ""

    def format(self, record: logging.LogRecord) -> str:
        """One line: pygls writes some tracebacks into the message itself (a message it
        cannot read); its last line, the error, is kept."""
        first, *rest = super().format(record).splitlines() or [""]
        last = next((line.strip(" |+-") for line in reversed(rest) if line.strip(" |+-")), "")
        return f"{first}: {last}" if last else first


def main() -> int:
    """Serve on standard input and output; the exit code: 1 where the editor sent ``exit``
    before ``shutdown`` (the LSP spec's), else 0 (a seventh QA round: it was always 0)."""
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLine("ruleengine lsp: %(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    server.start_io(BoundedStdin(sys.stdin.buffer))
    return 1 if getattr(server, "exit_asked", False) and not server.stopped else 0
