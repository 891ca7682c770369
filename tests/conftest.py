"""Shared helpers for the core tests: loading rule texts, collecting diagnostics, goldens.

Golden files hold the full rendered diagnostic (location, source line, caret, help), so a
change in how a mistake is reported shows up as a reviewed diff. Regenerate them with
``UPDATE_GOLDEN=1 pytest tests`` and review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ruleengine
from ruleengine import Diagnostic, DiagnosticError

GOLDEN_DIR = Path(__file__).parent / "golden"


def load(text: str, name: str = "case.rules") -> ruleengine.CompiledRulebook:
    """A compiled rulebook from an inline rule text."""
    return ruleengine.load_text(text, name)


def diagnostics(text: str, name: str = "case.rules") -> list[Diagnostic]:
    """Every diagnostic for a rule text: the errors it raises, else its warnings."""
    try:
        book = ruleengine.load_text(text, name)
    except DiagnosticError as err:
        return list(err.diagnostics)
    return list(book.rulebook.warnings)


def first(diags: list[Diagnostic], code: str) -> Diagnostic:
    """The first diagnostic with ``code``; fails showing what was found instead."""
    for d in diags:
        if d.code == code:
            return d
    shown = "\n".join(d.render() for d in diags) or "(no diagnostics)"
    pytest.fail(f"no {code} among the diagnostics:\n{shown}")


def check_golden(name: str, actual: str) -> None:
    """Compare ``actual`` with tests/golden/<name>.txt; UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN_DIR / f"{name}.txt"
    text = actual.rstrip("\n") + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; run with UPDATE_GOLDEN=1 and review it")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture(autouse=True, scope="session")
def _compiled_rulebooks_cache(tmp_path_factory):
    """The disk cache of compiled rulebooks (ruleengine/diskcache.py) in a folder of the
    session's own, never the user's."""
    folder = tmp_path_factory.mktemp("compiled")
    folder.chmod(0o700)
    saved = os.environ.get("RULEENGINE_CACHE_DIR")
    os.environ["RULEENGINE_CACHE_DIR"] = str(folder)
    yield folder
    if saved is None:
        os.environ.pop("RULEENGINE_CACHE_DIR", None)
    else:
        os.environ["RULEENGINE_CACHE_DIR"] = saved


#: Folders where tests left artifacts (the browser tests' screenshots), printed at the end.
ARTIFACTS: list[Path] = []


def pytest_terminal_summary(terminalreporter):
    for folder in ARTIFACTS:
        terminalreporter.write_line(f"test artifacts (screenshots): {folder}")
