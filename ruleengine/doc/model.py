"""What the documentation of a rulebook shows, article by article, in one language: built from
the checked rulebook and the results of its tests, and laid out by the templates (site.py).

Each article of a document: the provision's text as the rules quote it, the rules that encode
it (condition and conclusions in words), their readings (notes) and unverified marks, the
parameters they read with their dated values, and the tests with their coverage. A document
that declares its articles (docs/language.md) lists those no rule encodes, with the reason it
gives.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath

import attrs

from .. import ir
from ..coverage import Coverage, RuleCoverage, percent
from ..render.explanation import Line, local, show_date
from ..render.explanation import word as explanation_word
from . import words

#: Tests named under one rule as making it fire, before "and N more".
MAX_TESTS_NAMED = 8

PAGE_WORDS = {
    "rulebook": {"en": "Rulebook {name}", "zh": "规则集 {name}"},
    "documents": {"en": "Documents", "zh": "文件"},
    "articles": {"en": "Articles", "zh": "条文"},
    "encoded": {"en": "encoded", "zh": "已编码"},
    "not_encoded": {"en": "Not encoded", "zh": "未编码"},
    "not_encoded_count": {"en": "not encoded", "zh": "未编码"},
    "no_reason": {"en": "no reason given in the rule text", "zh": "规则文本未说明理由"},
    "no_articles": {
        "en": "This document does not declare its articles: only those its rules cite are "
        "listed, and none can be listed as not encoded.",
        "zh": "本文件未声明其条文：只列出规则引用的条文，无法列出未编码的条文。",
    },
    "provision_text": {"en": "The provision", "zh": "条文"},
    "no_text": {
        "en": "No rule quotes the text of this provision.",
        "zh": "没有规则引述本条文字。",
    },
    "rules": {"en": "Rules that encode it", "zh": "编码本条的规则"},
    "when": {"en": "When", "zh": "条件"},
    "then": {"en": "Then", "zh": "结论"},
    "overrides": {"en": "Sets aside", "zh": "排除适用"},
    "in_force": {"en": "In force", "zh": "施行期间"},
    "readings": {"en": "Readings", "zh": "理解"},
    "unverified": {"en": "Unverified", "zh": "未核实"},
    "parameters": {"en": "Parameters", "zh": "参数"},
    "definitions": {"en": "Where", "zh": "其中"},
    "reference": {"en": "source", "zh": "出处"},
    "tests": {"en": "Tests and coverage", "zh": "测试及覆盖"},
    "source": {"en": "source", "zh": "源文件"},
    "rule_files": {"en": "Rule files", "zh": "规则文件"},
    "fired_by": {"en": "made to fire by", "zh": "使其适用的测试"},
    "never_fired": {"en": "no test makes it fire", "zh": "没有测试使其适用"},
    "rule_coverage": {
        "en": "fired: {fired}; seen not to fire: {failed}; outcomes seen {seen} of {possible}",
        "zh": "适用：{fired}；不适用：{failed}；已见结果{seen}/{possible}",
    },
    "article_coverage": {
        "en": "{fired} of {rules} rule(s) fired in the tests; {seen} of {possible} outcomes "
        "seen ({percent}%)",
        "zh": "{rules}条规则中{fired}条在测试中适用；已见结果{seen}/{possible}（{percent}%）",
    },
    "untested": {"en": "Not seen in the tests", "zh": "测试未覆盖"},
    "and_more": {"en": "… and {n} more", "zh": "……另有{n}项"},
    "without_article": {"en": "Rules that cite no article", "zh": "未引用条文的规则"},
    "outside": {"en": "Rules outside any document", "zh": "不属于任何文件的规则"},
    "citation": {"en": "Citation", "zh": "文号"},
    "statute": {"en": "Applies", "zh": "适用法律"},
    "notes": {"en": "Notes", "zh": "说明"},
    "source_of": {"en": "Source of", "zh": "源文件"},
    "index": {"en": "Index", "zh": "目录"},
    "summary": {
        "en": "{rules} rules, {tests} tests; {seen} of {possible} outcomes seen in the tests "
        "({percent}%)",
        "zh": "{rules}条规则，{tests}项测试；测试已见结果{seen}/{possible}（{percent}%）",
    },
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "value_sep": words.VALUE_SEP,
    "colon": {"en": ": ", "zh": "："},
    "lang_name": {"en": "en", "zh": "zh-Hans"},
}


def page_word(key: str, lang: str, **kw) -> str:
    return PAGE_WORDS[key][lang].format(**kw)


@attrs.frozen
class Link:
    text: str
    href: str


@attrs.frozen
class ParameterView:
    name: str
    label: str
    values: tuple[str, ...]  # "from 2017-06-01: 50", as words.parameter shows them inline
    reference: str
    source: Link


@attrs.frozen
class RuleView:
    name: str
    anchor: str
    heading: str
    source: Link
    condition: Line
    conclusions: tuple[str, ...]
    overrides: tuple[Link, ...]
    in_force: str
    readings: tuple[str, ...]
    unverified: tuple[str, ...]
    parameters: tuple[ParameterView, ...]
    definitions: tuple[Line, ...]  # what the definitions the condition calls say
    coverage: str
    fired_by: tuple[Link, ...]
    more_tests: int
    untested: tuple[Link, ...]


@attrs.frozen
class ProvisionText:
    cite: str
    zh: str
    en: str


@attrs.frozen
class ArticleView:
    number: str
    anchor: str
    heading: str
    texts: tuple[ProvisionText, ...] = ()
    rules: tuple[RuleView, ...] = ()
    coverage: str = ""
    reason: str | None = None  # for an article not encoded: why, if the text says


@attrs.frozen
class DocumentView:
    name: str
    page: str  # the file name, without its suffix
    title: str
    facts: tuple[tuple[str, str], ...]  # (what, value): citation, statute, in force, ...
    declared: bool
    articles: tuple[ArticleView, ...]
    not_encoded: tuple[ArticleView, ...]
    without_article: tuple[RuleView, ...]


@attrs.frozen
class SourceView:
    name: str  # as shown
    page: str  # the file name, without its suffix
    text: str


@attrs.frozen
class Site:
    rulebook: str
    lang: str
    summary: str
    documents: tuple[DocumentView, ...]
    sources: tuple[SourceView, ...]


def anchor(prefix: str, name: str) -> str:
    """An HTML id (and a file name) from a name: letters, digits, ``-`` and ``_`` only; a name
    with other characters (an article numbered in quotes, a file named in Chinese) also gets
    a digest of itself, so that two such names never share an id."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    if safe != name:
        safe += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{prefix}-{safe}"


def _article_key(number: str) -> tuple:
    """Articles in their order: 5 before 12, 253 before 253-1."""
    return tuple(int(p) if p.isdigit() else 10**9 for p in re.split(r"[^0-9]+", number) if p)


def _article_of(rule: ir.Rule) -> str | None:
    return next((n for unit, n in rule.citation.parts if unit == "article"), None)


def _article_heading(number: str, lang: str) -> str:
    """``Art. 5`` / ``第五条``."""
    cite = ir.Citation([("article", number)], None)
    return cite.chinese() if lang == "zh" else cite.short()


class _Sources:
    """One page per rule file, named after it; a link to a line of it."""

    def __init__(self):
        self.pages: dict[str, SourceView] = {}

    def link(self, span, lang: str) -> Link:
        source = span.source
        view = self.pages.get(source.name)
        if view is None:
            stem = PurePath(source.name).name
            taken = {v.page for v in self.pages.values()}
            page, n = anchor("src", stem.replace(".", "_")), 1
            while page in taken:  # two files of one name in different folders
                n += 1
                page = anchor("src", stem.replace(".", "_")) + f"-{n}"
            view = self.pages[source.name] = SourceView(stem, page, source.text)
        return Link(f"{view.name}:{span.line}", f"{view.page}.html#L-{span.line}")


def _in_force(rule: ir.Rule, lang: str) -> str:
    start, end = rule.in_force_from, rule.in_force_until
    if start and end:
        return explanation_word(
            "span_between", lang, start=show_date(start, lang), end=show_date(end, lang)
        )
    if start:
        return explanation_word("span_from", lang, start=show_date(start, lang))
    if end:
        return f"– {show_date(end, lang)}"
    return ""


def _tests_firing(results) -> dict[str, list]:
    """Rule -> the test results in which it fired (applied, or set aside after firing)."""
    out: dict[str, list] = {}
    for result in results:
        if result.trace is None:
            continue
        for rt in result.trace.rules:
            if rt.status in ("applied", "set_aside"):
                out.setdefault(rt.name, []).append(result)
    return out


class _Builder:
    def __init__(self, book, results, coverage: Coverage, lang: str):
        self.rb = book.rulebook
        self.lang = lang
        self.coverage = {c.name: c for c in coverage.rules}
        self.firing = _tests_firing(results)
        self.sources = _Sources()
        self.rule_page: dict[str, str] = {}  # rule -> the page (document) it is shown on

    def w(self, key: str, **kw) -> str:
        return page_word(key, self.lang, **kw)

    def parameter(self, name: str) -> ParameterView:
        p = self.rb.parameters[name]
        return ParameterView(
            name,
            local(p.label, self.lang) or name,
            words.parameter_values(self.rb, name, self.lang),
            local(p.reference, self.lang),
            self.sources.link(p.span, self.lang),
        )

    def rule(self, name: str) -> RuleView:
        rule, lang = self.rb.rules[name], self.lang
        cov: RuleCoverage = self.coverage[name]
        seen, possible = cov.outcomes()
        yes, no = self.w("yes"), self.w("no")
        fired = self.firing.get(name, [])
        return RuleView(
            name=name,
            anchor=anchor("rule", name),
            heading=words.rule_heading(self.rb, name, lang),
            source=self.sources.link(rule.span, lang),
            condition=words.condition(self.rb, rule.when, lang),
            conclusions=tuple(words.conclusion(self.rb, a, lang) for a in rule.then),
            # By citation and title; the href holds the rule's name until pages are known.
            overrides=tuple(Link(words.rule_heading(self.rb, t, lang), t) for t in rule.overrides),
            in_force=_in_force(rule, lang),
            readings=tuple(n.get(lang) for n in rule.notes),
            unverified=tuple(u.get(lang) for u in rule.unverified),
            parameters=tuple(self.parameter(p) for p in words.parameters_read(self.rb, rule.when)),
            definitions=tuple(
                words.definition(self.rb, d, lang)
                for d in words.definitions_called(self.rb, rule.when)
            ),
            coverage=self.w(
                "rule_coverage",
                fired=yes if cov.fired else no,
                failed=yes if cov.failed else no,
                seen=seen,
                possible=possible,
            ),
            fired_by=tuple(
                Link(r.name, self.sources.link(r.span, lang).href) for r in fired[:MAX_TESTS_NAMED]
            ),
            more_tests=max(0, len(fired) - MAX_TESTS_NAMED),
            untested=tuple(
                Link(words.gap(self.rb, g, lang), self.sources.link(g.span, lang).href)
                for g in cov.untested()
            ),
        )

    def article(self, number: str, names: list[str], doc) -> ArticleView:
        rules = tuple(self.rule(n) for n in names)
        texts: dict[tuple[str, str], ProvisionText] = {}
        for n in names:
            r = self.rb.rules[n]
            if r.text is None:
                continue
            values = dict(r.text.values)
            plain = values.get("", "")  # a text with no language: put where its script says
            zh = values.get("zh", "" if plain.isascii() else plain)
            en = values.get("en", plain if plain.isascii() else "")
            cite = r.citation.chinese() if self.lang == "zh" else r.citation.short()
            texts.setdefault((zh, en), ProvisionText(cite, zh, en))
        fired = sum(self.coverage[n].fired for n in names)
        seen = possible = 0
        for n in names:
            s, p = self.coverage[n].outcomes()
            seen, possible = seen + s, possible + p
        return ArticleView(
            number=number,
            anchor=anchor("art", number),
            heading=_article_heading(number, self.lang),
            texts=tuple(texts.values()),
            rules=rules,
            coverage=self.w(
                "article_coverage",
                fired=fired,
                rules=len(names),
                seen=seen,
                possible=possible,
                percent=percent(seen, possible),
            ),
        )

    def document(self, name: str | None, rule_names: list[str]) -> DocumentView:
        doc = self.rb.documents.get(name) if name else None
        lang = self.lang
        by_article: dict[str, list[str]] = {}
        without: list[str] = []
        for n in rule_names:
            number = _article_of(self.rb.rules[n])
            if number is None:
                without.append(n)
            else:
                by_article.setdefault(number, []).append(n)
        declared = bool(doc and doc.articles)
        order = list(doc.articles) if declared else sorted(by_article, key=_article_key)
        articles = tuple(self.article(a, by_article[a], doc) for a in order if a in by_article)
        not_encoded = ()
        if declared:
            not_encoded = tuple(
                ArticleView(
                    number=a,
                    anchor=anchor("art", a),
                    heading=_article_heading(a, lang),
                    reason=local(doc.not_encoded.get(a), lang) or None,
                )
                for a in order
                if a not in by_article
            )
        facts: list[tuple[str, str]] = []
        if doc is not None:
            for key, value in (("citation", doc.citation), ("statute", doc.statute)):
                if value is not None:
                    facts.append((self.w(key), local(value, lang)))
            if doc.effective or doc.until:
                start = show_date(doc.effective, lang) if doc.effective else "…"
                end = show_date(doc.until, lang) if doc.until else None
                span = (
                    explanation_word("span_between", lang, start=start, end=end)
                    if end
                    else explanation_word("span_from", lang, start=start)
                )
                facts.append((self.w("in_force"), span))
            for key, what in (("note", "notes"), ("unverified", "unverified")):
                value = doc.meta.get(key)
                if value is not None:
                    facts.append((self.w(what), local(value, lang)))
        title = (local(doc.title, lang) if doc and doc.title else "") or (name or self.w("outside"))
        page = anchor("doc", name) if name else "doc--outside"
        for n in rule_names:
            self.rule_page[n] = page
        return DocumentView(
            name=name or "",
            page=page,
            title=title,
            facts=tuple(facts),
            declared=declared,
            articles=articles,
            not_encoded=not_encoded,
            without_article=tuple(self.rule(n) for n in without),
        )


def build(book, results, coverage: Coverage, lang: str) -> Site:
    """The documentation of a compiled rulebook, from its test results and their coverage
    (``testing.run_tests``, ``coverage.measure``), in ``lang`` (en or zh)."""
    b = _Builder(book, results, coverage, lang)
    rb = b.rb
    rules_of: dict[str | None, list[str]] = {d: [] for d in rb.documents}
    for name, rule in sorted(rb.rules.items(), key=lambda kv: _position(kv[1].span)):
        rules_of.setdefault(rule.document, []).append(name)
    documents = [b.document(d, names) for d, names in rules_of.items() if d is not None]
    if rules_of.get(None):
        documents.append(b.document(None, rules_of[None]))
    documents = [_link_overrides(d, b.rule_page) for d in documents]
    seen, possible = coverage.totals()
    summary = page_word(
        "summary",
        lang,
        rules=len(rb.rules),
        tests=coverage.tests,
        seen=seen,
        possible=possible,
        percent=percent(seen, possible),
    )
    # Every rule file gets its page, the declarations' and the tests' too.
    for span in _spans(rb):
        b.sources.link(span, lang)
    return Site(rb.name, lang, summary, tuple(documents), tuple(b.sources.pages.values()))


def _spans(rb):
    for table in (rb.inputs, rb.parameters, rb.definitions, rb.conclusions):
        for x in table.values():
            if x.span is not None:
                yield x.span
    yield from (d.span for d in rb.documents.values())
    yield from (t.span for t in rb.tests)


def _position(span) -> tuple:
    return (span.source.name, span.line, span.column)


def _link_overrides(doc: DocumentView, page_of: dict[str, str]) -> DocumentView:
    """Each rule set aside, linked where it is shown (its document's page)."""

    def fix(r: RuleView) -> RuleView:
        links = tuple(
            Link(o.text, f"{page_of[o.href]}.html#{anchor('rule', o.href)}") for o in r.overrides
        )
        return attrs.evolve(r, overrides=links)

    articles = tuple(attrs.evolve(a, rules=tuple(map(fix, a.rules))) for a in doc.articles)
    return attrs.evolve(
        doc, articles=articles, without_article=tuple(map(fix, doc.without_article))
    )
