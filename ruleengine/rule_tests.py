"""The ``test`` blocks of rule texts, checked into :class:`ir.RuleTest` (run by ``testing.py``).

A test's name must be given and unique (E205); its facts must be inputs of their types (E200,
E208, E205 for one given twice); what it expects must be conclusions of their kinds or rules
that exist (E200, E203, E204, E208); and it must expect something (W308). A ``table`` is a test
per row (E205, E217, E218). Docs: docs/language.md, "Tests beside the rules".

The checker calls :func:`check` after the rules, with itself: this module reads its inputs,
conclusions and rules, reports through its ``error``, ``warn`` and ``suggest``, and converts
literals with its ``typed_literal`` and ``literal_value``, as facts are converted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ruleengine_dsl import syntax as s
from ruleengine_dsl.diagnostics import Span

from . import ir
from .ir import MISSING
from .types import ListType, runs_down

if TYPE_CHECKING:
    from .checker import Checker


def check(checker: Checker, decls: Iterable[s.TestDecl]) -> list[ir.RuleTest]:
    """The tests of the rulebook, in order: one per test without a table, one per table row."""
    tests: list[ir.RuleTest] = []
    first_test: dict[str, Span] = {}
    for d in decls:
        # Tests are reported by name: two of one name could not be told apart, nor
        # two whose names differ only in spacing, which a report does not show.
        key = " ".join(d.name.split())
        if not key:  # a report could not name it
            checker.error("E205", "a test needs a name", d.name_span or d.span)
            continue
        if key in first_test:
            checker.error(
                "E205",
                f"test '{d.name}' is declared twice",
                d.name_span or d.span,
                f"the first is at {first_test[key].location()}",
            )
            continue
        first_test[key] = d.name_span or d.span
        tests.extend(_check_test(checker, d))
    return tests


def _check_test(checker: Checker, d: s.TestDecl) -> list[ir.RuleTest]:
    given: dict[str, Any] = {}
    spans: dict[str, Span] = {}
    for ident, lit in d.given:
        _check_given(checker, d.name, ident, lit, given, spans)
    expects = []
    for x in d.expects:
        target = x.target.name
        if x.kind == "value":
            expect = _check_expected(checker, x.target, x.value, x.upper, x.span)
            if expect is not None:
                expects.append(expect)
        else:
            if target not in checker.rules:
                checker.error(
                    "E203",
                    f"test '{d.name}' names rule '{target}', but no such rule",
                    x.target.span,
                    checker.suggest(target, checker.rules),
                )
                continue
            expects.append(ir.Expectation(x.kind, target, None, None, x.span))
    if not d.expects and not any(t.rows and t.conclusions for t in d.tables):
        checker.warn("W308", f"test '{d.name}' expects nothing: it always passes", d.span)
    if not d.tables:
        return [ir.RuleTest(d.name, d.as_of, given, spans, expects, d.span)]
    return [
        test
        for table in d.tables
        for test in _check_table(checker, d, table, given, spans, expects)
    ]


def _check_given(
    checker: Checker, test: str, ident: s.Ident, lit, given: dict, spans: dict
) -> None:
    """One fact a test gives, checked against its input, added to ``given``."""
    if ident.name in given:
        checker.error("E205", f"'{ident.name}' given twice", ident.span)
    if ident.name not in checker.inputs:
        checker.error(
            "E200",
            f"test '{test}' gives '{ident.name}', which is not an input",
            ident.span,
            checker.suggest(ident.name, checker.inputs),
        )
        return
    spec = checker.inputs[ident.name]
    if checker.typed_literal(lit, spec.type, spec.minimum, f"given '{ident.name}'") is MISSING:
        return  # reported (E208): a test's facts are checked when the file loads
    given[ident.name] = checker.literal_value(lit)
    spans[ident.name] = lit.span


def _check_expected(checker: Checker, target_id: s.Ident, lit, upper_lit, span: Span):
    """``expect c = v`` (or a table's cell for ``c``): an expectation, or None if wrong."""
    target = target_id.name
    c = checker.conclusions.get(target)
    if c is None:
        checker.error(
            "E200",
            f"unknown conclusion '{target}'",
            target_id.span,
            checker.suggest(target, checker.conclusions),
        )
        return None
    t = c.type
    if c.kind == "set":
        t = ListType(element=c.type)
    value = checker.typed_literal(lit, t, None, f"expected value of '{target}'")
    upper = None
    if c.kind == "range":
        if upper_lit is None:
            checker.error("E204", f"'{target}' is a range; expect {target} = low .. high", span)
            return None
        upper = checker.typed_literal(upper_lit, t, None, f"expected upper end of '{target}'")
        if MISSING not in (value, upper) and runs_down(t, value, upper):
            checker.error(
                "E208",
                f"the expected range of '{target}' runs downward",
                span,
                "write the lower end first",
            )
    if c.kind == "set":
        value = frozenset(value) if value is not MISSING else value
    return ir.Expectation("value", target, value, upper, span)


def _check_table(
    checker: Checker, d: s.TestDecl, table: s.Table, given, spans, expects
) -> list[ir.RuleTest]:
    """A test per row of ``table``: named "test [row]", with the test's own facts and
    expectations and the row's. Columns are checked once, each cell against its column."""
    seen: set[str] = set()
    for ident in table.inputs + table.conclusions:
        if ident.name in seen or (ident in table.inputs and ident.name in given):
            checker.error("E205", f"'{ident.name}' is a column twice, or also given", ident.span)
        seen.add(ident.name)
    for ident in table.inputs:
        if ident.name not in checker.inputs:
            checker.error(
                "E200",
                f"table column '{ident.name}' is not an input",
                ident.span,
                checker.suggest(ident.name, checker.inputs),
            )
    for ident in table.conclusions:
        if ident.name not in checker.conclusions:
            checker.error(
                "E200",
                f"table column '{ident.name}' is not a conclusion",
                ident.span,
                checker.suggest(ident.name, checker.conclusions),
            )
    tests: list[ir.RuleTest] = []
    rows: set[str] = set()
    for row in table.rows:
        if row.name in rows:
            checker.error("E205", f"row '{row.name}' is in the table twice", row.name_span)
        rows.add(row.name)
        counts = (len(row.given), len(row.expects))
        wanted = (len(table.inputs), len(table.conclusions))
        if counts != wanted:
            checker.error(
                "E217",
                f"row '{row.name}' has {counts[0]} value(s) before '->' and {counts[1]} "
                f"after; the table has {wanted[0]} and {wanted[1]}",
                row.span,
                "one value per column, in the order of the columns",
            )
            continue
        row_given, row_spans = dict(given), dict(spans)
        for ident, (lit, upper) in zip(table.inputs, row.given, strict=True):
            if upper is not None:
                checker.error(
                    "E218",
                    f"a range given for input '{ident.name}'",
                    upper.span,
                    "only an expected conclusion is a range (low .. high)",
                )
            elif ident.name in checker.inputs:
                _check_given(checker, d.name, ident, lit, row_given, row_spans)
        row_expects = list(expects)
        for ident, (lit, upper) in zip(table.conclusions, row.expects, strict=True):
            if ident.name in checker.conclusions:
                expect = _check_expected(checker, ident, lit, upper, lit.span)
                if expect is not None:
                    row_expects.append(expect)
        tests.append(
            ir.RuleTest(
                f"{d.name} [{row.name}]", d.as_of, row_given, row_spans, row_expects, row.span
            )
        )
    return tests
