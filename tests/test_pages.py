"""The explanation pages without a browser (docs/server.md): the form from the facts schema,
the result with its provisions and what-if links, the language switch, loading and saving a
case, errors beside their fields. tests/test_browser.py drives the same pages in Chromium."""

from __future__ import annotations

import html
import json
import re
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the pages need the 'serve' extra")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from ruleengine.server import Settings, create_app  # noqa: E402
from ruleengine.server.library import load_library  # noqa: E402

EXAMPLES = Path(__file__).parent.parent / "examples"
COURIER = {
    "as_of": "2018-05-20",
    "f.other_personal_items": "26000",
    "f.obtained_in_duty": "true",
    "f.illegal_gain": "9000",
}


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(Settings(timeout=600.0), load_library()))  # loaded machines


def headline(text: str) -> str:
    return html.unescape(re.search(r'<h1 class="headline"[^>]*>(.*?)</h1>', text).group(1))


def test_the_index_lists_the_rulebooks(client):
    page = client.get("/").text
    assert 'href="/book/pi2017?lang=en"' in page and 'href="/book/ccdi?lang=en"' in page
    assert "规则集" in client.get("/?lang=zh").text


def test_the_form_has_a_field_per_input_with_labels_and_help(client):
    page = client.get("/book/pi2017").text
    assert 'name="f.other_personal_items"' in page
    assert "items of other personal information" in page
    helps = re.findall(r'class="help">(.*?)<', html.unescape(page))
    assert (
        "true or false · see Criminal Law Art. 253-1(2); Interpretation [2017] No. 10 Art. "
        "5(1)(8)" in helps[11]
    )
    assert '<form method="get" action="/book/pi2017/result"' in page  # works without script
    assert "<script" not in page
    zh = client.get("/book/pi2017?lang=zh").text
    assert "第三项、第四项规定以外的公民个人信息（条）" in zh


def test_a_list_of_records_is_a_table_with_a_row_more_on_request(client):
    page = client.get("/book/ccdi").text
    assert 'name="f.acts.0.kind"' in page and 'name="f.acts.1.kind"' not in page
    more = client.get("/book/ccdi/result", params={"more": "acts", "f.acts.0.kind": "kickbacks"})
    assert 'name="f.acts.1.kind"' in more.text
    assert '<option value="kickbacks" selected>' in more.text


def test_the_result_shows_headline_provisions_facts_and_changes(client):
    r = client.get("/book/pi2017/result", params=COURIER)
    assert r.status_code == 200
    assert (
        headline(r.text)
        == "circumstances (Criminal Law Art. 253-1): especially serious circumstances"
    )
    text = html.unescape(r.text)
    assert "Provisions that decide it" in text
    assert "Interpretation [2017] No. 10 Art. 5(2)(3)" in text
    assert "Facts used" in text and "26000" in text
    assert "What would change the outcome" in text
    assert "@media print" in client.get("/static/style.css").text


def test_a_whatif_link_re_runs_the_case_with_its_change(client):
    page = client.get("/book/pi2017/result", params=COURIER).text
    links = re.findall(r'<a href="([^"]*)" class="whatif">', page)
    assert links
    changed = [link for link in map(html.unescape, links) if "other_personal_items=24999" in link]
    assert changed
    again = client.get(changed[0])
    assert headline(again.text) == "circumstances (Criminal Law Art. 253-1): serious circumstances"


def test_the_language_switch_keeps_the_case(client):
    page = client.get("/book/pi2017/result", params={**COURIER, "lang": "en"}).text
    switch = html.unescape(re.search(r'<a href="([^"]*)" class="lang"', page).group(1))
    assert "lang=zh" in switch and "other_personal_items=26000" in switch
    zh = client.get(switch).text
    assert headline(zh) == "情节：情节特别严重"


def test_a_mistake_is_shown_beside_its_field(client):
    r = client.get(
        "/book/ccdi/result",
        params={
            "f.decided_on": "2024-09-02",
            "f.acts.0.kind": "kickbacks",
            "f.acts.0.amount": "lots",
            "f.acts.0.gravity": "serious",
            "f.acts.0.acted_on": "2024-07-04",
            "f.acts.0.state_functionary": "true",
        },
    )
    assert r.status_code == 422
    cell = re.search(
        r'name="f.acts.0.amount"[^>]*>\s*<span class="error" role="alert">(.*?)<', r.text
    )
    assert cell and "expected an amount of money" in html.unescape(cell.group(1))
    assert 'value="lots"' in r.text  # what was typed stays


def test_a_case_loads_from_a_file_and_saves_back(client):
    original = json.loads((EXAMPLES / "ccdi" / "kickbacks.json").read_text())
    with open(EXAMPLES / "ccdi" / "kickbacks.json", "rb") as f:
        r = client.post(
            "/book/ccdi/load", files={"case": ("kickbacks.json", f)}, follow_redirects=False
        )
    assert r.status_code == 303
    form = client.get(r.headers["location"]).text
    assert 'value="60000"' in form
    save = html.unescape(re.search(r'<a href="([^"]*case.json[^"]*)"', form).group(1))
    saved = client.get(save)
    assert "attachment" in saved.headers["content-disposition"]
    facts = saved.json()["facts"]
    assert facts["name"] == original["name"]
    assert [a["amount"] for a in facts["acts"]] == ["60000", "50000", "20000"]
    assert facts["improper_benefit_losses"] is True
    result = client.get(r.headers["location"].replace("/book/ccdi?", "/book/ccdi/result?"))
    cli_like = client.post("/rulebooks/ccdi/eval", json=original).json()
    assert result.status_code == 200
    assert "expulsion from the Party" in headline(result.text)
    assert cli_like["outcome"]["sanction"] == ["removal_from_post", "expulsion"]


def test_a_file_that_is_not_a_case_is_named(client):
    r = client.post("/book/pi2017/load", files={"case": ("bad.json", b"{oops")})
    assert r.status_code == 422
    assert "bad.json:1:2: not valid JSON" in html.unescape(r.text)


def test_texts_from_a_case_are_escaped(client):
    r = client.get("/book/ccdi", params={"f.acts.0.id": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;" in r.text


def test_a_change_that_moves_several_conclusions_is_one_link(client):
    """What would change the outcome lists each change of the facts once, with every outcome
    it moves (the ccdi kickbacks case listed one change per conclusion: 133 links)."""
    with open(EXAMPLES / "ccdi" / "kickbacks.json", "rb") as f:
        r = client.post(
            "/book/ccdi/load", files={"case": ("kickbacks.json", f)}, follow_redirects=False
        )
    page = client.get(r.headers["location"].replace("/book/ccdi?", "/book/ccdi/result?")).text
    links = re.findall(r'<a href="([^"]*)" class="whatif"', page)
    assert links and len(links) == len(set(links))
    changes = page[page.index('id="changes"') :]
    assert changes.count("<strong>") > len(links)  # some change moves several conclusions
