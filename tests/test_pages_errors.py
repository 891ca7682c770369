"""A browser on the pages meets an error as a page, in the page's language, saying what
happened and what to do, with the status the JSON routes give; the JSON routes keep their
JSON errors whatever the client accepts (docs/server.md)."""

from __future__ import annotations

import time
import warnings

import pytest

pytest.importorskip("fastapi", reason="the pages need the 'serve' extra")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from ruleengine.server import Settings, create_app  # noqa: E402
from ruleengine.server.library import load_library  # noqa: E402

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
FORM = {**BROWSER, "Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def library():
    return load_library()


def make(library, **settings) -> TestClient:
    return TestClient(create_app(Settings(**settings), library))


def is_page(r, status: int) -> str:
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("text/html"), r.text[:500]
    return r.text


def test_a_form_past_the_body_limit_is_a_page_saying_the_limit_and_what_to_do(library):
    small = make(library, max_body=1000)
    body = "lang=zh&f.decided_on=2024-09-02&extra=" + "x" * 1000
    for lang, says in (("zh", "最多接受 1,000 字节"), ("en", "at most 1,000 bytes")):
        r = small.post(f"/book/ccdi/result?lang={lang}", content=body, headers=FORM)
        page = is_page(r, 413)
        assert says in page and "--max-body" in page
        assert 'href="/book/ccdi?lang=' + lang + '" id="back"' in page
    # The same body to a JSON route, or from a client that does not ask for HTML: JSON.
    r = small.post("/rulebooks/ccdi/eval", content=body, headers=FORM)
    assert r.status_code == 413 and r.json()["error"]["kind"] == "too_large"
    r = small.post("/book/ccdi/result?lang=zh", content=body)
    assert r.status_code == 413 and r.json()["error"]["kind"] == "too_large"


def test_a_form_of_too_many_fields_is_a_page_too(library, monkeypatch):
    from ruleengine.server import pages

    monkeypatch.setattr(pages, "MAX_FIELDS", 3)
    fields = "&".join(f"f.acts.{k}.amount=1" for k in range(4))
    r = make(library).post("/book/ccdi/result?lang=en", content=fields, headers=FORM)
    assert "The case is too large for this service" in is_page(r, 413)


def test_no_such_rulebook_or_page_is_a_page_and_json_for_the_api(library):
    client = make(library)
    page = is_page(client.get("/book/cdi?lang=zh", headers=BROWSER), 404)
    assert "没有名为“cdi”的规则集" in page and 'href="/?lang=zh" id="back"' in page
    assert "No such page" in is_page(client.get("/nowhere", headers=BROWSER), 404)
    r = client.get("/rulebooks/cdi", headers=BROWSER)
    assert r.status_code == 404 and r.json()["error"]["kind"] == "unknown_rulebook"
    assert client.get("/nowhere").json()["error"]["kind"] == "not_found"  # test_server.py


def test_a_what_if_opened_as_a_link_and_a_form_that_cannot_be_read(library):
    client = make(library)
    assert "cannot be opened that way" in is_page(
        client.get("/book/pi2017/whatif", headers=BROWSER), 405
    )
    broken = {**BROWSER, "Content-Type": "multipart/form-data"}  # no boundary
    for path in ("/book/pi2017/load?lang=zh", "/book/pi2017/result?lang=zh"):
        assert "无法读取表单" in is_page(client.post(path, content=b"x", headers=broken), 400)


def test_a_case_past_the_time_limit_keeps_its_form_and_says_so_in_its_language(
    library, monkeypatch
):
    from ruleengine.server import service

    def slow(*args, **kw):
        time.sleep(1.0)

    monkeypatch.setattr(service, "traces", slow)
    client = make(library, timeout=0.05)
    r = client.post("/book/pi2017/result?lang=zh", data={"lang": "zh"}, headers=BROWSER)
    page = is_page(r, 504)
    assert "本服务对每个案件最多计算 0.05 秒" in page and 'id="case-form"' in page


def test_a_page_without_the_token_says_to_sign_in(library):
    guarded = make(library, token="s3cret")
    r = guarded.post("/book/pi2017/result?lang=zh", data={"lang": "zh"}, headers=BROWSER)
    assert 'href="/login?lang=zh" id="back"' in is_page(r, 401)
    assert r.headers["www-authenticate"] == "Bearer"
    r = guarded.post("/rulebooks/pi2017/eval", content=b"{}", headers=BROWSER)
    assert r.status_code == 401 and r.json()["error"]["kind"] == "unauthorised"


@pytest.mark.parametrize(
    "posted, says",
    [
        ("f.tracking_items=50&f.trackng_items=7", "trackng_items: unknown field (did you mean"),
        ("f.nope=1", "nope: unknown field"),
        ("tracking_items=-5", "tracking_items: expected a whole number"),
    ],
)
def test_a_posted_field_the_form_does_not_have_is_named_not_dropped(library, posted, says):
    """A fifth QA round: a posted field the rulebook does not have (a typo, a stale form, a
    fact sent without its ``f.``) was dropped and the case decided without it (200)."""
    r = make(library).post("/book/pi2017/result", content=posted, headers=FORM)
    assert says in is_page(r, 422).replace("&#39;", "'")


@pytest.mark.parametrize(
    "posted",
    [
        "f.credit_items=60&f.credit_items=6",
        "f.credit_items=60&f.credit_items=",
        "f.acts.0.items=600&f.acts.0.items=6",
        "credit_items=60&f.credit_items=6",
        "f.credit_items=6&credit_items=60",
    ],
)
def test_a_field_posted_twice_is_refused_not_taken_last(library, posted):
    """A seventh QA round: ``f.credit_items=60&f.credit_items=6`` decided on 6 ("neither
    serious"), swapped on 60, with no word: the last one won."""
    r = make(library).post("/book/pi2017/result", content=posted, headers=FORM)
    page = is_page(r, 400).replace("&#39;", "'")
    assert "is given more than once: which value was meant?" in page


def test_a_field_in_the_query_twice_is_refused_too(library):
    r = make(library).get("/book/pi2017/result?f.credit_items=60&f.credit_items=6", headers=BROWSER)
    assert "is given more than once" in is_page(r, 400).replace("&#39;", "'")
