"""pytest runs the tests written beside the rules as its own items (docs/testing.md).

Registered through the ``pytest11`` entry point, so it is active wherever ruleengine is
installed (``-p no:ruleengine`` turns it off). Two sources of tests:

- every ``*.rules`` file under the test paths: its folder is loaded as one rulebook (as
  ``--rules FOLDER`` does; the installed rulebook's own name and input adapters when the folder
  is one's), and each test declared in the file is an item, each row of a table too;
- the installed rulebooks named in the ``ruleengine_rulebooks`` ini option.

A failed test shows what was expected and what came, and the trace of each conclusion or rule
that failed; a rule text that does not load is a collection error with its diagnostics.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ruleengine_dsl.diagnostics import DiagnosticError

from .testing import run_test, why

_BOOKS = pytest.StashKey[dict]()
_INSTALLED = pytest.StashKey[dict]()
_COLLECTED = pytest.StashKey[set]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "ruleengine_rulebooks",
        "installed ruleengine rulebooks whose tests pytest runs (space separated)",
        type="args",
        default=[],
    )
    parser.addini(
        "ruleengine_collect_rules",
        "collect the tests of *.rules files under the test paths (default true)",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_BOOKS] = {}
    config.stash[_COLLECTED] = set()


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".rules" and parent.config.getini("ruleengine_collect_rules"):
        return RulesFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: the rulebooks' items are like any
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list):
    for name in config.getini("ruleengine_rulebooks"):
        if name in config.stash[_COLLECTED]:
            continue  # its files are under the test paths: collected already
        collector = Rulebook.from_parent(session, name=f"rulebook {name}", rulebook=name)
        report = collector.ihook.pytest_make_collect_report(collector=collector)
        if report.failed:
            raise pytest.UsageError(f"ruleengine_rulebooks: {report.longreprtext}")
        items.extend(report.result)


class _Loaded:
    """A compiled rulebook, its name, its input adapters; or why it did not load."""

    def __init__(self, book=None, name: str | None = None, adapt=None, error=None):
        self.book, self.name, self.adapt, self.error = book, name, adapt, error


def _load(config: pytest.Config, key, paths: list[Path], name: str | None) -> _Loaded:
    books = config.stash[_BOOKS]
    if key not in books:
        from .loader import load_paths
        from .plugins import adapter_chain, get_plugin_manager

        pm = get_plugin_manager()
        try:
            book = load_paths(paths, name=name, pm=pm)
        except DiagnosticError as err:
            books[key] = _Loaded(error=err)
        else:
            adapt = adapter_chain(pm, name) if name else None
            books[key] = _Loaded(book, name, adapt)
    return books[key]


def _installed(config: pytest.Config) -> dict[str, list[Path]]:
    """The installed rulebooks and their rule paths, read once per run."""
    if _INSTALLED not in config.stash:
        from .plugins import get_plugin_manager, rule_sources

        sources = rule_sources(get_plugin_manager())
        config.stash[_INSTALLED] = {n: list(map(Path, s.paths)) for n, (_, s) in sources.items()}
    return config.stash[_INSTALLED]


class RulesFile(pytest.File):
    """A rule file: its tests, from the rulebook of its folder."""

    def collect(self):
        folder = self.path.parent.resolve()
        name = _rulebook_of(self.config, folder)
        loaded = _load(self.config, folder, [folder], name)
        if loaded.error is not None:
            here = [d for d in loaded.error.diagnostics if _same(d.file, self.path)]
            shown = here or loaded.error.diagnostics
            raise self.CollectError("\n".join(d.render() for d in shown))
        if name:
            self.config.stash[_COLLECTED].add(name)
        for test in loaded.book.rulebook.tests:
            if _same(test.span.file, self.path):
                yield RuleTestItem.from_parent(self, name=test.name, test=test, loaded=loaded)


class Rulebook(pytest.Collector):
    """An installed rulebook named in ``ruleengine_rulebooks``: every test of it."""

    def __init__(self, *, rulebook: str, **kw):
        super().__init__(**kw)
        self.rulebook = rulebook

    def collect(self):
        installed = _installed(self.config)
        if self.rulebook not in installed:
            known = ", ".join(sorted(installed)) or "none installed"
            raise self.CollectError(f"no rulebook named '{self.rulebook}' (installed: {known})")
        loaded = _load(self.config, self.rulebook, installed[self.rulebook], self.rulebook)
        if loaded.error is not None:
            raise self.CollectError("\n".join(d.render() for d in loaded.error.diagnostics))
        for test in loaded.book.rulebook.tests:
            yield RuleTestItem.from_parent(self, name=test.name, test=test, loaded=loaded)


def _rulebook_of(config: pytest.Config, folder: Path) -> str | None:
    """The installed rulebook whose rules are this folder: the same folder, or (a checkout of
    a rulebook installed from it, not in editable mode) a folder of the same name holding the
    same rule files."""
    from .loader import rule_files

    mine = (folder.name, sorted(p.name for p in rule_files(folder)))
    for name, paths in _installed(config).items():
        folders = {p.resolve() if p.is_dir() else p.resolve().parent for p in paths}
        if folder in folders:
            return name
        for other in folders:
            if (other.name, sorted(p.name for p in rule_files(other))) == mine:
                return name
    return None


def _same(file: str | None, path: Path) -> bool:
    return file is not None and Path(file).resolve() == path.resolve()


class RuleTestFailed(Exception):
    """A rule test whose expectations were not met; carries its result."""

    def __init__(self, result):
        super().__init__(result.name)
        self.result = result


class RuleTestItem(pytest.Item):
    """One ``test`` block of a rule text (or one row of its table)."""

    def __init__(self, *, test, loaded: _Loaded, **kw):
        super().__init__(**kw)
        self.test, self.loaded = test, loaded

    def runtest(self) -> None:
        result = run_test(self.loaded.book, self.test, self.loaded.adapt)
        if not result.passed:
            raise RuleTestFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, RuleTestFailed):
            result = excinfo.value.result
            head = f'{result.span.location()}: test "{result.name}" failed'
            return "\n".join([head, *(f"  {f}" for f in result.failures), *why(result)])
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return Path(self.test.span.file), self.test.span.line - 1, f"test {self.name}"
