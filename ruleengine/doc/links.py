"""A link checker for the pages ``ruleengine doc`` writes: every link between them must land on
a file that exists and on an anchor it holds. Run after each build (a broken link is a bug of
the generator, not the user's) and by the tests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: A Markdown link's target, ``[text](target)``; an HTML anchor written in Markdown.
_MD_LINK = re.compile(r"(?<!\\)\]\(([^)\s]+)\)")
_MD_ANCHOR = re.compile(r'<a id="([^"]+)"></a>')


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)
            elif key == "href" and value is not None and tag in ("a", "link"):
                self.links.append(value)


def _read(path: Path) -> tuple[set[str], list[str]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return set(_MD_ANCHOR.findall(text)), _MD_LINK.findall(text)
    page = _Page()
    page.feed(text)
    page.close()
    return page.ids, page.links


def broken_links(pages: Iterable[Path]) -> list[str]:
    """``file: link`` for each link of these HTML and Markdown pages that does not resolve to
    one of them and, with a fragment, to an id on that page. Links to other sites (a scheme
    such as ``https:``) are not followed."""
    read = {p.resolve(): _read(p) for p in pages if p.suffix in (".html", ".md")}
    problems = []
    for path, (_, links) in read.items():
        for link in links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            shown = f"{path.name}: {link}"
            if target not in read:
                problems.append(f"{shown} (no such page)")
            elif parts.fragment and unquote(parts.fragment) not in read[target][0]:
                problems.append(f"{shown} (no such anchor)")
    return problems
