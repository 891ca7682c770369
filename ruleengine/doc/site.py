"""Writing the documentation: HTML pages and Markdown beside them, from Jinja2 templates, and
one page per rule file with an anchor on every line (Pygments, with the language's lexer), so
that every rule links to the line where it is written."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter

from ruleengine_dsl.lexer import RulesLexer

from ..render.markdown import escape as md_escape
from .model import ArticleView, Site, page_word

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    """(HTML, Markdown): the same loader; HTML escapes every value, Markdown escapes what the
    ``md`` filter is given."""
    loader = jinja2.FileSystemLoader(TEMPLATES)
    html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    md = jinja2.Environment(
        loader=loader,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    md.filters["md"] = md_escape
    return html, md


def _globals(lang: str) -> dict:
    return {"w": functools.partial(page_word, lang=lang)}


def render_article_markdown(article: ArticleView, lang: str) -> str:
    """One article's Markdown, as it stands in its document's page."""
    _, md = _environments()
    return md.get_template("article.md").render(a=article, **_globals(lang))


def _source_html(text: str) -> str:
    formatter = HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True)
    return highlight(text, RulesLexer(), formatter)


def write(site: Site, out: Path) -> list[Path]:
    """Write the site into ``out`` (created if need be); the files written, in order."""
    html, md = _environments()
    out.mkdir(parents=True, exist_ok=True)
    g = _globals(site.lang)
    written: list[Path] = []

    def put(name: str, text: str) -> None:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    put("index.html", html.get_template("index.html").render(site=site, **g))
    put("index.md", md.get_template("index.md").render(site=site, **g))
    for doc in site.documents:
        put(f"{doc.page}.html", html.get_template("document.html").render(doc=doc, **g))
        put(f"{doc.page}.md", md.get_template("document.md").render(doc=doc, **g))
    css = Markup(HtmlFormatter().get_style_defs(".highlight"))
    for source in site.sources:
        code = Markup(_source_html(source.text))
        page = html.get_template("source.html")
        put(f"{source.page}.html", page.render(source=source, code=code, extra_css=css, **g))
    return written
