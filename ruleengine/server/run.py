"""``POST /rulebooks/{name}/run``: JSON Lines in, JSON Lines out, each answer sent as soon
as its case is decided, the body read as it arrives (never held whole).

A raw ASGI endpoint: the service reads the request and writes the response in one loop,
so a client that goes away is seen at its next read or write and ends the batch there:
nothing more is decided for it. One line out for each case in: ``{"line": N, "rows": [...]}``
(the rows ``ruleengine run`` writes for that line, one per person: each line is decided by
the batch package's own ``decide_chunk``) or ``{"line": N, "error": ...}`` (the reason
``run`` gives in its errors file); a bad line costs only its own answer. A batch past the
service's line or size limit ends with one line ``{"error": ...}``. Blank lines are skipped.
"""

from __future__ import annotations

import asyncio
import collections
import json

from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import cli
from ..facts import MAX_FACTS_BYTES
from . import service
from .app import BodyTooLarge
from .service import ServiceError

MEDIA_TYPE = "application/x-ndjson"
#: Bytes of the body read ahead of the case being decided, at most (and one message more).
READ_AHEAD = 256 * 1024


class Disconnected(Exception):
    pass


class _ReadAhead:
    """Reads the body in a task of its own, a bounded amount ahead, so a client that leaves
    is seen while its cases are still being decided (the reader waits in ``receive``, which
    answers ``http.disconnect`` at once), not only when the batch asks for more."""

    def __init__(self, receive, limit: int):
        self.receive, self.limit = receive, limit
        self.chunks: collections.deque[bytes] = collections.deque()
        self.size = 0
        self.done = self.gone = False
        self.error: BaseException | None = None
        self.changed = asyncio.Event()
        self.room = asyncio.Event()
        self.room.set()

    async def pump(self) -> None:
        try:
            while True:
                await self.room.wait()
                message = await self.receive()
                if message["type"] == "http.disconnect":
                    self.gone = True
                    return
                body = message.get("body", b"")
                if body:
                    self.chunks.append(body)
                    self.size += len(body)
                    if self.size >= self.limit:
                        self.room.clear()
                    self.changed.set()
                if not message.get("more_body", False):
                    return
        except BodyTooLarge as err:
            self.error = err
        finally:
            self.done = True
            self.changed.set()

    async def next(self) -> bytes | None:
        """The next piece of the body; None at its end. Raises ``Disconnected`` when the
        client left, ``ServiceError`` when the body is past the size limit."""
        while not self.chunks:
            if self.gone:
                raise Disconnected()
            if self.error is not None:
                raise self.error
            if self.done:
                return None
            self.changed.clear()
            await self.changed.wait()
        chunk = self.chunks.popleft()
        self.size -= len(chunk)
        if self.size < self.limit:
            self.room.set()
        return chunk


def batch_context(app, e):
    """The batch package's context for a served rulebook, built once (its results'
    columns, its input adapters) and kept as long as the service."""
    contexts = app.state.batch_contexts
    if e.name not in contexts:
        contexts[e.name] = service.batch_context(e.book, app.state.library.pm, e.name)
    return contexts[e.name]


def _line(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")


class RunEndpoint:
    """An ASGI app (Starlette calls a plain function with a request instead)."""

    async def __call__(self, scope, receive, send) -> None:
        await run(scope, receive, send)


async def run(scope, receive, send) -> None:
    from .api import entry

    request = Request(scope, receive)
    app = scope["app"]
    try:
        if request.method != "POST":
            raise ServiceError(405, cli.EXIT_USAGE, "use POST", kind="method_not_allowed")
        e = entry(request, request.path_params["name"])
    except ServiceError as err:
        return await JSONResponse(err.to_json(), status_code=err.status)(scope, receive, send)
    settings, runner = app.state.settings, app.state.run
    max_line = min(settings.max_body, MAX_FACTS_BYTES)
    started = False

    async def write(data: bytes) -> None:
        nonlocal started
        if not started:
            headers = [(b"content-type", MEDIA_TYPE.encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            started = True
        try:
            await send({"type": "http.response.body", "body": data, "more_body": True})
        except OSError:  # the client went away while we wrote
            raise Disconnected() from None

    ahead = _ReadAhead(receive, READ_AHEAD)
    pump = asyncio.ensure_future(ahead.pump())

    async def chunks():
        while True:
            try:
                chunk = await ahead.next()
            except BodyTooLarge:
                raise ServiceError(
                    413,
                    cli.EXIT_BAD_FACTS,
                    f"the batch is larger than the service's limit of {settings.max_body:,} bytes",
                    kind="too_large",
                ) from None
            if chunk is None:
                return
            yield chunk

    context = batch_context(app, e)

    def answer(number, text, problem) -> bytes:
        return _line(service.run_line(context, number, text, problem))

    async def one(number: int, raw: bytes, count: int) -> None:
        if count > settings.max_lines:
            raise ServiceError(
                413,
                cli.EXIT_USAGE,
                f"the batch has more than the service's limit of {settings.max_lines:,} cases",
                kind="too_many_lines",
            )
        if ahead.gone:  # the client left: nothing more is decided for it
            raise Disconnected()
        try:
            text, problem = raw.decode("utf-8-sig" if number == 1 else "utf-8"), None
            text = text.rstrip("\r")
        except UnicodeDecodeError as err:
            text, problem = None, f"not UTF-8 text (byte {err.start + 1})"
        try:
            await write(await runner(answer, number, text, problem))
        except ServiceError as err:  # this case ran past the time limit
            await write(_line({"line": number, **err.to_json()}))

    number = count = 0
    pending = b""
    try:
        async for chunk in chunks():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                number += 1
                if raw.strip():
                    count += 1
                    await one(number, raw, count)
            if len(pending) > max_line:
                raise ServiceError(
                    413,
                    cli.EXIT_BAD_FACTS,
                    f"line {number + 1}: longer than {max_line:,} bytes",
                    kind="too_large",
                )
        if pending.strip():
            await one(number + 1, pending, count + 1)
        if not started:
            await write(b"")
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except Disconnected:
        return  # nothing more is decided or sent for a client that left
    except ServiceError as err:
        if not started:
            response = JSONResponse(err.to_json(), status_code=err.status)
            return await response(scope, receive, send)
        try:
            await write(_line(err.to_json()))
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except Disconnected:
            return
    finally:
        pump.cancel()
