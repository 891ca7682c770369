"""``ruleengine lsp`` driven through its own protocol: a pygls client starts the command as an
editor does and speaks JSON-RPC to it over standard input/output.

One server process serves the whole module (started once, a second or so); each test reads
what one step of the session answered.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap

import pytest

pytest.importorskip("pygls", reason="the language server needs the 'lsp' extra")

from lsprotocol import types as t  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402

from ruleengine_dsl.formatter import format_text  # noqa: E402

BOOK = textwrap.dedent(
    """\
    scale level_kind zh "等级" en "level" { none serious especially_serious }
    input amount: integer zh "数额" en "the amount"
    parameter limit: integer en "the limit" {
      2000-01-01: 10
      2020-01-01: 50
    }
    conclusion level: highest level_kind
    rule big {
      cite article "5" paragraph 1
      title en "Big"
      when amount >= limit
      then level = level_kind.serious
    }
    """
)
TESTS = 'test "big" {\n  given amount = 60\n  expect level = serious\n}\n'
TYPO = BOOK.replace("amount >= limit", "amount >= limitt")
MANGLED = 'rule  other{cite article "5" paragraph 1\nwhen amount>=limit then level=serious}\n'
BROKEN = "rule {{{ when\n"


def _pos(text: str, needle: str, line_of: str | None = None) -> t.Position:
    """The position of ``needle`` (on the first line holding ``line_of``, if given)."""
    for number, line in enumerate(text.split("\n")):
        if needle in line and (line_of is None or line_of in line):
            return t.Position(line=number, character=line.index(needle))
    raise AssertionError(needle)


async def _session(folder) -> dict:
    book, tests, other = folder / "a.rules", folder / "b.rules", folder / "c.rules"
    book.write_text(BOOK, encoding="utf-8")
    tests.write_text(TESTS, encoding="utf-8")
    uri, tests_uri, other_uri = (from_fs_path(str(p)) for p in (book, tests, other))
    client = LanguageClient("test", "1")
    published: dict[str, list] = {}
    arrived = asyncio.Condition()

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    async def on_diagnostics(params: t.PublishDiagnosticsParams) -> None:
        async with arrived:
            published.setdefault(params.uri, []).append(params.diagnostics)
            arrived.notify_all()

    async def diagnostics(uri: str, count: int) -> list:
        """The ``count``-th diagnostics published for ``uri``."""
        async with arrived:
            await asyncio.wait_for(
                arrived.wait_for(lambda: len(published.get(uri, [])) >= count), 20
            )
        return published[uri][count - 1]

    async def some_diagnostics(uri: str) -> list:
        """The first diagnostics published for ``uri`` that are not none."""
        async with arrived:
            await asyncio.wait_for(arrived.wait_for(lambda: any(published.get(uri, []))), 20)
        return next(found for found in published[uri] if found)

    def opened(uri: str, text: str) -> None:
        item = t.TextDocumentItem(uri=uri, language_id="ruleengine", version=1, text=text)
        client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=item))

    cli = "import sys; from ruleengine.cli import main; sys.argv[0] = 'ruleengine'; main()"
    await client.start_io(sys.executable, "-c", cli, "lsp")
    out: dict = {}
    try:
        init = await client.initialize_async(
            t.InitializeParams(
                capabilities=t.ClientCapabilities(), root_uri=from_fs_path(str(folder))
            )
        )
        out["capabilities"] = init.capabilities
        client.initialized(t.InitializedParams())
        opened(uri, TYPO)
        out["typo"] = await diagnostics(uri, 1)
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[t.TextDocumentContentChangeWholeDocument(text=BOOK)],
            )
        )
        out["fixed"] = await diagnostics(uri, 2)
        opened(tests_uri, TESTS)
        doc = t.TextDocumentIdentifier(uri=uri)
        tests_doc = t.TextDocumentIdentifier(uri=tests_uri)
        out["hover_parameter"] = await client.text_document_hover_async(
            t.HoverParams(text_document=doc, position=_pos(BOOK, "limit", "when"))
        )
        out["hover_rule"] = await client.text_document_hover_async(
            t.HoverParams(text_document=doc, position=_pos(BOOK, "big"))
        )
        out["hover_input"] = await client.text_document_hover_async(
            t.HoverParams(text_document=tests_doc, position=_pos(TESTS, "amount"))
        )
        out["definition"] = await client.text_document_definition_async(
            t.DefinitionParams(text_document=tests_doc, position=_pos(TESTS, "serious"))
        )
        out["definition_member"] = await client.text_document_definition_async(
            t.DefinitionParams(text_document=doc, position=_pos(BOOK, "serious", "then"))
        )
        out["references"] = await client.text_document_references_async(
            t.ReferenceParams(
                text_document=doc,
                position=_pos(BOOK, "amount", "input"),
                context=t.ReferenceContext(include_declaration=True),
            )
        )
        end = _pos(BOOK, "serious", "then")
        out["complete_member"] = await client.text_document_completion_async(
            t.CompletionParams(text_document=doc, position=end)
        )
        out["complete_name"] = await client.text_document_completion_async(
            t.CompletionParams(text_document=doc, position=_pos(BOOK, "amount", "when"))
        )
        opened(other_uri, MANGLED)
        out["formatting"] = await client.text_document_formatting_async(
            t.DocumentFormattingParams(
                text_document=t.TextDocumentIdentifier(uri=other_uri),
                options=t.FormattingOptions(tab_size=2, insert_spaces=True),
            )
        )
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=other_uri, version=2),
                content_changes=[t.TextDocumentContentChangeWholeDocument(text=BROKEN)],
            )
        )
        out["broken"] = await some_diagnostics(other_uri)
        out["hover_after_broken"] = await client.text_document_hover_async(
            t.HoverParams(text_document=doc, position=_pos(BOOK, "limit", "when"))
        )
        await client.shutdown_async(None)
        client.exit(None)
        out["exit"] = await asyncio.wait_for(client._server.wait(), 10)
    finally:
        await client.stop()
    return out


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    return asyncio.run(_session(tmp_path_factory.mktemp("book")))


def test_diagnostics_as_published_point_at_the_error(session):
    [found] = session["typo"]
    assert found.code == "E200"
    assert found.severity == t.DiagnosticSeverity.Error
    assert "limitt" in found.message
    at = _pos(BOOK, "limit", "when")
    assert found.range == t.Range(at, t.Position(at.line, at.character + len("limitt")))


def test_a_fixed_text_clears_its_diagnostics(session):
    assert list(session["fixed"]) == []


def test_hover_shows_type_label_and_todays_value(session):
    text = session["hover_parameter"].contents.value
    assert "parameter limit: integer" in text
    assert "the limit" in text
    assert "today (" in text and "): 50 (since 2020-01-01)" in text
    rule = session["hover_rule"].contents.value
    assert "rule big" in rule and "cite article 5 paragraph 1" in rule and "Big" in rule
    # An input named in another file of the folder: the rulebook is the folder.
    assert "input amount: integer" in session["hover_input"].contents.value
    assert "数额" in session["hover_input"].contents.value


def test_definition_crosses_files_and_finds_members(session):
    [there] = session["definition"]
    assert there.uri.endswith("/a.rules")
    assert there.range.start == _pos(BOOK, "serious", "scale")
    [member] = session["definition_member"]
    assert member.range.start == _pos(BOOK, "serious", "scale")


def test_references_include_the_other_files(session):
    found = {(r.uri.rsplit("/", 1)[1], r.range.start.line) for r in session["references"]}
    assert found == {("a.rules", 1), ("a.rules", 10), ("b.rules", 1)}


def test_completion_of_members_names_and_keywords(session):
    members = {item.label for item in session["complete_member"].items}
    assert members == {"none", "serious", "especially_serious"}
    names = {item.label for item in session["complete_name"].items}
    assert {"amount", "limit", "level", "level_kind", "big"} <= names
    assert {"rule", "when", "then", "parameter", "overrides", "may"} <= names


def test_formatting_is_fmt(session):
    [edit] = session["formatting"]
    assert edit.new_text == format_text(MANGLED)
    assert edit.range.start == t.Position(0, 0)
    assert edit.range.end == t.Position(2, 0)


def test_a_broken_text_is_a_diagnostic_not_a_dead_server(session):
    [found] = session["broken"]
    assert found.code.startswith("E00")
    assert found.range.start.line == 0
    assert "limit" in session["hover_after_broken"].contents.value
    assert session["exit"] == 0


async def _unopened_session(folder) -> dict:
    """Every document request on documents never opened: a path that does not exist, an
    ``untitled:`` buffer, a device; and a rule file on disk that was not opened."""
    on_disk = folder / "a.rules"
    on_disk.write_text(BOOK, encoding="utf-8")
    client = LanguageClient("test", "1")
    cli = "import sys; from ruleengine.cli import main; sys.argv[0] = 'ruleengine'; main()"
    await client.start_io(sys.executable, "-c", cli, "lsp")
    out: dict = {}

    async def answer(request):
        try:
            return await asyncio.wait_for(request, 60)
        except Exception as err:  # noqa: BLE001 - what the server answered, to be compared
            return f"{type(err).__name__}: {err}"

    try:
        await client.initialize_async(
            t.InitializeParams(capabilities=t.ClientCapabilities(), root_uri=None)
        )
        client.initialized(t.InitializedParams())
        for uri in ("file:///nonexist/x.rules", "untitled:1", "file:///dev/zero", str(on_disk)):
            uri = from_fs_path(uri) if uri.startswith("/") else uri
            doc = t.TextDocumentIdentifier(uri=uri)
            at = _pos(BOOK, "limit", "when")
            out[uri] = [
                await answer(
                    client.text_document_hover_async(t.HoverParams(text_document=doc, position=at))
                ),
                await answer(
                    client.text_document_definition_async(
                        t.DefinitionParams(text_document=doc, position=at)
                    )
                ),
                await answer(
                    client.text_document_references_async(
                        t.ReferenceParams(
                            text_document=doc,
                            position=at,
                            context=t.ReferenceContext(include_declaration=True),
                        )
                    )
                ),
                await answer(
                    client.text_document_completion_async(
                        t.CompletionParams(text_document=doc, position=at)
                    )
                ),
                await answer(
                    client.text_document_formatting_async(
                        t.DocumentFormattingParams(
                            text_document=doc,
                            options=t.FormattingOptions(tab_size=2, insert_spaces=True),
                        )
                    )
                ),
            ]
        await client.shutdown_async(None)
        client.exit(None)
        out["exit"] = await asyncio.wait_for(client._server.wait(), 30)
        out["stderr"] = (await client._server.stderr.read()).decode()
    finally:
        await client.stop()
    return out


def test_a_request_on_a_document_never_opened_answers_null(tmp_path):
    """qa8 (E4): hover or definition on ``file:///nonexist/x.rules`` or ``untitled:1`` was a
    JSON-RPC error (pygls read the path itself: FileNotFoundError) and a line of log. LSP
    answers such a request null, nothing to show; a rule file on disk not opened is read
    (as a rule file is: a device is not) and answered."""
    out = asyncio.run(_unopened_session(tmp_path))
    assert out.pop("exit") == 0
    assert out.pop("stderr") == ""
    on_disk = out.pop(from_fs_path(str(tmp_path / "a.rules")))
    assert out == {uri: [None] * 5 for uri in out} and len(out) == 3, out
    hover, definition, references, completion, formatting = on_disk
    assert "the limit" in hover.contents.value and definition and references
    assert completion.items and formatting is not None


def test_a_malformed_message_is_one_line_of_log_not_a_traceback():
    import subprocess

    cli = "import sys; from ruleengine.cli import main; sys.argv[0] = 'ruleengine'; main()"
    done = subprocess.run(
        [sys.executable, "-c", cli, "lsp"],
        input=b"Content-Length: 2\r\n\r\n{]",
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert b"Traceback" not in done.stderr
    assert b"ruleengine lsp: ERROR: Unable to handle message" in done.stderr


def _frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _replies(stdout: bytes) -> list[dict]:
    parts = stdout.split(b"Content-Length: ")[1:]
    return [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in parts]


def _raw_session(stdin: bytes, env: dict | None = None):
    import os
    import subprocess

    cli = "import sys; from ruleengine.cli import main; sys.argv[0] = 'ruleengine'; main()"
    return subprocess.run(
        [sys.executable, "-c", cli, "lsp"],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


_INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {}}}  # fmt: skip
_SHUTDOWN = {"jsonrpc": "2.0", "id": 99, "method": "shutdown"}
_EXIT = {"jsonrpc": "2.0", "method": "exit"}


def _frames(*messages) -> bytes:
    return b"".join(m if isinstance(m, bytes) else _frame(json.dumps(m).encode()) for m in messages)


def test_a_message_announced_too_long_is_dropped_in_bounded_memory():
    """A header announcing a terabyte made pygls allocate it: MemoryError, exit 70 (sixth QA
    round). A body past the bound is read in chunks and dropped; the next message is answered."""
    from ruleengine.lsp import transport

    huge = _raw_session(_frames(_INIT, b"Content-Length: 1000000000000\r\n\r\n{}"))
    assert huge.returncode == 0 and b"Traceback" not in huge.stderr, huge.stderr
    assert b"1000000000000 bytes is longer than" in huge.stderr
    size = transport.MAX_MESSAGE + 10
    long = b"Content-Length: %d\r\n\r\n" % size + b" " * size
    done = _raw_session(_frames(_INIT, long, _SHUTDOWN, _EXIT))
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"longer than" in done.stderr and b"dropped" in done.stderr
    assert {"id": 99, "jsonrpc": "2.0", "result": None} in _replies(done.stdout)
    # Nothing for the editor to show: the dropped message was read as a "$/" notification,
    # not as "null" ("Error in server: 'NoneType' object has no attribute 'jsonrpc'").
    assert b"showMessage" not in done.stdout


def test_a_change_to_a_document_never_opened_is_let_go_without_an_error_popup():
    """A seventh QA round: ``didChange`` of a document never opened showed the editor "Error
    in server: KeyError"; it is ignored, one line in the log, and the server answers on."""
    change = {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": "file:///nowhere/v.rules", "version": 2},
        "contentChanges": [{"text": "input x: count\n"}]}}  # fmt: skip
    done = _raw_session(_frames(_INIT, change, _SHUTDOWN, _EXIT))
    assert done.returncode == 0, done.stderr
    assert b"showMessage" not in done.stdout
    assert {"id": 99, "jsonrpc": "2.0", "result": None} in _replies(done.stdout)
    said = b"WARNING: a change to file:///nowhere/v.rules, which is not open: ignored\n"
    assert done.stderr == b"ruleengine lsp: " + said


def test_a_failed_request_answers_one_line_without_the_traceback():
    """pygls put the Python traceback in a failed request's error data, which editors show
    (a request before ``initialize`` fails: the workspace does not exist yet)."""
    hover = {"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover",
             "params": {"textDocument": {"uri": "file:///nonexist/x.rules"},
                        "position": {"line": 0, "character": 0}}}  # fmt: skip
    done = _raw_session(_frames(hover, _INIT, _SHUTDOWN, _EXIT))
    [error] = [r["error"] for r in _replies(done.stdout) if r.get("id") == 7]
    assert error["code"] == -32603 and "\n" not in error["message"], error
    assert not error.get("data")
    assert b"Traceback" not in done.stderr


#: The server with a check that never ends: it says it started (a file), then waits forever.
_STUCK = """\
import pathlib, sys, threading
import ruleengine.lsp.server as s
def stuck(*args):
    pathlib.Path(sys.argv[1]).touch()
    threading.Event().wait()
s.analyze = stuck
s.main()
"""


async def _stuck_session(folder) -> dict:
    started = folder / "started"
    book = folder / "a.rules"
    book.write_text(BOOK, encoding="utf-8")
    uri = from_fs_path(str(book))
    client = LanguageClient("test", "1")
    await client.start_io(sys.executable, "-c", _STUCK, str(started))
    out: dict = {}
    try:
        await client.initialize_async(
            t.InitializeParams(
                capabilities=t.ClientCapabilities(), root_uri=from_fs_path(str(folder))
            )
        )
        client.initialized(t.InitializedParams())
        item = t.TextDocumentItem(uri=uri, language_id="ruleengine", version=1, text=BOOK)
        client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=item))
        for _ in range(600):  # the check is in flight (a minute at most)
            if started.exists():
                break
            await asyncio.sleep(0.1)
        out["started"] = started.exists()
        # A request that needs the check in flight waits for it, without holding the others.
        hover = asyncio.ensure_future(
            client.text_document_hover_async(
                t.HoverParams(
                    text_document=t.TextDocumentIdentifier(uri=uri),
                    position=_pos(BOOK, "limit", "when"),
                )
            )
        )
        await asyncio.wait_for(client.shutdown_async(None), 30)
        out["shutdown"] = True
        client.exit(None)
        out["exit"] = await asyncio.wait_for(client._server.wait(), 30)
        hover.cancel()
    finally:
        if client._server is not None and client._server.returncode is None:
            client._server.kill()
        await client.stop()
    return out


def test_shutdown_and_exit_are_answered_while_a_check_is_in_flight(tmp_path):
    """QA, issue 7: with a large text being checked, the server answered exit once the check
    ended (seconds), and a hover before the first check made the check on the protocol's
    thread, holding shutdown. Here the check never ends: shutdown is answered and exit ends
    the server all the same."""
    out = asyncio.run(_stuck_session(tmp_path))
    assert out == {"started": True, "shutdown": True, "exit": 0}


def test_exit_before_shutdown_is_exit_code_1_as_the_spec_says():
    """A seventh QA round: ``exit`` without ``shutdown`` ended the server with 0; the LSP
    spec asks 1 (the editor did not end it in order). Closed input alone stays 0."""
    assert _raw_session(_frames(_INIT, _SHUTDOWN, _EXIT)).returncode == 0
    assert _raw_session(_frames(_INIT, _EXIT)).returncode == 1
    assert _raw_session(_frames(_INIT)).returncode == 0
