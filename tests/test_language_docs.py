"""The language reference proves itself: every example in docs/language.md is run.

A ```rules block must load and its own tests must pass; a ```rules-error CODE block must be
rejected with exactly that code; a ```rules-warning CODE block must load with that warning;
a ```rules-conflict NAME block must load, and its tests must fail only by reporting a
conflict on conclusion NAME that names the rules involved.
Every diagnostic code the parser and checker can emit must be documented, so a new code
cannot ship without its entry in the table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ruleengine
from ruleengine.testing import run_tests
from ruleengine_dsl.diagnostics import Severity

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
# Every module of the language front end and of the engine: a check moved to a module of its
# own (as the tests' checks were, to rule_tests.py) stays held to the table.
CODE_SOURCES = sorted((ROOT / "dsl").rglob("*.py")) + sorted((ROOT / "ruleengine").rglob("*.py"))

# An opening fence with an info string that starts with "rules", its body, the closing fence.
FENCE = re.compile(r"^```(rules[^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
INFO = re.compile(r"rules(?:-(error|warning) ([EW]\d{3})|-(conflict) ([A-Za-z_]\w*))?")
CODE = re.compile(r'"([EW]\d{3})"')


def _blocks() -> list[tuple[str, str | None, str | None, str]]:
    """(id, kind, code, text) for each rules block, named by its line in the document."""
    text = DOC.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        info = INFO.fullmatch(m.group(1).strip())
        if info is None:
            raise AssertionError(f"docs/language.md:{line}: unknown info string {m.group(1)!r}")
        kind = info.group(1) or info.group(3)
        out.append((f"line{line}", kind, info.group(2) or info.group(4), m.group(2)))
    return out


BLOCKS = _blocks()
EXAMPLES = [pytest.param(t, id=i) for i, k, _, t in BLOCKS if k is None]
ERRORS = [pytest.param(c, t, id=f"{i}-{c}") for i, k, c, t in BLOCKS if k == "error"]
WARNINGS = [pytest.param(c, t, id=f"{i}-{c}") for i, k, c, t in BLOCKS if k == "warning"]
CONFLICTS = [pytest.param(c, t, id=f"{i}-{c}") for i, k, c, t in BLOCKS if k == "conflict"]


def _run(text: str, name: str):
    book = ruleengine.load_text(text, name)
    results = run_tests(book)
    failed = [r.render() for r in results if not r.passed]
    assert not failed, "\n".join(failed)
    return book, results


@pytest.mark.parametrize("text", EXAMPLES)
def test_example_loads_and_its_tests_pass(text, request):
    _run(text, request.node.callspec.id)


@pytest.mark.parametrize("code,text", ERRORS)
def test_error_example_is_rejected_with_its_code(code, text, request):
    with pytest.raises(ruleengine.DiagnosticError) as caught:
        ruleengine.load_text(text, request.node.callspec.id)
    errors = sorted({d.code for d in caught.value.diagnostics if d.severity is Severity.ERROR})
    assert errors == [code], "\n".join(d.render() for d in caught.value.diagnostics)


@pytest.mark.parametrize("code,text", WARNINGS)
def test_warning_example_loads_with_its_warning(code, text, request):
    book, _ = _run(text, request.node.callspec.id)
    assert code in {w.code for w in book.rulebook.warnings}, [
        w.render() for w in book.rulebook.warnings
    ]


@pytest.mark.parametrize("name,text", CONFLICTS)
def test_conflict_example_reports_the_conflict(name, text, request):
    book = ruleengine.load_text(text, request.node.callspec.id)
    results = run_tests(book)
    failures = [f for r in results for f in r.failures]
    assert failures, "the example was meant to show a conflict, but every test passed"
    for f in failures:
        assert f.startswith(f"conflict on {name}: "), f
        assert f.count(" says ") >= 2, f"a conflict must name every rule involved: {f}"


def test_examples_prove_something():
    """Most examples carry tests; a doc of examples that test nothing would prove nothing."""
    with_tests = [t for _, k, _, t in BLOCKS if k is None and re.search(r"^\s*test ", t, re.M)]
    assert len(EXAMPLES) >= 20
    assert len(with_tests) >= len(EXAMPLES) // 2


def test_every_diagnostic_code_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    codes = set()
    for path in CODE_SOURCES:
        codes |= set(CODE.findall(path.read_text(encoding="utf-8")))
    assert codes, "no diagnostic codes found in the sources; has the regex gone stale?"
    missing = sorted(c for c in codes if not re.search(rf"^\|\s*{c}\s*\|", doc, re.MULTILINE))
    assert not missing, f"codes missing from the table in docs/language.md: {missing}"
