"""The rulebooks a service serves: every installed plugin's, and those of the paths given at
start-up, each checked and compiled once. Rule texts never come from a request here
(``adhoc_rulebook`` is the one way in, and only when the service allows it)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import attrs

from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError


@attrs.frozen
class Entry:
    name: str
    book: Any  # CompiledRulebook
    title: str
    origin: str  # "plugin NAME" or the path given
    examples: Path | None = None  # the plugin's example cases, if it gives them
    persons: str | None = None  # what its cases' persons are called, if the plugin says
    plugin: str | None = None  # the plugin that gives it; None for a path given at start-up

    def title_in(self, lang: str) -> str:
        """The title a page shows in ``lang``: the rule text's own, when its document (named
        as the rulebook, or its only one) has a title in that language, with its citation;
        else the plugin's (``RuleSource.title``, one language or both) or the name."""
        docs = self.book.rulebook.documents
        doc = docs.get(self.name) or (next(iter(docs.values())) if len(docs) == 1 else None)
        own = dict(doc.title.values).get(lang) if doc is not None and doc.title else None
        if not own:
            return self.title
        cited = dict(doc.citation.values).get(lang) if doc.citation else None
        if cited:  # as it is cited: 《...》（法释〔2017〕10号）, ... (Interpretation [2017] No. 10)
            return f"{own}（{cited}）" if lang == "zh" else f"{own} ({cited})"
        return own


@attrs.define
class Library:
    pm: Any
    books: dict[str, Entry]
    #: Rulebooks of installed plugins that did not load: (name, diagnostics), shown at start.
    broken: list[tuple[str, list[Diagnostic]]] = attrs.Factory(list)


def load_library(rule_paths: list[Path] | None = None) -> Library:
    """Every plugin's rulebook, and one rulebook per path given (named by the file or
    folder). A broken plugin rulebook is left out and listed; a broken path raises
    ``DiagnosticError``: the operator named it, so the service does not start without it."""
    from ..loader import load_paths
    from ..plugins import get_plugin_manager, rule_sources

    pm = get_plugin_manager()
    library = Library(pm, {})
    for name, (plugin, source) in sorted(rule_sources(pm).items()):
        try:
            book = load_paths(list(source.paths), name=name, pm=pm)
        except DiagnosticError as err:
            library.broken.append((name, err.diagnostics))
            continue
        library.books[name] = Entry(
            name,
            book,
            source.title or name,
            f"plugin {plugin}",
            source.examples,
            source.persons,
            plugin,
        )
    for path in rule_paths or ():
        book = load_paths([path], pm=pm)
        name = book.rulebook.name
        if name in library.books:
            raise DiagnosticError(
                [Diagnostic("E004", f"a rulebook named '{name}' is already served", None)]
            )
        library.books[name] = Entry(name, book, name, str(path))
    return library


@functools.lru_cache(maxsize=16)
def adhoc_rulebook(text: str, pm: Any):
    """A rule text posted to the service, checked and compiled as a file would be (checked in
    a process of its own, ended at the request's time limit: ``texts``); the last few are
    kept, so a client posting the same text with each case compiles it once."""
    from .texts import check_text

    return check_text(text, pm)
