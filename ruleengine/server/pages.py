"""The explanation pages: the rulebooks, a rulebook's case form, the explained result, what
would change it (on request: its search costs seconds of CPU on a ccdi case, the result
none of it), a case loaded from and saved to a JSON file. Server-rendered (Jinja2); every
page works without script: a case travels as its fields, posted by the form, and in the URL
of a link while that stays short (``LINK_MAX``)."""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from .. import cli
from . import forms, service
from .api import entry
from .app import TOKEN_COOKIE
from .service import ServiceError, guarded
from .words import BY_STATUS, ERRORS, WORDS

HERE = Path(__file__).parent
router = APIRouter(include_in_schema=False)
templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every text from a case or a rule file is escaped
    undefined=jinja2.StrictUndefined,
)


def _error_words(request: Request, error: ServiceError, lang: str, name: str = ""):
    """``(kind, heading, [what happened, what to do])`` of an error, in ``lang``."""
    kind = error.kind if error.kind in ERRORS[lang] else BY_STATUS.get(error.status, "error")
    settings = request.app.state.settings
    values = {
        "limit": f"{settings.max_body:,}",
        "fields": f"{MAX_FIELDS:,}",
        "timeout": f"{settings.timeout:g}",
        "name": name,
    }
    head, *says = (text.format(**values) for text in ERRORS[lang][kind])
    return kind, head, says


def error_page(request: Request, error: ServiceError) -> HTMLResponse:
    """The page a browser gets for an error, in the page's language (``?lang=``; the pages'
    forms post to addresses that carry it, so it is known before the body is read): what
    happened and what to do, with the same status the JSON routes give."""

    lang = _lang(request)
    app = request.app
    m = re.match(r"^/book/([^/]+)", request.url.path)
    name = m.group(1) if m else ""
    kind, head, says = _error_words(request, error, lang, name)
    if kind == "unauthorised":
        back = (f"/login?lang={lang}", WORDS[lang]["login"])
    elif name in app.state.library.books and kind != "unknown_rulebook":
        back = (f"/book/{name}?lang={lang}", WORDS[lang]["back_form"])
    else:
        back = (f"/?lang={lang}", WORDS[lang]["back_home"])
    # The service's own message where the page's words are general (an unforeseen kind).
    detail = error.message if kind in ("error", "bad_request") else ""
    return _page(
        "error.html",
        lang,
        status=error.status,
        head=head,
        says=says,
        detail=detail,
        back=back[0],
        back_label=back[1],
    )


#: The longest link a page gives (bytes of its path and query). A way to a case past it (many
#: acts, several officials) is a button posting the case's fields instead: uvicorn's h11
#: refuses a request whose head passes 16 KiB, and browsers and proxies have limits of their
#: own; a short case keeps its links, which can be shared and bookmarked.
LINK_MAX = 8 * 1024


@dataclass(frozen=True)
class Go:
    """A way to a page with a case's fields: a link while it is short (and the page answers
    GET), else a button posting the fields (templates/_go.html)."""

    path: str
    fields: list[tuple[str, str]]
    post: bool = False  # the page answers POST only (the what-if)

    @property
    def action(self) -> str:
        """Where its button posts: the path, with the page's language in the query (so an
        error is answered in it before the body is read)."""
        lang = dict(self.fields).get("lang")
        return f"{self.path}?{urlencode({'lang': lang})}" if lang else self.path

    @property
    def link(self) -> str | None:
        url = f"{self.path}?{urlencode(self.fields)}" if self.fields else self.path
        return None if self.post or len(url.encode("utf-8")) > LINK_MAX else url


#: The most fields a posted case may have: the form gives every column of every row, some 31
#: fields a ccdi act, so Starlette's own default (1,000) is a ccdi case of some 30 acts. The
#: body limit (``--max-body``) bounds the request's size.
MAX_FIELDS = 200_000


#: Starlette's words for a form past its bounds (``starlette.formparsers``), as opposed to
#: one it cannot read.
_TOO_BIG = re.compile(r"^Too many|exceeded maximum size")


async def _fields(request: Request) -> dict[str, str]:
    """The fields a page was given: its query, and for a POST its form (which wins)."""
    from starlette.exceptions import HTTPException

    fields = dict(request.query_params)
    if request.method == "POST":
        try:
            form = await request.form(max_fields=MAX_FIELDS)
        except HTTPException as err:  # past MAX_FIELDS, a field past 1 MB, or not a form
            if not _TOO_BIG.search(str(err.detail)):
                message = f"the posted form cannot be read: {err.detail}"
                raise ServiceError(400, cli.EXIT_USAGE, message) from None
            message = f"the posted form is larger than the pages take: {err.detail}"
            raise ServiceError(413, cli.EXIT_BAD_FACTS, message, kind="too_large") from None
        posted = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        _given_once(posted)
        fields.update(posted)
    _given_once(request.query_params.multi_items())
    return fields


def _given_once(fields: list[tuple[str, str]]) -> None:
    """A field given twice, or a fact given both with and without its ``f.``, is refused:
    the last one was taken, so ``f.credit_items=60&f.credit_items=6`` decided on 6 with no
    word (a seventh QA round). A browser never sends one twice; a crafted post may."""
    seen: set[str] = set()
    for key, _ in fields:
        if key.startswith("f."):
            twin = key[2:]
        elif key.startswith("p.") or key in forms.CONTROLS:
            twin = None
        else:  # a fact posted without its f. (read as the fact: docs/server.md)
            twin = f"f.{key}"
        if key in seen or twin in seen:
            message = f"the field {key!r} is given more than once: which value was meant?"
            raise ServiceError(400, cli.EXIT_USAGE, message)
        seen.add(key)


def mount_static(app) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _lang(request: Request) -> str:
    return "zh" if request.query_params.get("lang") == "zh" else "en"


def _page(name: str, lang: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("switch", None)
    context.setdefault("printing", False)
    html = templates.get_template(name).render(lang=lang, w=WORDS[lang], **context)
    return HTMLResponse(html, status_code=status)


def _switch(request: Request, lang: str, fields=None, post: bool = False, path=None) -> Go:
    """This page (or ``path``) in the other language, with its case's ``fields`` (else its
    query)."""
    if fields is None:
        fields = request.query_params.multi_items()
    other = [(k, v) for k, v in fields if k != "lang"]
    lang_field = ("lang", "en" if lang == "zh" else "zh")
    return Go(path or request.url.path, [lang_field, *other], post)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request):
    lang = _lang(request)
    books = request.app.state.library.books.values()
    return _page("index.html", lang, books=books, switch=_switch(request, lang))


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request):
    return _page("login.html", _lang(request), failed=False)


@router.post("/login")
async def login(request: Request):
    """With ``--token-file``, a browser gives the token once; it is kept in a cookie that
    only this site's own requests send."""
    import hmac

    token = request.app.state.settings.token
    form = await request.form()
    given = str(form.get("token", ""))
    if token and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response
    return _page("login.html", _lang(request), status=401, failed=True)


def _form_page(
    request,
    e,
    case,
    lang,
    errors=None,
    message="",
    status=200,
    more="",
    path=None,
    said=None,
    translated=False,
):
    """The form; ``message`` the engine's, ``translated`` when it is in the page's language
    (a mistake in the facts under zh), not in the English of the original."""
    rb = form_book(request, e)
    query = forms.to_query(rb, case, lang)
    return _page(
        "form.html",
        lang,
        status=status,
        entry=e,
        form=forms.build_form(rb, case, lang, errors or {}, more),
        case=case,
        persons_key=case.persons_key or _persons_key(e),
        extra=json.dumps(case.extra, ensure_ascii=False) if case.extra else "",
        case_extra=json.dumps(case.case_extra, ensure_ascii=False) if case.case_extra else "",
        message=message,
        marked=bool(errors),
        said=said,  # (heading, [lines]) in the page's language, for the message
        translated=translated,
        save=Go(f"/book/{e.name}/case.json", query),
        switch=_switch(request, lang, query, path=path),
    )


@functools.lru_cache(maxsize=64)
def _examples_key(folder: Path | None) -> str | None:
    """The key the rulebook's own examples list persons under, if one does."""
    if folder is None:
        return None
    for path in sorted(folder.glob("*.json"))[:200]:
        try:
            if path.stat().st_size > 1_000_000:
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        data = data.get("facts", data) if isinstance(data, dict) else None
        for key in forms.PERSON_LISTS:
            if isinstance(data, dict) and isinstance(data.get(key), list):
                return key
    return None


def _persons_key(e) -> str:
    """What a case's persons are called: as the plugin says (``RuleSource.persons``: the
    CCDI plugin's ``officials``), else as its examples call them (a checkout's examples
    folder; an installed plugin may have none), else ``subjects``."""
    return e.persons or _examples_key(e.examples) or "subjects"


_FORM_BOOKS: dict[int, tuple[Any, forms.FormBook]] = {}


def form_book(request: Request, e) -> forms.FormBook:
    """The served rulebook with the fields its input adapters read, kept as long as the
    service (the form's help is worked out once per rulebook)."""
    if id(e) not in _FORM_BOOKS:
        from ..plugins import input_adapters

        adapters = input_adapters(request.app.state.library.pm, e.name)
        _FORM_BOOKS[id(e)] = (e, forms.FormBook(e.book.rulebook, adapters))
    return _FORM_BOOKS[id(e)][1]


def _edited(request: Request, e, form: dict) -> tuple[Any, str]:
    """The case of a form and what its button asked: ``more`` (a row: ``f.acts``,
    ``p.1.acts``; a person: ``persons``) or ``drop`` (``f.acts.2``, ``p.1``)."""
    case = forms.read_form(form_book(request, e), form)
    more = form.get("more", "")
    if more == "persons":
        forms.add_person(e.book.rulebook, case, case.persons_key or _persons_key(e))
    if form.get("drop"):
        forms.drop(case, form["drop"])
    return case, more


@router.api_route("/book/{name}", methods=["GET", "POST"], response_class=HTMLResponse)
async def case_form(request: Request, name: str):
    """The form, empty or with a case (a link's, or posted by its add and remove buttons)."""
    e = entry(request, name)
    fields = await _fields(request)
    case, more = _edited(request, e, fields)
    return _form_page(request, e, case, "zh" if fields.get("lang") == "zh" else "en", more=more)


#: The last few cases explained, kept so that switching the language of a result (or going
#: back to it) does not decide it and search its what-ifs again.
RECENT = 16


async def _explained(request: Request, e, case, whatif: bool) -> list:
    """``[(person, trace)]`` of a case, with what would change it when asked."""
    key = (e.name, case.as_of, json.dumps(case.record(), sort_keys=True), whatif)
    recent = request.app.state.recent
    found = recent.get(key)
    if found is None:
        lib = request.app.state.library
        found = await request.app.state.run(
            guarded, service.traces, e.book, lib.pm, e.name, case.record(), case.as_of, whatif
        )
        recent[key] = found
        while len(recent) > RECENT:
            recent.pop(next(iter(recent)))
    return found


@router.api_route("/book/{name}/result", methods=["GET", "POST"], response_class=HTMLResponse)
async def result(request: Request, name: str):
    """The explained result at once; what would change it is a button away. The form posts
    its case (any size within the body limit); GET serves links and bookmarks."""
    return await _result(request, name, await _fields(request), whatif=False)


@router.post("/book/{name}/whatif", response_class=HTMLResponse)
async def whatif(request: Request, name: str):
    """The result with what would change it: each change the analysis found (and checked
    by deciding the case again), as a link re-running the case with it."""
    return await _result(request, name, await _fields(request), whatif=True)


@router.api_route("/book/{name}/print", methods=["GET", "POST"], response_class=HTMLResponse)
async def print_view(request: Request, name: str):
    """The result laid out for paper, with no script needed: the page in the print
    stylesheet (the result page uses it when printed too), the case's fields in its link or
    its button's post (``whatif=1``: with what would change it, from the recent cache)."""
    fields = await _fields(request)
    return await _result(request, name, fields, fields.get("whatif") == "1", printing=True)


async def _result(request: Request, name: str, form: dict, whatif: bool, printing=False):
    e = entry(request, name)
    lang = "zh" if form.get("lang") == "zh" else "en"
    if form.get("more") or form.get("drop"):  # a button of the form: add or remove
        case, more = _edited(request, e, form)
        return _form_page(request, e, case, lang, more=more)
    rb = form_book(request, e)
    case = forms.read_form(rb, form)
    try:
        found = await _explained(request, e, case, whatif)
    except ServiceError as err:
        said = _error_words(request, err, lang)[1:] if err.kind in ("timeout", "busy") else None
        errors = _errors(case, err)
        message, translated = err.text(lang), lang == "zh" and bool(err.zh)
        return _form_page(
            request, e, case, lang, errors, message, err.status, said=said, translated=translated
        )
    people = [
        _person(e, label, trace, found, case, k, lang, rb if whatif else None)
        for k, (label, trace) in enumerate(found)
    ]
    query = forms.to_query(rb, case, lang)
    shown = [*query, ("whatif", "1")] if whatif else query
    back = Go(f"/book/{name}/whatif", query, post=True) if whatif else None
    return _page(
        "result.html",
        lang,
        entry=e,
        as_of=case.as_of,
        people=people,
        edit=Go(f"/book/{name}", query),
        save=Go(f"/book/{name}/case.json", query),
        print=Go(f"/book/{name}/print", shown, post=whatif),
        back=back or Go(f"/book/{name}/result", query),
        ask=None if whatif or printing else Go(f"/book/{name}/whatif", query, post=True),
        whatif=whatif,
        printing=printing,
        switch=_switch(request, lang, shown if printing else query, post=whatif),
    )


def _errors(case, err: ServiceError) -> dict[str, str]:
    """The problems of an error keyed as the form's fields are: ``f.PATH``, or ``p.K.PATH``
    for the person the message names (``officials[1] (B): ...``)."""

    prefix = "f."
    m = re.search(r"\b(?:officials|subjects)\[(\d+)\]", err.message)
    if case.persons_key and m:
        prefix = f"p.{m.group(1)}."
    return {prefix + p.path: p.message for p in err.problems}


@router.post("/book/{name}/load")
async def load_case(request: Request, name: str):
    """A case file uploaded from the form: its facts fill the form."""
    e = entry(request, name)
    lang = _lang(request)
    form = await request.form()
    upload = form.get("case")
    raw = await upload.read() if hasattr(upload, "read") else str(upload or "").encode()
    try:
        data = guarded(service.parse_body, raw, getattr(upload, "filename", None) or "<file>")
    except ServiceError as err:
        form_path = f"/book/{name}"
        return _form_page(
            request,
            e,
            forms.Case(),
            lang,
            message=err.text(lang),
            status=422,
            path=form_path,
            translated=lang == "zh" and bool(err.zh),
        )
    case = forms.split_case(form_book(request, e), data)
    link = Go(f"/book/{name}", forms.to_query(form_book(request, e), case, lang)).link
    if link is None:  # a case too long for a URL: its form at once (reloading posts again)
        return _form_page(request, e, case, lang, path=f"/book/{name}")
    return RedirectResponse(link, status_code=303)


@router.api_route("/book/{name}/case.json", methods=["GET", "POST"])
async def save_case(request: Request, name: str):
    """The case on the form as a case file, to keep and load again (or give to ``ruleengine
    explain``)."""
    e = entry(request, name)
    case = forms.read_form(form_book(request, e), await _fields(request))
    return JSONResponse(
        case.file(), headers={"Content-Disposition": f'attachment; filename="{name}-case.json"'}
    )


# ------------------------------------------------------------------ the explained result
def _person(e, label: str, trace, found, case, k: int, lang: str, whatif=None) -> dict:
    """One person's explanation; with ``whatif`` (the form's book), what would change it."""
    from ..render.explanation import build, local, show_value

    rb = e.book.rulebook
    explanation = build(trace, lang, show_text=True)
    given = case.facts if not case.persons_key else {**case.facts, **case.persons[k]}
    used = []
    for name, spec in rb.inputs.items():
        if name in trace.facts and not isinstance(trace.facts[name], (list, tuple)):
            shown = show_value(trace.facts[name], spec.type, lang)
            used.append((local(spec.label, lang, name), shown, name in given))
    return {
        "label": cli._person_heading(label, found, lang) if label else "",
        "headline": explanation.headline,
        "subtitle": explanation.subtitle,
        "sections": [s for s in explanation.sections if not _is_changes(s, lang)],
        "facts": used,
        "changes": _changes(e, whatif, trace, case, k, lang) if whatif else [],
    }


def _is_changes(section, lang: str) -> bool:
    from ..render.whatif import word

    return section.title == word("changes", lang)


def _changes(e, fb, trace, case, k: int, lang: str) -> list[dict]:
    """Each verified change of the facts, once, with every outcome it moves (a change that
    moves several conclusions is one link, not one per conclusion), and a link re-running
    the case with it when the facts it changes are facts the form gave (or can give): the
    person's own (``k``, when the case lists persons); when the case gives facts an adapter
    turns into others (pi2017's acts), only the facts it gives as they are."""
    from ..analysis.whatif import parse_path, value_json
    from ..render.explanation import citation, local, show_value
    from ..render.whatif import fact_label, fact_value

    rb = e.book.rulebook
    out: list[dict] = []
    by_how: dict[tuple, dict] = {}
    if trace.changes is None:
        return out
    colon = "：" if lang == "zh" else ": "
    for change in trace.changes.changes:
        c = rb.conclusions[change.conclusion]
        label = f"{local(c.label, lang, change.conclusion)}{colon}"
        if change.member is not None:  # a member added to or removed from a set: "+ A", "− A"
            sign = "+" if change.direction == "adds" else "−"
            what = f"{label}{sign} {show_value(change.member, c.type, lang)}"
        else:
            before, after = (show_value(v, c.type, lang) for v in (change.before, change.after))
            what = f"{label}{before} → {after}"
        how = [
            f"{fact_label(rb, f, lang)} {fact_value(rb, f, old, lang)} → "
            f"{fact_value(rb, f, new, lang)}"
            for f, old, new in change.facts
        ]
        outcome = {"what": what, "by": [citation(rb, r, lang) for r in change.decided_by]}
        if tuple(how) in by_how:
            if outcome not in by_how[tuple(how)]["outcomes"]:
                by_how[tuple(how)]["outcomes"].append(outcome)
            continue
        changed = copy.deepcopy(case)
        facts = changed.persons[k] if changed.persons_key else changed.facts
        derived = bool(fb.adapted & {*facts, *changed.facts})
        linkable = True
        for fact, _, new in change.facts:
            path = parse_path(fact)
            if derived and path[0] not in facts:
                linkable = False
            linkable = linkable and _set_path(rb, facts, path, value_json(new))
        link = None
        if linkable:
            link = Go(f"/book/{e.name}/result", forms.to_query(fb, changed, lang))
        by_how[tuple(how)] = {"how": how, "outcomes": [outcome], "link": link}
        out.append(by_how[tuple(how)])
    return out


def _set_path(rulebook, facts: dict, path: tuple, value: Any) -> bool:
    """Sets a fact (``acts[0].kind``) in the case as the form gave it; False when the form
    has no such fact (one an input adapter derives)."""
    if not path or path[0] not in rulebook.inputs:
        return False
    if len(path) == 1:
        facts[path[0]] = value
        return True
    node: Any = facts.get(path[0])
    for step in path[1:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    if not isinstance(node, dict):
        return False
    node[path[-1]] = value
    return True


def explanation_html(request: Request, e, found: list, lang: str) -> str:
    """``POST .../explain`` with ``Accept: text/html``: the explanation alone, printable."""
    people = [_person(e, label, trace, found, forms.Case(), 0, lang) for label, trace in found]
    return templates.get_template("result.html").render(
        lang=lang,
        w=WORDS[lang],
        entry=e,
        as_of=None,
        people=people,
        edit=None,
        save=None,
        print=None,
        back=None,
        ask=None,
        whatif=False,
        printing=False,
        switch=None,
    )
