"""The explanation pages without a browser (docs/server.md): the form from the facts schema,
the result with its provisions and what-if links, the language switch, loading and saving a
case, errors beside their fields. tests/test_browser.py drives the same pages in Chromium."""

from __future__ import annotations

import html
import json
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

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
    # The ccdi what-if page searches for 6 s of CPU: room for it on a loaded machine.
    return TestClient(create_app(Settings(timeout=600.0), load_library()))


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
    duty = html.unescape(page[page.index('name="f.obtained_in_duty"') :])
    help_ = re.search(r'class="help">(.*?)<', duty).group(1)
    assert help_.startswith("true or false · see Criminal Law Art. 253-1(2)")
    assert (
        '<form method="post" action="/book/pi2017/result?lang=en"' in page
    )  # works without script
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
    assert 'id="changes"' not in text  # what would change it is asked for apart
    assert '<form method="post" action="/book/pi2017/whatif?lang=en"' in text
    assert "What would change the outcome?" in text
    # Printed, the page takes the print layout (the print view shows it on screen).
    assert '<link rel="stylesheet" href="/static/print.css" media="print">' in text
    assert "@media print" in client.get("/static/print.css").text


def whatif(client, name: str, fields) -> str:
    """The what-if page, as the result page's button posts it."""
    r = client.post(f"/book/{name}/whatif", data=fields)
    assert r.status_code == 200, r.text
    return r.text


def test_the_result_asks_for_its_whatif_which_posts_the_case(client):
    page = client.get("/book/pi2017/result", params=COURIER).text
    ask = page[page.index('action="/book/pi2017/whatif?lang=en"') :]
    posted = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', ask[: ask.index("</form>")]))
    assert {k: html.unescape(v) for k, v in posted.items()} == {"lang": "en", **COURIER}
    text = whatif(client, "pi2017", posted)
    assert headline(text).endswith("especially serious circumstances")
    assert 'id="changes"' in text and "What would change the outcome" in text
    switch = text[
        text.index('<form method="post" action="/book/pi2017/whatif?lang=zh" class="go lang">') :
    ]
    assert 'name="lang" value="zh"' in switch[: switch.index("</form>")]


def test_a_whatif_link_re_runs_the_case_with_its_change(client):
    page = whatif(client, "pi2017", COURIER)
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
    page = whatif(client, "ccdi", dict(parse_qsl(urlsplit(r.headers["location"]).query)))
    links = re.findall(r'<a href="([^"]*)" class="whatif"', page)
    assert links and len(links) == len(set(links))
    changes = page[page.index('id="changes"') :]
    assert changes.count("<strong>") > len(links)  # some change moves several conclusions


# ------------------------------------------------------------------ several persons
SEVERAL = EXAMPLES / "ccdi" / "bribe_taking_several_officials.json"


def load(client, path: Path, name: str = "ccdi") -> str:
    """The form's URL after loading a case file."""
    with open(path, "rb") as f:
        r = client.post(
            f"/book/{name}/load", files={"case": (path.name, f)}, follow_redirects=False
        )
    assert r.status_code == 303
    return r.headers["location"]


def test_a_case_with_three_officials_fills_a_section_each_and_saves_back_the_same(client):
    original = json.loads(SEVERAL.read_text())
    form = client.get(load(client, SEVERAL)).text
    assert 'name="persons" value="officials"' in form
    assert form.count('<fieldset class="person"') == 3
    assert 'name="p.2.acts.0.amount" id="p.2.acts.0.amount" value="8000"' in form
    assert 'name="f.decided_on" id="f.decided_on" value="2022-11-30"' in form  # shared
    assert "Add an official" in form and "Official 3" in form
    save = html.unescape(re.search(r'<a href="([^"]*case.json[^"]*)"', form).group(1))
    assert client.get(save).json() == {"facts": original}


def test_each_official_is_explained_as_the_command_line_explains_them(client):
    query = urlsplit(load(client, SEVERAL)).query
    page = client.get(f"/book/ccdi/result?{query}").text
    heads = [html.unescape(h) for h in re.findall(r'<h2 class="who">(.*?)</h2>', page)]
    assert heads == [
        "Official 1 of 3: 县住建局局长癸 (county housing bureau director K)",
        "Official 2 of 3: 县住建局副局长子 (deputy director Z)",
        "Official 3 of 3: 县住建局科员丑 (clerk C)",
    ]
    markdown = client.post(
        "/rulebooks/ccdi/explain",
        json=json.loads(SEVERAL.read_text()),
        headers={"Accept": "text/markdown"},
    ).text
    shown = re.findall(r'<h1 class="headline"[^>]*>(.*?)</h1>', page)
    assert len(shown) == 3
    for text in shown:
        assert html.unescape(text) in markdown


def test_officials_and_rows_are_added_and_removed_without_script(client):
    typed = {"f.decided_on": "2024-09-02", "f.acts.0.kind": "kickbacks", "f.acts.0.amount": "9"}
    # the form's buttons post it (formaction="/book/ccdi")
    more = client.post("/book/ccdi", data={**typed, "more": "persons"}).text
    assert 'name="persons" value="officials"' in more
    # the one person so far is the first official, with what was typed (the date of the
    # decision shared by all); a blank second
    assert '<option value="kickbacks" selected>' in more.split('id="person-0"')[1]
    assert 'name="f.decided_on" id="f.decided_on" value="2024-09-02"' in more
    assert 'id="person-1"' in more and 'name="p.1.acts.0.kind"' in more
    two = {
        "persons": "officials",
        "p.0.name": "A",
        "p.0.acts.0.amount": "1",
        "p.0.acts.1.amount": "2",
        "p.1.name": "B",
        "p.1.acts.0.amount": "3",
    }
    row_more = client.post("/book/ccdi", data={**two, "more": "p.1.acts"}).text
    # one row given, a blank one, and the one asked for
    assert 'name="p.1.acts.2.kind"' in row_more and 'name="p.1.acts.3.kind"' not in row_more
    dropped = client.get("/book/ccdi", params={**two, "drop": "p.0.acts.0"}).text  # links too
    assert 'name="p.0.acts.0.amount" id="p.0.acts.0.amount" value="2"' in dropped
    gone = client.get("/book/ccdi/result", params={**two, "drop": "p.0"}).text
    assert 'id="person-1"' not in gone and 'value="B"' in gone


def test_a_mistake_of_one_official_is_shown_beside_their_field(client):
    act = {"kind": "kickbacks", "gravity": "serious", "acted_on": "2024-07-04"}
    fields = {"persons": "officials", "f.decided_on": "2024-09-02"}
    for k, amount in enumerate(["60000", "lots"]):
        fields[f"p.{k}.name"] = "AB"[k]
        fields |= {f"p.{k}.acts.0.{f}": v for f, v in act.items()}
        fields[f"p.{k}.acts.0.amount"] = amount
        fields[f"p.{k}.acts.0.state_functionary"] = "true"
    r = client.get("/book/ccdi/result", params=fields)
    assert r.status_code == 422
    cell = re.search(
        r'name="p.1.acts.0.amount"[^>]*>\s*<span class="error" role="alert">(.*?)<', r.text
    )
    assert cell and "expected an amount of money" in html.unescape(cell.group(1))
    assert not re.search(r'name="p.0.acts.0.amount"[^>]*>\s*<span class="error"', r.text)


def test_each_persons_whatif_links_change_that_persons_facts(client):
    two = {
        "persons": "subjects",
        "as_of": "2018-05-20",
        "p.0.name": "A",
        "p.0.credit_items": "60",
        "p.1.name": "B",
        "p.1.credit_items": "40",
    }
    page = whatif(client, "pi2017", two)
    people = page.split('<article class="person">')[1:]
    assert len(people) == 2
    second = [html.unescape(x) for x in re.findall(r'<a href="([^"]*)" class="whatif"', people[1])]
    # 50 exactly: a link to 500 (especially serious) contains the same text
    up = next(link for link in second if re.search(r"p\.1\.credit_items=50(&|$)", link))
    assert "p.0.credit_items=60" in up  # the first person's facts as they were
    again = client.get(up).text
    heads = [html.unescape(h) for h in re.findall(r'<h1 class="headline"[^>]*>(.*?)</h1>', again)]
    assert heads == ["circumstances (Criminal Law Art. 253-1): serious circumstances"] * 2


def test_a_pi2017_case_of_acts_fills_a_table_and_is_decided_by_the_adapter(client):
    """pi2017's acts are not inputs of the rulebook but what its input adapter reads (Art. 11
    counting); the adapter declares them, so the form has a table of acts."""
    path = EXAMPLES / "pi2017" / "reseller_sells_two_halves_to_one_buyer.json"
    original = json.loads(path.read_text())
    form = client.get(load(client, path, "pi2017")).text
    assert '<option value="obtain" selected>' in form
    assert 'name="f.acts.2.items" id="f.acts.2.items" value="30"' in form
    assert "the acts (counted by Art. 11)" in form
    save = html.unescape(re.search(r'<a href="([^"]*case.json[^"]*)"', form).group(1))
    assert client.get(save).json() == {"as_of": original["as_of"], "facts": original["facts"]}
    query = urlsplit(save).query
    page = client.get(f"/book/pi2017/result?{query}").text
    assert headline(page) == "circumstances (Criminal Law Art. 253-1): serious circumstances"
    assert "credit-reporting information" in html.unescape(page)  # the adapter's counting


def test_a_way_too_long_for_a_link_is_a_button_posting_the_case():
    """Past LINK_MAX, a way to a page with a case (the language, the form, a what-if) is a
    button posting its fields; within it, a link. A page answering only POST is a button."""
    from ruleengine.server.pages import LINK_MAX, Go

    fits = [("lang", "en"), ("f.x", "a" * (LINK_MAX - len("/p?lang=en&f.x=")))]
    assert Go("/p", fits).link == f"/p?lang=en&f.x={fits[1][1]}"
    assert Go("/p", [*fits[:1], ("f.x", fits[1][1] + "a")]).link is None
    assert Go("/p", [("f.x", "案" * (LINK_MAX // 9))]).link is None  # 9 bytes a character
    assert Go("/p", [("f.x", "a")], post=True).link is None


def test_a_form_of_too_many_fields_is_refused_as_the_service_refuses(client, monkeypatch):
    from ruleengine.server import pages

    monkeypatch.setattr(pages, "MAX_FIELDS", 3)
    r = client.post("/book/ccdi/result", data={f"f.acts.{k}.amount": "1" for k in range(4)})
    assert r.status_code == 413 and r.json()["error"]["kind"] == "too_large"
    assert "Maximum number of fields is 3" in r.json()["error"]["message"]
    assert client.post("/book/ccdi/result", data={"f.decided_on": "2024-09-02"}).status_code == 200


def test_a_member_added_or_removed_reads_plus_or_minus_not_a_to_a(client):
    """QA: the what-if page showed a set's member removed as "mass discipline → mass
    discipline"; as on the command line, it is "− mass discipline" (or "+ ...")."""
    from urllib.parse import parse_qsl, urlsplit

    url = load(client, EXAMPLES / "whatif" / "ccdi_embezzlement.json")
    fields = dict(parse_qsl(urlsplit(url).query))
    page = html.unescape(whatif(client, "ccdi", fields))
    changes = page[page.index('id="changes"') :]
    arrows = re.findall(r"：?([^<>：:]+?) → ([^<>]+?)<", changes)
    assert all(a.strip() != b.strip() for a, b in arrows), [x for x in arrows if x[0] == x[1]]
    assert re.search(r"[+−] \w", changes)


def test_ccdi_persons_are_officials_without_an_examples_folder(client):
    """A fresh install (a wheel has no examples folder) called ccdi's persons "subjects" /
    "Person": the plugin says what they are called (``RuleSource.persons``)."""
    import attrs

    from ruleengine.server import pages

    entry = load_library().books["ccdi"]
    assert entry.persons == "officials"
    assert pages._persons_key(attrs.evolve(entry, examples=None)) == "officials"
    assert pages._persons_key(attrs.evolve(entry, examples=None, persons=None)) == "subjects"


class _Shown(HTMLParser):
    """The words a page shows: its title, its texts and the texts of its attributes that a
    reader sees (titles, placeholders, labels for screen readers), not scripts or styles,
    nor what a collapsed ``<details>`` holds (the engine's message, in English)."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.hidden = 0
        self.skip: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details":
            self.hidden += 1
        if tag in ("script", "style"):
            self.skip.append(tag)
        if not self.hidden:
            self.texts += [a[k] for k in ("title", "placeholder", "aria-label") if a.get(k)]

    def handle_endtag(self, tag):
        if tag == "details":
            self.hidden -= 1
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_data(self, data):
        if not self.hidden and not self.skip:
            self.texts.append(data)


#: What a zh page may show in Latin letters: the switch to English, a file format, the
#: rulebooks' names (as in their addresses), the keys of the print command.
LATIN_OK = {"English", "JSON", "pi2017", "ccdi", "Ctrl", "P"}


def latin_words(page: str, typed=()) -> set[str]:
    shown = _Shown()
    shown.feed(page)
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_'-]*", " ".join(shown.texts)))
    return words - LATIN_OK - set(typed)


def test_every_word_a_zh_page_shows_is_chinese(client):
    """Titles, headings, labels, help, buttons, messages: in Chinese on a zh page (the
    rulebook's title from its rule text), for each page a user meets."""
    zh = {**COURIER, "lang": "zh"}
    pages = {
        "index": client.get("/?lang=zh"),
        "login": client.get("/login?lang=zh"),
        "form pi2017": client.get("/book/pi2017?lang=zh"),
        "form ccdi": client.get("/book/ccdi?lang=zh"),
        "result": client.post("/book/pi2017/result?lang=zh", data=zh),
        "what-if": client.post("/book/pi2017/whatif?lang=zh", data=zh),
        "print view": client.get("/book/pi2017/print", params=zh),
        "ccdi result": client.get(
            "/book/ccdi/result",
            params={"lang": "zh", "f.decided_on": "2024-09-02", "f.acts.0.kind": "kickbacks"},
        ),
        "a mistake": client.post(
            "/book/pi2017/result?lang=zh", data={**zh, "f.other_personal_items": "lots"}
        ),
        "an error page": client.get("/book/nope?lang=zh", headers={"Accept": "text/html"}),
    }
    for name, r in pages.items():
        assert r.status_code in (200, 404, 422), (name, r.status_code)
        assert latin_words(r.text, typed={"lots", "nope"}) == set(), name
    title = re.search(r"<title>(.*?)</title>", pages["form pi2017"].text).group(1)
    assert title == (
        "最高人民法院、最高人民检察院关于办理侵犯公民个人信息刑事案件适用法律若干问题的解释"
        "（法释〔2017〕10号） · 规则引擎"
    )
    # The mistake is beside its field in Chinese; the engine's message, in English, folded.
    assert "应为不小于 0 的整数" in pages["a mistake"].text
    assert "<details open><summary>" not in pages["a mistake"].text


def test_an_english_page_is_titled_from_the_rule_text_in_english(client):
    page = client.get("/book/pi2017").text
    assert re.search(r"<title>Interpretation of the Supreme .*?\(Interpretation \[2017\]", page)
    assert latin_words(client.get("/book/pi2017").text)  # the check above can see English


def test_no_template_or_script_has_a_javascript_url():
    from ruleengine.server.pages import HERE

    files = [*(HERE / "templates").iterdir(), *(HERE / "static").iterdir()]
    assert len(files) > 5
    for path in files:
        assert "javascript:" not in path.read_text(encoding="utf-8").lower(), path.name


def test_the_print_view_is_a_plain_link_rendered_in_the_print_layout(client):
    page = client.get("/book/pi2017/result", params=COURIER).text
    link = html.unescape(re.search(r'<a href="([^"]*)" class="print" id="print-view"', page)[1])
    assert link.startswith("/book/pi2017/print?") and "other_personal_items=26000" in link
    printed = client.get(link).text
    assert headline(printed).endswith("especially serious circumstances")
    assert '<link rel="stylesheet" href="/static/print.css" media="all">' in printed
    assert "Ctrl+P" in printed and 'id="back-result"' in printed
    assert 'id="ask-changes"' not in printed
    # The one enhancement: a Print button, hidden unless its script shows it.
    assert '<button type="button" class="print" id="print" hidden>' in printed


def test_the_print_view_of_a_whatif_posts_the_case_and_shows_the_changes(client):
    page = whatif(client, "pi2017", {**COURIER, "lang": "en"})
    form = page[page.index('action="/book/pi2017/print?lang=en"') :]
    posted = re.findall(r'name="([^"]+)" value="([^"]*)"', form[: form.index("</form>")])
    assert ("whatif", "1") in posted
    printed = client.post("/book/pi2017/print?lang=en", data=dict(posted))
    assert printed.status_code == 200
    assert 'id="changes"' in printed.text and 'class="go whatif"' not in printed.text


def test_a_mistake_on_a_zh_page_is_said_in_chinese_as_the_command_line_says_it(client):
    """The engine's message under the form, folded, was the English original on a zh page;
    it is now the command line's under --lang zh (an English page keeps the English)."""
    zh = client.post(
        "/book/pi2017/result?lang=zh",
        data={**COURIER, "lang": "zh", "f.other_personal_items": "lots"},
    ).text
    assert "<summary>详细说明（与命令行所说相同）</summary>" in zh
    assert "事实与规则集的输入不符" in zh and "other_personal_items：应为非负整数" in zh
    assert "do not fit" not in zh and "expected" not in zh
    en = client.post("/book/pi2017/result", data={**COURIER, "f.other_personal_items": "lots"})
    assert "the facts do not fit the rulebook&#39;s inputs" in en.text
    assert "事实" not in en.text
    loaded = client.post("/book/pi2017/load?lang=zh", files={"case": ("c.json", b'{"x": ')}).text
    assert "c.json:1:6：不是有效的 JSON：此处应为一个值" in loaded
