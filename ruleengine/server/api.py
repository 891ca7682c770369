"""The JSON routes: rulebooks, eval, explain, whatif, run (JSON Lines, streamed), and the
rule texts a client may post when the service allows them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from .. import cli
from . import service
from .service import ServiceError, guarded

router = APIRouter()

Lang = Annotated[
    str,
    Query(
        pattern="^(en|zh)$",
        description="Language of labels, and of an error's message beside its English: en or zh.",
    ),
]
AsOf = Annotated[str | None, Query(description="Judge the case as of this date (YYYY-MM-DD).")]


#: The query parameters that may be given more than once (``vary``: one or two facts).
REPEATABLE = frozenset({"vary"})


def entry(request: Request, name: str):
    """The rulebook served under ``name``, or 404 as the command line says it. A query
    parameter given twice (``?as_of=A&as_of=B``) is refused: the last was taken, unsaid."""
    keys = [k for k, _ in request.query_params.multi_items() if k not in REPEATABLE]
    twice = next((k for k in keys if keys.count(k) > 1), None)
    if twice is not None:
        message = f"the query parameter {twice!r} is given more than once: which was meant?"
        raise ServiceError(400, cli.EXIT_USAGE, message)
    books = request.app.state.library.books
    if name not in books:
        import difflib

        close = difflib.get_close_matches(name, list(books), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ServiceError(
            404, cli.EXIT_BAD_RULES, f"no rulebook named '{name}'{hint}", kind="unknown_rulebook"
        )
    return books[name]


async def case_of(request: Request) -> Any:
    """The request's body, read as a facts file is."""
    return guarded(service.parse_body, await request.body())


@router.get("/rulebooks", tags=["rulebooks"])
async def list_rulebooks(request: Request, lang: Lang = "en") -> list[dict]:
    """The rulebooks this service serves, each titled in ``lang`` as its pages are."""
    return [
        {"name": e.name, "title": e.title_in(lang), "origin": e.origin}
        for e in request.app.state.library.books.values()
    ]


@router.get("/rulebooks/{name}", tags=["rulebooks"])
async def rulebook(request: Request, name: str, lang: Lang = "en") -> dict:
    """A rulebook's rules with their citations and titles, and the facts' JSON Schema."""
    from ..render.explanation import citation, local
    from ..schema import facts_schema

    e = entry(request, name)
    rb = e.book.rulebook
    return {
        "name": e.name,
        "title": e.title_in(lang),
        "rules": [
            {
                "name": rule_name,
                "citation": citation(rb, rule_name, lang),
                "title": local(rule.title, lang),
                "in_force_from": rule.in_force_from and str(rule.in_force_from),
                "in_force_until": rule.in_force_until and str(rule.in_force_until),
            }
            for rule_name, rule in rb.rules.items()
        ],
        "conclusions": list(rb.conclusions),
        "facts_schema": facts_schema(rb, lang),
    }


@router.post("/rulebooks/{name}/eval", tags=["cases"])
async def eval_case(request: Request, name: str, as_of: AsOf = None, lang: Lang = "en") -> Any:
    """The decision only, as ``ruleengine eval --format json``; ``lang`` is the language of
    its error (``app.error_response``), if any."""
    e = entry(request, name)
    data = await case_of(request)
    lib = request.app.state.library
    return await request.app.state.run(guarded, service.evaluate, e.book, lib.pm, name, data, as_of)


@router.post(
    "/rulebooks/{name}/explain",
    tags=["cases"],
    responses={200: {"content": {"text/markdown": {}, "text/html": {}}}},
)
async def explain_case(
    request: Request,
    name: str,
    as_of: AsOf = None,
    lang: Lang = "en",
    whatif: Annotated[bool, Query(description="Also what would change the outcome.")] = False,
):
    """The decision explained: JSON (the trace, docs/trace.md), Markdown or HTML, by the
    Accept header."""
    e = entry(request, name)
    data = await case_of(request)
    lib = request.app.state.library
    found = await request.app.state.run(
        guarded, service.traces, e.book, lib.pm, name, data, as_of, whatif
    )
    accept = request.headers.get("accept", "")
    if "text/markdown" in accept:
        text = guarded(service.explain_markdown, lib.pm, found, lang)
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
    if "text/html" in accept:
        from .pages import explanation_html

        return HTMLResponse(explanation_html(request, e, found, lang))
    return JSONResponse(guarded(service.explain_json, found))


@router.post("/rulebooks/{name}/whatif", tags=["cases"])
async def whatif_case(
    request: Request,
    name: str,
    as_of: AsOf = None,
    vary: Annotated[
        list[str] | None,
        Query(description="FIELD or FIELD=LOW..HIGH, once or twice; none: the smallest changes."),
    ] = None,
    lang: Lang = "en",
) -> Any:
    """Where along one fact (or two) the outcome changes; with no ``vary``, the smallest
    changes of the facts that move each conclusion (docs/whatif.md). ``lang``: the language
    of its error, if any."""
    e = entry(request, name)
    data = await case_of(request)
    lib = request.app.state.library
    return await request.app.state.run(
        guarded, service.whatif, e.book, lib.pm, name, data, as_of, vary or []
    )


# ------------------------------------------------------------------ rule texts in a request
#: The keys of a posted rule text's body (``check`` reads only the first).
RULE_TEXT_KEYS = ("rules", "case")


def unknown_keys(body: dict) -> None:
    """A key of the body other than ``rules`` and ``case`` is refused (400) and named, with a
    did-you-mean, as the command line names an unknown key of a case file: ignored, a
    ``"cases"`` or ``"as_of"`` beside the case would leave the client believing it was read."""
    import difflib

    from ..facts import FactProblem, Said, did_you_mean

    problems = []
    for key in body:
        if key not in RULE_TEXT_KEYS:
            close = difflib.get_close_matches(str(key), RULE_TEXT_KEYS, n=1)
            keys = "'rules' and 'case'"
            hint = (
                did_you_mean(close[0])
                if close
                else Said(f"the body has {keys}", f"请求体的键为 {keys}")
            )
            problems.append(
                FactProblem.said(
                    str(key), Said("unknown field of the body", "请求体的未知字段"), hint
                )
            )
    if problems:
        listed = "\n".join(f"  - {p.render()}" for p in problems)
        zh = "\n".join(f"  - {p.render('zh')}" for p in problems)
        raise ServiceError(
            400,
            cli.EXIT_USAGE,
            f"<request>: not a valid rule text request:\n{listed}",
            problems,
            zh=f"<request>：不是有效的规则文本请求：\n{zh}",
        )


@router.post("/rules/{action}", tags=["rule texts"])
async def posted_rules(request: Request, action: str, as_of: AsOf = None) -> Any:
    """Only when the service was started with ``--allow-rule-texts``: a rule text checked
    (``check``), or a case decided or explained under it, the body being
    ``{"rules": TEXT, "case": {...}}``. The text is checked under the limits of a rule file
    and of this service's body size and time."""
    from ..loader import MAX_RULE_FILE_BYTES
    from .library import adhoc_rulebook

    if action not in ("check", "eval", "explain"):
        raise ServiceError(404, cli.EXIT_USAGE, f"no action '{action}': check, eval or explain")
    if not request.app.state.settings.allow_rule_texts:
        raise ServiceError(
            403,
            cli.EXIT_USAGE,
            "this service takes rule texts only from its "
            "plugins and start-up paths (start it with --allow-rule-texts to "
            "accept them)",
            kind="rule_texts_refused",
        )
    body = await case_of(request)
    text = body.get("rules") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise ServiceError(400, cli.EXIT_USAGE, "give the rule text as a string under 'rules'")
    unknown_keys(body)
    if action != "check" and "case" not in body:
        raise ServiceError(400, cli.EXIT_USAGE, "give the case under 'case'")
    if len(text.encode("utf-8", "replace")) > MAX_RULE_FILE_BYTES:
        raise ServiceError(
            413,
            cli.EXIT_BAD_RULES,
            f"a rule text larger than {MAX_RULE_FILE_BYTES:,} bytes",
            kind="too_large",
        )
    lib = request.app.state.library
    run = request.app.state.run
    book = await run(guarded, adhoc_rulebook, text, lib.pm)
    if action == "check":
        warnings = book.rulebook.warnings
        return {"ok": True, "diagnostics": [d.to_json() for d in warnings]}
    name = book.rulebook.name
    if action == "eval":
        return await run(guarded, service.evaluate, book, lib.pm, name, body["case"], as_of)
    found = await run(guarded, service.traces, book, lib.pm, name, body["case"], as_of, False)
    return guarded(service.explain_json, found)
