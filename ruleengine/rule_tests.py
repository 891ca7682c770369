"""The ``test`` blocks of rule texts, checked into :class:`ir.RuleTest` (run by ``testing.py``).

A test's name must be given and unique (E205); its facts must be inputs of their types (E200,
E208, E205 for one given twice); what it expects must be conclusions of their kinds or rules
that exist, each expected once (E200, E203, E204, E208, E205); and it must expect something
(W308). A ``table`` is a test per row, named ``test [row]`` and unique like any test's name
(E205, E217, E218). (Two ``as of`` lines are a syntax error, E007, in ``dsl/parser.py``.)
Docs: docs/language.md, "Tests beside the rules".

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
    names = _Names(checker)
    for d in decls:
        if names.claim(d.name, d.name_span or d.span, None):
            tests.extend(_check_test(checker, d, names))
    return tests


class _Names:
    """The names tests are reported by: a test's, and each table row's (``test [row]``).
    Two of one name could not be told apart in a report, nor two whose names differ only in
    spacing, which a report does not show: the later one is E205, whichever it is."""

    def __init__(self, checker: Checker):
        self.checker = checker
        #: the first of each name: where it is, and the row's name if it is a row's test
        self.first: dict[str, tuple[Span, str | None]] = {}

    def claim(self, name: str, span: Span, row: str | None) -> bool:
        """Take ``name`` for a test (``row`` None) or a row's test; False if refused."""
        key = " ".join(name.split())
        if not key or (row is not None and not row.strip()):  # a report could not name it
            what = "a row of a table" if row is not None else "a test"
            self.checker.error("E205", f"{what} needs a name", span)
            return False
        if key not in self.first:
            self.first[key] = (span, row)
            return True
        first, first_row = self.first[key]
        where = f"the first is at {first.location()}"
        if row is not None:
            message = f"row '{row}' makes a test named '{name}', a name already taken"
        elif first_row is not None:
            message = f"test '{name}' is declared twice"
            where = f"the first is row '{first_row}' of a table, at {first.location()}"
        else:
            message = f"test '{name}' is declared twice"
        self.checker.error("E205", message, span, where)
        return False


def _check_test(checker: Checker, d: s.TestDecl, names: _Names) -> list[ir.RuleTest]:
    given: dict[str, Any] = {}
    spans: dict[str, Span] = {}
    for ident, lit in d.given:
        _check_given(checker, d.name, ident, lit, given, spans)
    expects = []
    expected: set[tuple[str, str]] = set()  # one expectation of a conclusion, of a rule
    for x in d.expects:
        target = x.target.name
        what = "conclusion" if x.kind == "value" else "rule"
        if (what, target) in expected:
            checker.error(
                "E205",
                f"test '{d.name}' expects {what} '{target}' twice",
                x.target.span,
                "a test states one value of a conclusion, one outcome of a rule",
            )
            continue
        expected.add((what, target))
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
                    f"'{target}' is a conclusion: expect {target} = ..."
                    if target in checker.conclusions
                    else checker.suggest(target, checker.rules),
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
        for test in _check_table(checker, d, table, given, spans, expects, names)
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
            _not_a_conclusion(checker, target),
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
    elif upper_lit is not None:  # else `expect c = 1 .. 3` would pass when c is 1
        checker.error(
            "E204", f"'{target}' is not a range; expect {target} = one value", upper_lit.span
        )
        return None
    if c.kind == "set":
        value = frozenset(value) if value is not MISSING else value
    return ir.Expectation("value", target, value, upper, span)


def _not_a_conclusion(checker: Checker, name: str) -> str | None:
    """The help for an expectation of ``name``, which is not a conclusion: what it is."""
    if name in checker.inputs:
        return f"'{name}' is an input: a test gives it (given {name} = ...)"
    if name in checker.definitions:
        return f"'{name}' is a definition: expect a conclusion that a rule sets from it"
    if name in checker.rules:
        return f"'{name}' is a rule: expect fired {name} (or not fired, set aside)"
    return checker.suggest(name, checker.conclusions)


def _check_table(
    checker: Checker, d: s.TestDecl, table: s.Table, given, spans, expects, names: _Names
) -> list[ir.RuleTest]:
    """A test per row of ``table``: named "test [row]", with the test's own facts and
    expectations and the row's. Columns are checked once, each cell against its column; a
    column in error is reported once, not at every row."""
    expected = {x.target for x in expects if x.kind == "value"}
    seen: set[str] = set()
    wrong: set[int] = set()  # the positions (inputs, then conclusions) of columns in error
    for i, ident in enumerate(table.inputs + table.conclusions):
        is_input = i < len(table.inputs)
        if ident.name in seen:
            problem = "is a column twice"
        elif is_input and ident.name in given:
            problem = "is a column and also given by the test"
        elif not is_input and ident.name in expected:  # both would be expected of every row
            problem = "is a column and also expected by the test"
        else:
            problem = ""
        seen.add(ident.name)
        if problem:
            checker.error("E205", f"'{ident.name}' {problem}", ident.span)
        elif is_input and ident.name not in checker.inputs:
            checker.error(
                "E200",
                f"table column '{ident.name}' is not an input",
                ident.span,
                checker.suggest(ident.name, checker.inputs),
            )
        elif not is_input and ident.name not in checker.conclusions:
            checker.error(
                "E200",
                f"table column '{ident.name}' is not a conclusion",
                ident.span,
                _not_a_conclusion(checker, ident.name),
            )
        else:
            continue
        wrong.add(i)
    if not table.rows:  # the test would run nothing, and say nothing of it
        checker.error("E217", f"a table of test '{d.name}' has no rows", table.span)
    tests: list[ir.RuleTest] = []
    rows: dict[str, Span] = {}
    n_in = len(table.inputs)
    for row in table.rows:
        key = " ".join(row.name.split())
        if key and key in rows:
            checker.error(
                "E205",
                f"row '{row.name}' is in the table twice",
                row.name_span,
                f"the first is at {rows[key].location()}",
            )
            continue
        rows[key] = row.name_span
        name = f"{d.name} [{row.name}]"
        if not names.claim(name, row.name_span, row.name):
            continue
        counts = (len(row.given), len(row.expects))
        wanted = (n_in, len(table.conclusions))
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
        for i, (ident, (lit, upper)) in enumerate(zip(table.inputs, row.given, strict=True)):
            if upper is not None:
                checker.error(
                    "E218",
                    f"a range given for input '{ident.name}'",
                    upper.span,
                    "only an expected conclusion is a range (low .. high)",
                )
            elif i not in wrong:
                _check_given(checker, d.name, ident, lit, row_given, row_spans)
        row_expects = list(expects)
        for i, (ident, (lit, upper)) in enumerate(
            zip(table.conclusions, row.expects, strict=True), start=n_in
        ):
            if i not in wrong:
                expect = _check_expected(checker, ident, lit, upper, lit.span)
                if expect is not None:
                    row_expects.append(expect)
        tests.append(ir.RuleTest(name, d.as_of, row_given, row_spans, row_expects, row.span))
    return tests
