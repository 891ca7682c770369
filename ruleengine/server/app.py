"""The application: its settings and bounds, the token guard, the JSON errors, and the
OpenAPI document that carries each rulebook's facts schema."""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import cli
from ..stopping import stoppable
from .library import Library, load_library
from .service import ServiceError

#: The cookie a browser holds the token in once /login has checked it.
TOKEN_COOKIE = "ruleengine_token"


@attrs.frozen
class Settings:
    """The bounds of a service (docs/server.md), each a ``ruleengine serve`` option."""

    rules: tuple[Path, ...] = ()
    token: str | None = attrs.field(default=None, repr=False)  # never in a log
    allow_rule_texts: bool = False
    max_body: int = 10_000_000  # bytes of one request body
    max_lines: int = 100_000  # lines of one /run batch
    timeout: float = 30.0  # seconds for one request (for /run: for each of its cases)
    workers: int = 4  # threads that evaluate; requests beyond wait for one


class BodyTooLarge(Exception):
    pass


#: The routes that answer JSON (and their errors in JSON, whatever the client accepts);
#: every other address is a page, whose errors a browser gets as a page.
API_PREFIXES = ("/rulebooks", "/rules/", "/openapi.json", "/docs", "/redoc", "/static/")


def wants_page(scope) -> bool:
    """Whether an error should be answered as a page: a browser (it accepts HTML) on a
    page's address (the JSON routes keep their JSON errors)."""
    path = scope.get("path", "")
    if path.startswith(API_PREFIXES):
        return False
    accept = dict(scope.get("headers", ())).get(b"accept", b"")
    return b"text/html" in accept


def error_response(request: Request, error: ServiceError):
    """An error as the client reads it: a page for a browser on a page, else JSON."""
    if wants_page(request.scope):
        from .pages import error_page

        return error_page(request, error)
    lang = "zh" if request.query_params.get("lang") == "zh" else "en"  # as the pages read it
    return JSONResponse(error.to_json(lang), status_code=error.status)


class Runner:
    """Evaluation off the event loop, on a bounded pool of threads, under the time limit.

    A request waits at most the limit for a free thread (503 "busy" past it: no case of its
    own took too long), then has the limit to compute (504 past it). A request past its
    limit is answered at once and its thread is told to stop (``ruleengine.stopping``): the
    analyses end before their next decision, so slow requests do not hold the threads for
    the minutes their searches would take (a fifth QA round saw four such requests answer
    every later one, a trivial case too, "took longer" for more than 90 s)."""

    def __init__(self, settings: Settings):
        self.timeout = settings.timeout
        self.workers = settings.workers
        self.pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="ruleengine")
        self.free = threading.BoundedSemaphore(settings.workers)

    async def __call__(self, work, *args):
        loop = asyncio.get_running_loop()
        if not await self._thread(loop.time() + self.timeout):
            raise ServiceError(
                503,
                cli.EXIT_EVALUATION,
                f"the service is busy: its {self.workers} threads were computing other cases "
                f"for all of {self.timeout:g} s; try again shortly",
                kind="busy",
            )
        stop = threading.Event()
        future = self.pool.submit(_stoppable, stop, work, *args)
        future.add_done_callback(lambda _: self.free.release())
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            stop.set()
            raise ServiceError(
                504,
                cli.EXIT_EVALUATION,
                f"the case took longer than the service's limit of {self.timeout:g} s",
                kind="timeout",
            ) from None

    async def _thread(self, deadline: float) -> bool:
        """A free thread, waited for without blocking the event loop, until ``deadline``."""
        loop = asyncio.get_running_loop()
        while not self.free.acquire(blocking=False):
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True


def _stoppable(stop: threading.Event, work, *args):
    with stoppable(stop):
        return work(*args)


def create_app(settings: Settings | None = None, library: Library | None = None) -> FastAPI:
    settings = settings or Settings()
    library = library or load_library(list(settings.rules))
    app = _fastapi(
        title="ruleengine",
        summary="Legal rules as text: decisions and explanations with citations.",
        version="1",
        description="See docs/server.md. Errors carry the command line's exit codes.",
    )
    app.state.settings = settings
    app.state.library = library
    app.state.run = Runner(settings)
    app.state.recent = {}  # the pages' last results (pages.RECENT)
    app.state.batch_contexts = {}  # /run's deciding context per rulebook (run.batch_context)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, err: ServiceError):
        return error_response(request, err)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, err: BodyTooLarge):
        return error_response(request, _too_large(settings))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, err: RequestValidationError):
        """A query parameter that does not fit (``?lang=xx``, ``?whatif=maybe``): a usage
        error (400) in the service's own shape, as ``?as_of=2020-13-01`` is, not FastAPI's
        ``{"detail": ...}`` with 422, which means a case's facts here."""
        return error_response(request, ServiceError(400, cli.EXIT_USAGE, _parameters(err)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException):
        """Starlette's own errors (no such address, a method the route does not take): a
        page for a browser on a page, else the service's JSON error (not FastAPI's
        ``{"detail": ...}``), its headers (``Allow``) kept."""
        if wants_page(request.scope):
            from .pages import error_page

            kind = f"http_{err.status_code}"  # the page says it by its status
            error = ServiceError(err.status_code, cli.EXIT_USAGE, str(err.detail), kind=kind)
            return error_page(request, error)
        response = error_response(request, _routing_error(request, err))
        response.headers.update(err.headers or {})
        return response

    @app.exception_handler(Exception)
    async def bug(request: Request, err: Exception):  # never a traceback to the client
        error = ServiceError(
            500, cli.EXIT_INTERNAL, f"internal error: {type(err).__name__}; please report it"
        )
        return error_response(request, error)

    app.add_middleware(_Guard, settings=settings)

    from starlette.routing import Route

    from . import api, pages
    from .run import RunEndpoint

    app.router.routes.append(Route("/rulebooks/{name}/run", RunEndpoint(), methods=["POST"]))
    app.include_router(api.router)
    app.include_router(pages.router)
    pages.mount_static(app)
    app.openapi = lambda: _openapi(app)
    return app


def _fastapi(**kwargs) -> FastAPI:
    """The application, its interactive documentation (``/docs``, ``/redoc``) served from
    Swagger UI's and ReDoc's own files packaged by fastapi-offline (in the ``serve`` extra),
    so it works without the network; without that package, FastAPI's pages, which load
    them from a CDN."""
    try:
        from fastapi_offline import FastAPIOffline
    except ImportError:
        return FastAPI(**kwargs)
    return FastAPIOffline(**kwargs)


def _routing_error(request: Request, err: StarletteHTTPException) -> ServiceError:
    """No such address (404, ``not_found``), a method the address does not take (405,
    ``method_not_allowed``, naming those it takes), or another of Starlette's errors, as a
    usage error (exit 2) in the service's shape."""
    method, path = request.method, request.url.path
    if err.status_code == 404:
        message = f"no such address: {path} (the routes are listed at /docs)"
        zh = f"没有这个地址：{path}（路由列在 /docs）"
        return ServiceError(404, cli.EXIT_USAGE, message, kind="not_found", zh=zh)
    if err.status_code == 405:
        allowed = (err.headers or {}).get("Allow", "")
        message = f"{path} does not take {method}" + (f"; it takes {allowed}" if allowed else "")
        zh = f"{path} 不接受 {method}" + (f"；它接受 {allowed}" if allowed else "")
        return ServiceError(405, cli.EXIT_USAGE, message, kind="method_not_allowed", zh=zh)
    return ServiceError(
        err.status_code, cli.EXIT_USAGE, str(err.detail), kind=f"http_{err.status_code}"
    )


def _too_large(settings: Settings) -> ServiceError:
    return ServiceError(
        413,
        cli.EXIT_BAD_FACTS,
        f"the request body is larger than the service's limit of {settings.max_body:,} bytes",
        kind="too_large",
    )


class _Guard:
    """Raw ASGI middleware, before any route: the bearer token, then the body limit (by
    Content-Length at once, and by counting what arrives, for a body sent in chunks)."""

    def __init__(self, app, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.settings.token and not self._authorised(scope, headers):
            if "text/html" in headers.get("accept", "") and scope["method"] == "GET":
                response = RedirectResponse("/login", status_code=303)
            else:
                error = ServiceError(
                    401,
                    cli.EXIT_USAGE,
                    "give the service's token: Authorization: Bearer TOKEN",
                    kind="unauthorised",
                )
                response = error_response(Request(scope), error)
                response.headers["WWW-Authenticate"] = "Bearer"
            return await response(scope, receive, send)
        limit = self.settings.max_body
        length = headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > limit):
            response = error_response(Request(scope), _too_large(self.settings))
            return await response(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)

    def _authorised(self, scope, headers: dict) -> bool:
        if scope["path"] == "/login":
            return True
        token = self.settings.token.encode("utf-8")
        given = headers.get("authorization", "")
        if given[:7].lower() == "bearer ":
            return hmac.compare_digest(given[7:].strip().encode("utf-8", "replace"), token)
        for part in headers.get("cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == TOKEN_COOKIE:
                return hmac.compare_digest(value.encode("utf-8", "replace"), token)
        return False


def _openapi(app: FastAPI) -> dict:
    """FastAPI's document, with each rulebook's facts schema under components.schemas
    (``Facts.NAME``, its records as ``Facts.NAME.RECORD``) and the case routes' bodies."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from ..schema import facts_schema

    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    facts_refs = []
    for name, entry in app.state.library.books.items():
        schema = facts_schema(entry.book.rulebook)
        schema.pop("$schema", None)
        prefix = f"Facts.{name}"
        text = json.dumps(schema.pop("$defs", {}) | {"": schema})
        text = text.replace('"#/$defs/', f'"#/components/schemas/{prefix}.')
        for record, sub in json.loads(text).items():
            schemas[f"{prefix}.{record}" if record else prefix] = sub
        facts_refs.append({"$ref": f"#/components/schemas/{prefix}"})
    schemas["CaseFile"] = {
        "type": "object",
        "description": "A case file: the facts, and the date the case is judged at.",
        "properties": {
            "facts": {"anyOf": facts_refs} if facts_refs else {"type": "object"},
            "as_of": {"type": "string", "format": "date"},
            "id": {"type": "string"},
            "description": {"type": "string"},
            "expect": {"type": "object"},
        },
        "required": ["facts"],
        "additionalProperties": False,
    }
    body = {"anyOf": [{"$ref": "#/components/schemas/CaseFile"}, *facts_refs]}
    for path, item in doc.get("paths", {}).items():
        if path.startswith("/rulebooks/{name}/") and "post" in item:
            item["post"]["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body}},
            }
    from .run import __doc__ as run_doc

    doc["paths"]["/rulebooks/{name}/run"] = {
        "post": {
            "tags": ["cases"],
            "summary": "Run a batch",
            "description": run_doc,
            "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-ndjson": {"schema": body},
                },
            },
            "responses": {"200": {"description": "One JSON line per case."}},
        }
    }
    app.openapi_schema = doc
    return doc


def _parameters(err: RequestValidationError) -> str:
    """``lang: String should match pattern '^(en|zh)$', got 'xx'`` for each parameter."""
    from ..plugin_guards import shown

    parts = []
    for e in err.errors():
        where = ".".join(str(p) for p in e.get("loc", ())[1:]) or "request"
        got = f", got {shown(e['input'])}" if "input" in e else ""
        parts.append(f"{where}: {e.get('msg', 'not valid')}{got}")
    return "; ".join(parts)
