"""The language server's index of names (ruleengine/lsp/index.py), without the protocol:
locals shadow declarations, members and fields resolve, and a check never raises."""

from __future__ import annotations

import textwrap

from ruleengine.lsp.check import analyze
from ruleengine.lsp.index import Index
from ruleengine_dsl.parser import parse

TEXT = textwrap.dedent(
    """\
    enum kind { sale gift }
    record act { amount: integer  kind: kind }
    input acts: list of act
    input a: integer
    input one: act
    define total: integer = sum(a.amount for a in acts where a.kind = kind.sale)
    define twice(a: integer): integer = a * 2
    """
)


def _index() -> tuple[Index, str]:
    return Index([parse(TEXT, "t.rules")]), TEXT.split("\n")


def _at(index, lines, line_of: str, needle: str, nth: int = 0):
    number = next(i for i, line in enumerate(lines) if line_of in line)
    column = -1
    for _ in range(nth + 1):
        column = lines[number].index(needle, column + 1)
    return index.at("t.rules", number + 1, column + 1)


def test_locals_shadow_declarations():
    index, lines = _index()
    assert _at(index, lines, "define total", "a", 1) is None  # the aggregate's own a
    assert _at(index, lines, "define twice", "a *") is None  # the parameter a
    [target] = _at(index, lines, "define total", "amount").targets
    assert (target.kind, target.owner) == ("field", "act")


def test_members_and_record_fields():
    index, lines = _index()
    [sale] = _at(index, lines, "define total", "sale").targets
    assert (sale.kind, sale.owner) == ("member", "kind")
    assert {s.name for s in index.members_of("kind")} == {"sale", "gift"}
    assert {s.name for s in index.members_of("one")} == {"amount", "kind"}
    assert index.members_of("acts") == []  # a list has no fields


def test_references_of_an_input():
    index, lines = _index()
    [acts] = _at(index, lines, "input acts", "acts").targets
    assert [span.line for span in index.references(acts)] == [3, 6]


def test_a_check_never_raises(monkeypatch):
    import ruleengine.lsp.check as check

    def broken(*_args, **_kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(check, "check_modules", broken)
    result = analyze("book", [("t.rules", TEXT)], None)
    [found] = result.diagnostics["t.rules"]
    assert found.code == "E070" and "boom" in found.message
    assert result.index.symbols["total"]


def test_an_expression_too_deep_to_check_is_indexed_without_an_internal_error():
    """A fifth QA round: a chain of 300,000 additions (1.2 MB, under the size limit) gave the
    right E212 and an E070 RecursionError from the index; the index stops where the checker
    does (64 levels), and the names above that depth still resolve."""
    chain = "x + " * 5000
    text = (
        "input x: integer = 0\nconclusion c: value bool\n"
        f"rule r {{ cite article 1 then c = {chain}1 > 1 }}\n"
    )
    result = analyze("book", [("t.rules", text)], None)
    codes = [d.code for d in result.diagnostics["t.rules"]]
    assert "E212" in codes and "E070" not in codes, codes
    assert result.index.symbols["x"]
