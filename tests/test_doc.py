"""``ruleengine doc`` (docs/doc.md): the site of both shipped rulebooks and the quickstart,
every internal link and anchor resolving, the articles not encoded with their reasons, one
article's Markdown against a golden file, and the command's failures.

This is the CI's check for broken links: the sites are generated here, by the README's test
command. (The browser test that opens one is in test_browser.py.)
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest
from conftest import check_golden
from typer.testing import CliRunner

from ruleengine.cli import app
from ruleengine.coverage import measure
from ruleengine.doc import links, model, site
from ruleengine.loader import load_paths
from ruleengine.plugins import adapter_chain, get_plugin_manager, rule_sources
from ruleengine.testing import run_tests

ROOT = Path(__file__).resolve().parents[1]
QUICK = ROOT / "examples" / "quickstart"
runner = CliRunner()


def _doc(*args: str):
    result = runner.invoke(app, ["doc", *args])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """The three sites, written once by the command: pi2017 in English, ccdi in Chinese, the
    quickstart's rule file in English."""
    out = {}
    for key, args in (
        ("pi2017", ["-r", "pi2017"]),
        ("ccdi", ["-r", "ccdi", "--lang", "zh"]),
        ("quickstart", ["--rules", str(QUICK / "article5.rules")]),
    ):
        folder = tmp_path_factory.mktemp(key)
        result = _doc(*args, "-o", str(folder))
        assert result.exit_code == 0, result.output
        out[key] = folder
    return out


def _pages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".html", ".md"))


@pytest.mark.parametrize("key", ["pi2017", "ccdi", "quickstart"])
def test_every_link_and_anchor_resolves(sites, key):
    pages = _pages(sites[key])
    assert {"index.html", "index.md"} <= {p.name for p in pages}
    assert links.broken_links(pages) == []
    # Each page is reachable from the index, directly or through a document's page.
    index = (sites[key] / "index.html").read_text(encoding="utf-8")
    for page in pages:
        if page.suffix == ".html" and page.name != "index.html":
            assert f'href="{page.name}"' in index, page.name


def test_the_link_checker_finds_a_missing_page_and_a_missing_anchor(tmp_path):
    (tmp_path / "a.html").write_text(
        '<a id="top"></a><a href="b.html#nowhere">b</a> <a href="c.html">c</a>'
        '<a href="#top">up</a><a href="https://example.org/x">out</a>',
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text('<p id="here">b</p>', encoding="utf-8")
    (tmp_path / "a.md").write_text("[b](b.html#here) [a](a.md#gone)", encoding="utf-8")
    found = links.broken_links(_pages(tmp_path))
    assert sorted(found) == [
        "a.html: b.html#nowhere (no such anchor)",
        "a.html: c.html (no such page)",
        "a.md: a.md#gone (no such anchor)",
    ]


def _book(name: str):
    pm = get_plugin_manager()
    _, source = rule_sources(pm)[name]
    book = load_paths(list(source.paths), name=name, pm=pm)
    return book, adapter_chain(pm, name)


@pytest.fixture(scope="module")
def pi2017_site():
    book, adapt = _book("pi2017")
    results = run_tests(book, adapt)
    return book, model.build(book, results, measure(book, results), "en")


def _document(built, name):
    return next(d for d in built.documents if d.name == name)


def test_the_2017_interpretation_lists_its_articles_and_those_not_encoded(pi2017_site):
    book, built = pi2017_site
    doc = _document(built, "pi2017")
    assert doc.declared
    assert [a.number for a in doc.articles] == ["5", "6", "7", "8", "9", "10", "12"]
    assert [a.number for a in doc.not_encoded] == ["1", "2", "3", "4", "11", "13"]
    reasons = {a.number: a.reason for a in doc.not_encoded}
    assert "counting.py" in reasons["11"] and "'effective'" in reasons["13"]
    assert all(reasons.values())
    # Every rule of the rulebook is shown once, under the article it cites.
    shown = [r.name for d in built.documents for a in d.articles for r in a.rules]
    shown += [r.name for d in built.documents for r in d.without_article]
    assert sorted(shown) == sorted(book.rulebook.rules)


def test_not_encoded_in_the_pages_of_both_plugins(sites):
    pi = (sites["pi2017"] / "doc-pi2017.md").read_text(encoding="utf-8")
    section = pi.split("## Not encoded", 1)[1]
    assert re.findall(r"\*\*Art\. (\d+)\*\*", section) == ["1", "2", "3", "4", "11", "13"]
    eb = (sites["ccdi"] / "doc-eb2016.md").read_text(encoding="utf-8")
    section = eb.split("## 未编码", 1)[1]
    numbers = re.findall(r"\*\*(第[^*]+条)\*\*", section)
    assert numbers == [
        "第四条", "第七条", "第八条", "第九条", "第十条", "第十二条", "第十三条",
        "第十四条", "第十五条", "第十六条", "第十七条", "第十八条", "第二十条",
    ]  # fmt: skip
    assert r"dd\_art3" in section  # Art. 17's reason names the rule that encodes the same
    # A document that declares no articles says so rather than listing none as not encoded.
    quick = (sites["quickstart"] / "doc-quickstart.md").read_text(encoding="utf-8")
    assert "does not declare its articles" in quick


def test_one_articles_markdown(pi2017_site):
    _, built = pi2017_site
    (article,) = [a for a in _document(built, "pi2017").articles if a.number == "12"]
    check_golden("doc_pi2017_art12_en", site.render_article_markdown(article, "en"))


def test_a_rule_links_to_its_source_line(sites, pi2017_site):
    book, _ = pi2017_site
    rule = book.rulebook.rules["art5_1_7"]
    page = (sites["pi2017"] / "doc-pi2017.html").read_text(encoding="utf-8")
    href = f"src-interpretation_rules.html#L-{rule.span.line}"
    block = page.split('id="rule-art5_1_7"', 1)[1].split('class="rule"', 1)[0]
    assert href in block
    source = (sites["pi2017"] / "src-interpretation_rules.html").read_text(encoding="utf-8")
    after = source.split(f'id="L-{rule.span.line}"', 1)[1]
    assert "art5_1_7" in after[:400]


def test_conditions_are_in_words_not_source(sites):
    page = (sites["pi2017"] / "doc-pi2017.md").read_text(encoding="utf-8")
    assert "illegal gains: more than 0 CNY" in page
    assert ">=" not in page and "\\>" not in page
    page = (sites["quickstart"] / "doc-quickstart.md").read_text(encoding="utf-8")
    assert "the quantity standards (items 3 to 6) (with 1)" in page  # a definition by its label


def test_without_jinja2_the_command_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "jinja2", None)  # import jinja2 now fails
    result = _doc("--rules", str(QUICK / "article5.rules"), "-o", str(tmp_path / "site"))
    assert result.exit_code == 2
    assert "pip install 'ruleengine[doc]'" in result.output
    assert not (tmp_path / "site").exists()


def test_an_output_that_is_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    result = _doc("--rules", str(QUICK / "article5.rules"), "-o", str(target))
    assert result.exit_code == 2
    assert "not a folder" in result.output


def test_invalid_rules_exit_3(tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text("document d { articles 1 .. 2 }\nconclusion c: value bool = false\n"
                   "rule r { cite article 3  then c = true }\n", encoding="utf-8")  # fmt: skip
    result = _doc("--rules", str(bad), "-o", str(tmp_path / "site"))
    assert result.exit_code == 3
    assert "E219" in result.output


def test_files_and_articles_with_any_names_link_safely(tmp_path):
    """A rule file named in Chinese with a space, in two folders; articles numbered in quotes
    that differ only in punctuation: each gets its own page or id, and every link resolves."""
    text = (
        'document d {\n  articles "5-1", "5.1", "5 1"\n}\n'
        "conclusion c: value bool = false\n"
        'rule a { cite article "5-1"  then c = true }\n'
        'rule b { cite article "5.1"  then c = true }\n'
        'rule e { cite article "5 1"  then c = true }\n'
    )
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
    (tmp_path / "one" / "规则 一.rules").write_text(text, encoding="utf-8")
    (tmp_path / "two" / "规则 一.rules").write_text(
        'test "t" { as of 2020-01-01  expect c = true }\n', encoding="utf-8"
    )
    out = tmp_path / "site"
    result = _doc(
        "--rules", str(tmp_path / "one"), "--rules", str(tmp_path / "two"), "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    pages = _pages(out)
    assert len([p for p in pages if p.name.startswith("src-")]) == 2
    assert links.broken_links(pages) == []
    page = (out / "doc-d.html").read_text(encoding="utf-8")
    ids = re.findall(r'<section class="article" id="([^"]+)"', page)
    assert len(set(ids)) == 3


def test_a_condition_over_a_list_in_words():
    import ruleengine
    from ruleengine.doc import words

    book = ruleengine.load_text(
        'record act { amount: money(CNY) = 0 yuan en "amount" zh "金额"\n'
        '  sold: bool = false en "sold on" zh "已出售" }\n'
        'input acts: list of act = [] en "the acts" zh "各行为"\n'
        "conclusion c: value bool = false\n"
        "rule r { cite article 1\n"
        "  when sum(a.amount for a in acts where a.sold and a.amount > 0 yuan) >= 5000 yuan\n"
        "  then c = true }\n",
        "list.rules",
    )
    rb = book.rulebook
    en = words.condition(rb, rb.rules["r"].when, "en").text
    assert en == (
        "the total of amount over the acts, counting only those where sold on and amount "
        "more than 0 CNY: at least 5000 CNY"
    )
    zh = words.condition(rb, rb.rules["r"].when, "zh").text
    assert zh == "各行为的金额合计（限于已出售且金额超过0元）：达到5000元以上"


def test_a_provision_quoted_without_a_language_is_placed_by_its_script():
    import ruleengine

    book = ruleengine.load_text(
        "conclusion c: value bool = false\n"
        'rule a { cite article 1  text "Plain English."  then c = true }\n'
        'rule b { cite article 2  text "中文条文。"  then c = true }\n',
        "plain.rules",
    )
    results = run_tests(book)
    built = model.build(book, results, measure(book, results), "en")
    texts = [a.texts[0] for d in built.documents for a in d.articles]
    assert [(t.zh, t.en) for t in texts] == [("", "Plain English."), ("中文条文。", "")]


# A rulebook written for the four QA findings on the site (issue 12): a parameter of two dated
# values read through a definition with a parameter of its own, members whose labels hold a
# comma and a 、, and a branch no test takes.
WORKBENCH = """\
document wb { title: en "A small act" zh "小法"  articles 1 .. 2
  article 2 not encoded because en "it defines" zh "定义" }

enum act_kind { sell: en "selling, or providing" zh "出售、提供"
                buy: en "buying" zh "购买"
                keep: en "keeping" zh "保存" }
input kind: act_kind = keep en "the act" zh "行为"
input items: count = 0 en "items" zh "条数"
input repeat: bool = false en "a repeat offence" zh "再犯"
parameter standard: count en "the quantity standard" zh "数量标准" {
  2017-06-01: 50
  2020-01-01: 60
}
define reached(k: decimal): bool en "the standard reached at a multiple" zh "按倍数达到标准" =
  items >= standard * k
conclusion serious: value bool = false en "serious" zh "严重"

rule r1 { cite article 1  title en "Quantity" zh "数量"
  when kind in [act_kind.sell, act_kind.buy] and (reached(1) or repeat)
  then serious = true }

test "sold 60" { as of 2021-01-01  given kind = sell, items = 60  expect serious = true }
test "kept 60" { as of 2021-01-01  given items = 60  expect serious = false }
test "sold 10" { as of 2021-01-01  given kind = sell, items = 10  expect serious = false }
"""


@pytest.fixture(scope="module")
def workbench(tmp_path_factory) -> dict[str, Path]:
    """The small rulebook's site, in English and in Chinese."""
    folder = tmp_path_factory.mktemp("workbench")
    (folder / "wb.rules").write_text(WORKBENCH, encoding="utf-8")
    out = {}
    for lang in ("en", "zh"):
        out[lang] = folder / f"site-{lang}"
        result = _doc("--rules", str(folder / "wb.rules"), "-o", str(out[lang]), "--lang", lang)
        assert result.exit_code == 0, result.output
    return out


def _read(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def test_untested_outcomes_are_worded_in_the_sites_language(workbench):
    """Each outcome no test saw, in the site's words: the condition by its labels, as the site
    words conditions (not the rule's source, nor English in the Chinese site)."""
    zh = _read(workbench["zh"], "doc-wb.md")
    untested = zh.split("测试未覆盖", 1)[1]
    assert "“再犯”：未见成立" in untested
    assert "never" not in zh and "repeat" not in untested
    en = _read(workbench["en"], "doc-wb.md")
    assert "“a repeat offence”: never seen to hold" in en.split("Not seen in the tests", 1)[1]
    html = _read(workbench["zh"], "doc-wb.html")
    assert "“再犯”：未见成立</a>" in html
    # Chinese punctuation around the site's own words too, not "测试及覆盖: ".
    assert "**测试及覆盖**：适用：是" in zh and "测试未覆盖：\n" in zh
    assert "<strong>测试及覆盖</strong>：" in html and "测试未覆盖：</p>" in html


def test_a_parameter_is_shown_by_its_label_with_its_dated_values_everywhere(workbench):
    """In the condition, in what the definition says, and in the parameter section alike; a
    definition's own parameter (``k``) reads as the argument the rule gives it."""
    en = _read(workbench["en"], "doc-wb.md")
    dated = "the quantity standard (from 2017-06-01: 50; from 2020-01-01: 60)"
    assert f"items: at least {dated} × 1" in en
    assert "- the quantity standard `standard` (" in en
    assert "): from 2017-06-01: 50; from 2020-01-01: 60" in en
    assert "the standard reached at a multiple (with 1)" in en
    assert not re.search(r"\bk\b", en.split("**When**", 1)[1].split("**Then**", 1)[0])
    zh = _read(workbench["zh"], "doc-wb.md")
    assert "条数：达到数量标准（自2017年6月1日起：50；自2020年1月1日起：60） × 1以上" in zh


def test_a_parameter_given_to_a_definition_shows_its_value_not_only_its_label(sites):
    page = (sites["pi2017"] / "doc-pi2017.md").read_text(encoding="utf-8")
    assert "(with Art. 5(1)(8): half of the standards (from 2017-06-01: 0.5))" in page
    assert "(k = " not in page and "× k" not in page and "(k)" not in page


def test_members_are_listed_unambiguously(workbench):
    """A member's label may hold a comma or a 、: one member a line in the condition (an
    HTML list, a Markdown list), each quoted where members share a line."""
    en = _read(workbench["en"], "doc-wb.md")
    assert "  - the act: one of the following\n    - selling, or providing\n    - buying\n" in en
    html = _read(workbench["zh"], "doc-wb.html")
    assert "<li>行为：为下列之一<ul><li>出售、提供</li><li>购买</li></ul></li>" in html


def test_members_on_one_line_are_quoted():
    import ruleengine
    from ruleengine.doc import words

    book = ruleengine.load_text(WORKBENCH, "wb.rules")
    rb = book.rulebook
    condition = rb.rules["r1"].when.left
    assert words.inline(rb, condition, "en") == "the act one of “selling, or providing”, “buying”"
    assert words.inline(rb, condition, "zh") == "行为为“出售、提供”、“购买”之一"


def test_writing_again_removes_the_earlier_sites_own_stale_pages(tmp_path):
    rules = tmp_path / "wb.rules"
    rules.write_text(WORKBENCH, encoding="utf-8")
    out = tmp_path / "site"
    assert _doc("--rules", str(rules), "-o", str(out)).exit_code == 0
    assert (out / "doc-wb.html").exists() and (out / site.MANIFEST).exists()
    # The document renamed: its old pages go, the new ones come, nothing else is left.
    rules.write_text(WORKBENCH.replace("document wb", "document wb2"), encoding="utf-8")
    result = _doc("--rules", str(rules), "-o", str(out))
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert "doc-wb.html" not in names and "doc-wb.md" not in names
    assert {"doc-wb2.html", "doc-wb2.md", "index.html", site.MANIFEST} <= names
    listed = json.loads((out / site.MANIFEST).read_text(encoding="utf-8"))["files"]
    assert set(listed) == names - {site.MANIFEST}


@pytest.mark.parametrize("stranger", ["notes.txt", "index.html", "sub"])
def test_a_folder_holding_files_doc_did_not_write_is_refused_and_left_alone(tmp_path, stranger):
    """A file of someone else's, or one of the site's pages changed since: exit 2, naming it,
    and nothing in the folder written or removed."""
    rules = tmp_path / "wb.rules"
    rules.write_text(WORKBENCH, encoding="utf-8")
    out = tmp_path / "site"
    if stranger == "index.html":  # a page of an earlier site, edited by hand
        assert _doc("--rules", str(rules), "-o", str(out)).exit_code == 0
        (out / "index.html").write_text("mine", encoding="utf-8")
    elif stranger == "sub":
        (out / "sub").mkdir(parents=True)
    else:
        out.mkdir()
        (out / stranger).write_text("mine", encoding="utf-8")
    before = {p.name: p.is_file() and p.read_bytes() for p in out.iterdir()}
    result = _doc("--rules", str(rules), "-o", str(out))
    assert result.exit_code == 2
    assert f"holds files ruleengine doc did not write ({stranger}" in result.output
    assert {p.name: p.is_file() and p.read_bytes() for p in out.iterdir()} == before


def test_a_manifest_naming_files_outside_the_folder_deletes_nothing_there(tmp_path):
    rules = tmp_path / "wb.rules"
    rules.write_text(WORKBENCH, encoding="utf-8")
    out = tmp_path / "site"
    assert _doc("--rules", str(rules), "-o", str(out)).exit_code == 0
    precious = tmp_path / "precious.txt"
    precious.write_text("keep", encoding="utf-8")
    manifest = json.loads((out / site.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["../precious.txt"] = hashlib.sha256(b"keep").hexdigest()
    (out / site.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert _doc("--rules", str(rules), "-o", str(out)).exit_code == 0
    assert precious.read_text(encoding="utf-8") == "keep"


def test_a_manifest_doc_did_not_write_is_refused(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / site.MANIFEST).write_text('{"files": 5}', encoding="utf-8")
    result = _doc("--rules", str(QUICK / "article5.rules"), "-o", str(out))
    assert result.exit_code == 2
    assert "not a manifest ruleengine doc wrote" in result.output
    assert [p.name for p in out.iterdir()] == [site.MANIFEST]


def test_versions_and_choices_are_in_words_not_source(sites):
    """A lighter block's versions (``party_law.at_act``) and an ``if`` in what a definition
    says read in words, as the rest of the condition does."""
    pages = "".join(
        p.read_text(encoding="utf-8") for p in _pages(sites["ccdi"]) if p.suffix == ".md"
    )
    assert "party\\_law." not in pages and "if especially" not in pages
    # ccdi has two lighter blocks: each version is named with its block's label (ccdi reads
    # them through definitions, version_at_act and version_at_decision).
    block = "（纪律处分条例：从旧兼从轻）"
    # version_at_act keeps the as-of version for a case judged before its acts (common.rules).
    judged_before = "最后一个未经处理的行为的日期在处理案件之日以后时为处理时施行的版本"
    at_act = f"{judged_before}{block}，否则为行为时施行的版本{block}"
    assert f"行为时施行的条例版本（以最后一个未经处理的行为为准）\n  - {at_act}" in pages
    assert f"处理案件时施行的条例版本\n  - 处理时施行的版本{block}" in pages
    assert "贪污罪所适用幅度的法定最高刑：使国家和人民利益遭受特别重大损失" in pages
    assert "时为死刑，否则为无期徒刑" in pages


def test_the_rules_set_aside_are_listed_by_citation_and_title(sites):
    page = (sites["pi2017"] / "doc-pi2017.md").read_text(encoding="utf-8")
    block = page.split('<a id="rule-art6_1"></a>', 1)[1].split("<a id=", 1)[0]
    assert (
        "**Sets aside**\n\n- [Interpretation \\[2017\\] No. 10 Art. 5(1)(5) 5,000 or more items"
        in block
    )
    assert "(doc-pi2017.md#rule-art5_1_5)" in block
