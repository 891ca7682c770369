"""Writing the documentation: HTML pages and Markdown beside them, from Jinja2 templates, and
one page per rule file with an anchor on every line (Pygments, with the language's lexer), so
that every rule links to the line where it is written.

The site records what it wrote in a manifest (``MANIFEST``: each file's name and digest), so
that writing it again into the same folder is exact: the pages of the earlier site that the new
one no longer has are removed, and a folder holding anything else, a file the manifest does not
list or one changed since it was written, is refused (``NotOurs``) and never touched."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import jinja2
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter

from ruleengine_dsl.lexer import RulesLexer

from ..render.markdown import escape as md_escape
from .model import ArticleView, Site, page_word

TEMPLATES = Path(__file__).parent / "templates"

#: The file, in the site's folder, that lists what ``ruleengine doc`` wrote there.
MANIFEST = "ruleengine-doc-manifest.json"
MANIFEST_FORMAT = "ruleengine-doc-manifest"


class NotOurs(Exception):
    """The output folder holds files that ``ruleengine doc`` did not write: the message names
    them."""


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


def render(site: Site) -> dict[str, str]:
    """The site's pages, file name -> text, in order: the index, each document (HTML and
    Markdown), each rule file."""
    html, md = _environments()
    g = _globals(site.lang)
    pages = {
        "index.html": html.get_template("index.html").render(site=site, **g),
        "index.md": md.get_template("index.md").render(site=site, **g),
    }
    for doc in site.documents:
        pages[f"{doc.page}.html"] = html.get_template("document.html").render(doc=doc, **g)
        pages[f"{doc.page}.md"] = md.get_template("document.md").render(doc=doc, **g)
    css = Markup(HtmlFormatter().get_style_defs(".highlight"))
    for source in site.sources:
        code = Markup(_source_html(source.text))
        page = html.get_template("source.html")
        pages[f"{source.page}.html"] = page.render(source=source, code=code, extra_css=css, **g)
    return pages


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _plain(name) -> bool:
    """A name of a file in the folder itself: never a path out of it, nor the manifest."""
    return isinstance(name, str) and Path(name).name == name and name not in (".", "..", MANIFEST)


def earlier(out: Path) -> dict[str, str]:
    """What an earlier ``ruleengine doc`` wrote into ``out`` (name -> digest), after checking
    that ``out`` holds nothing else; raises NotOurs if it does."""
    if not out.exists():
        return {}
    manifest = out / MANIFEST
    listed: dict[str, str] = {}
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            files = data["files"] if data["format"] == MANIFEST_FORMAT else None
            listed = {str(k): str(v) for k, v in files.items() if _plain(k)}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise NotOurs(
                f"{manifest}: not a manifest ruleengine doc wrote, so doc cannot tell its own "
                "files in this folder from others: choose another folder, or empty this one"
            ) from None
    strangers = []
    for path in sorted(out.iterdir()):
        if path.name == MANIFEST and path.is_file():
            continue  # read above: ours
        known = listed.get(path.name)
        if known is None or not path.is_file() or path.is_symlink():
            strangers.append(path.name)
        elif _digest(path.read_bytes()) != known:
            strangers.append(f"{path.name} (changed since it was written)")
    if strangers:
        shown = ", ".join(strangers[:5]) + (
            f" and {len(strangers) - 5} more" if len(strangers) > 5 else ""
        )
        raise NotOurs(
            f"{out}: holds files ruleengine doc did not write ({shown}); doc writes into a new "
            f"or empty folder, or over a site it wrote there (listed in its {MANIFEST}): "
            "choose another folder or move those files away"
        )
    return listed


def _record(out: Path, files: dict[str, str]) -> None:
    data = {"format": MANIFEST_FORMAT, "version": 1, "files": files}
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    (out / MANIFEST).write_text(text, encoding="utf-8")


def write(site: Site, out: Path) -> list[Path]:
    """Write the site into ``out`` (created if need be), replacing an earlier site there and
    removing its pages the new one does not have; the pages written, in order. Raises NotOurs,
    before writing anything, when ``out`` holds files this function did not write."""
    before = earlier(out)
    pages = {name: text.encode("utf-8") for name, text in render(site).items()}
    now = {name: _digest(data) for name, data in pages.items()}
    out.mkdir(parents=True, exist_ok=True)
    # Recorded first, the old and the new together: a run cut short leaves no file unlisted.
    _record(out, {**before, **now})
    written = []
    for name, data in pages.items():
        (out / name).write_bytes(data)
        written.append(out / name)
    for name in before.keys() - now.keys():
        (out / name).unlink(missing_ok=True)  # listed, and checked unchanged, by _earlier
    _record(out, now)
    return written
