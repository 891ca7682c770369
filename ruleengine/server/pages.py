"""The explanation pages: the rulebooks, a rulebook's case form, the explained result with
its what-if links, a case loaded from and saved to a JSON file. Server-rendered (Jinja2);
every page works without script: a case travels in the URL as its form fields."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from . import forms, service
from .api import entry
from .app import TOKEN_COOKIE
from .service import ServiceError, guarded

HERE = Path(__file__).parent
router = APIRouter(include_in_schema=False)
templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every text from a case or a rule file is escaped
    undefined=jinja2.StrictUndefined,
)

WORDS = {
    "en": {
        "rulebooks": "Rulebooks",
        "case": "The case",
        "as_of": "Judge the case as of (YYYY-MM-DD)",
        "explain": "Explain the decision",
        "load": "Load a case (JSON file)",
        "load_button": "Load",
        "save": "Save this case (JSON)",
        "more_row": "Another row",
        "edit": "Change the facts",
        "decided_by": "Provisions that decide it",
        "facts_used": "Facts used",
        "what_changes": "What would change the outcome",
        "none_changes": "No change of one or two facts moves the outcome.",
        "yes": "yes",
        "no": "no",
        "default": "default",
        "errors": "The case cannot be decided as given:",
        "print": "Print",
        "person": "Person",
        "rerun": "re-run with this change",
        "other_lang": "中文",
        "token": "Token",
        "login": "Sign in",
    },
    "zh": {
        "rulebooks": "规则集",
        "case": "案件",
        "as_of": "判断日期（YYYY-MM-DD）",
        "explain": "解释决定",
        "load": "载入案件（JSON 文件）",
        "load_button": "载入",
        "save": "保存案件（JSON）",
        "more_row": "再加一行",
        "edit": "修改事实",
        "decided_by": "决定结果的条款",
        "facts_used": "所用事实",
        "what_changes": "什么会改变结果",
        "none_changes": "改变一两项事实都不会改变结果。",
        "yes": "是",
        "no": "否",
        "default": "默认",
        "errors": "按所给事实无法作出决定：",
        "print": "打印",
        "person": "人员",
        "rerun": "按此改变重新计算",
        "other_lang": "English",
        "token": "令牌",
        "login": "登录",
    },
}


def mount_static(app) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _lang(request: Request) -> str:
    return "zh" if request.query_params.get("lang") == "zh" else "en"


def _page(name: str, lang: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("switch", None)
    html = templates.get_template(name).render(lang=lang, w=WORDS[lang], **context)
    return HTMLResponse(html, status_code=status)


def _switch(request: Request, lang: str) -> str:
    """This page's URL in the other language."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([('lang', 'en' if lang == 'zh' else 'zh'), *query])}"


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


def _form_page(request, e, facts, as_of, extra, lang, errors=None, message="", status=200):
    fields = forms.build_form(e.book.rulebook, facts, lang, errors or {})
    query = forms.to_query(facts, as_of, extra, lang)
    return _page(
        "form.html",
        lang,
        status=status,
        entry=e,
        fields=fields,
        as_of=as_of or "",
        extra=json.dumps(extra, ensure_ascii=False) if extra else "",
        message=message,
        save=f"/book/{e.name}/case.json?{urlencode(query)}",
        switch=_switch(request, lang),
    )


def _from_query(request: Request, e) -> tuple[dict, str | None, dict]:
    form = dict(request.query_params)
    facts, as_of, extra = forms.read_form(e.book.rulebook, form)
    more = request.query_params.get("more")
    if more in e.book.rulebook.inputs:
        facts = {**facts, f"__more__{more}": 1}
    return facts, as_of, extra


@router.get("/book/{name}", response_class=HTMLResponse)
async def case_form(request: Request, name: str):
    e = entry(request, name)
    facts, as_of, extra = _from_query(request, e)
    return _form_page(request, e, facts, as_of, extra, _lang(request))


#: The last few cases explained, kept so that switching the language of a result (or going
#: back to it) does not decide it and search its what-ifs again.
RECENT = 16


@router.get("/book/{name}/result", response_class=HTMLResponse)
async def result(request: Request, name: str):
    e = entry(request, name)
    lang = _lang(request)
    if request.query_params.get("more"):  # the "another row" button of the form
        facts, as_of, extra = _from_query(request, e)
        return _form_page(request, e, facts, as_of, extra, lang)
    facts, as_of, extra = forms.read_form(e.book.rulebook, dict(request.query_params))
    case = {**extra, **facts}
    lib = request.app.state.library
    key = (name, as_of, json.dumps(case, sort_keys=True, ensure_ascii=False))
    recent = request.app.state.recent
    try:
        found = recent.get(key)
        if found is None:
            found = await request.app.state.run(
                guarded, service.traces, e.book, lib.pm, name, case, as_of, True
            )
            recent[key] = found
            while len(recent) > RECENT:
                recent.pop(next(iter(recent)))
    except ServiceError as err:
        errors = {p.path: p.message for p in err.problems}
        return _form_page(request, e, facts, as_of, extra, lang, errors, err.message, 422)
    people = [_person(e, label, trace, facts, as_of, extra, lang) for label, trace in found]
    query = forms.to_query(facts, as_of, extra, lang)
    return _page(
        "result.html",
        lang,
        entry=e,
        people=people,
        edit=f"/book/{name}?{urlencode(query)}",
        save=f"/book/{name}/case.json?{urlencode(query)}",
        switch=_switch(request, lang),
    )


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
        return _form_page(request, e, {}, None, {}, lang, message=err.message, status=422)
    facts, as_of, extra = forms.split_case(e.book.rulebook, data)
    query = forms.to_query(facts, as_of, extra, lang)
    return RedirectResponse(f"/book/{name}?{urlencode(query)}", status_code=303)


@router.get("/book/{name}/case.json")
async def save_case(request: Request, name: str):
    """The case on the form as a case file, to keep and load again (or give to ``ruleengine
    explain``)."""
    e = entry(request, name)
    facts, as_of, extra = forms.read_form(e.book.rulebook, dict(request.query_params))
    case: dict[str, Any] = {"facts": {**extra, **facts}}
    if as_of:
        case = {"as_of": as_of, **case}
    return JSONResponse(
        case, headers={"Content-Disposition": f'attachment; filename="{name}-case.json"'}
    )


# ------------------------------------------------------------------ the explained result
def _person(e, label: str, trace, facts: dict, as_of, extra: dict, lang: str) -> dict:
    from ..render.explanation import build, local, show_value

    rb = e.book.rulebook
    explanation = build(trace, lang, show_text=True)
    used = []
    for name, spec in rb.inputs.items():
        if name in trace.facts and not isinstance(trace.facts[name], (list, tuple)):
            shown = show_value(trace.facts[name], spec.type, lang)
            given = name in facts
            used.append((local(spec.label, lang, name), shown, given))
    return {
        "label": label,
        "headline": explanation.headline,
        "subtitle": explanation.subtitle,
        "sections": [s for s in explanation.sections if not _is_changes(s, lang)],
        "facts": used,
        "changes": _changes(e, trace, facts, as_of, extra, lang) if not label else [],
    }


def _is_changes(section, lang: str) -> bool:
    from ..render.whatif import word

    return section.title == word("changes", lang)


def _changes(e, trace, facts: dict, as_of, extra: dict, lang: str) -> list[dict]:
    """Each verified change of the facts, once, with every outcome it moves (a change that
    moves several conclusions is one link, not one per conclusion), and a link re-running
    the case with it when the facts it changes are facts the form gave (or can give)."""
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
        target = change.member if change.member is not None else change.after
        what = (
            f"{local(c.label, lang, change.conclusion)}{colon}"
            f"{show_value(change.before, c.type, lang)} → {show_value(target, c.type, lang)}"
        )
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
        changed = copy.deepcopy(facts)
        linkable = True
        for fact, _, new in change.facts:
            linkable = linkable and _set_path(rb, changed, parse_path(fact), value_json(new))
        link = None
        if linkable:
            query = urlencode(forms.to_query(changed, as_of, extra, lang))
            link = f"/book/{e.name}/result?{query}"
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
    people = []
    for label, trace in found:
        person = _person(e, label, trace, {}, None, {}, lang)
        person["changes"] = []
        people.append(person)
    html = templates.get_template("result.html").render(
        lang=lang, w=WORDS[lang], entry=e, people=people, edit=None, save=None, switch=None
    )
    return html
