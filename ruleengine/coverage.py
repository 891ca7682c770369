"""Coverage by provision: what the tests written beside the rules exercised (docs/testing.md).

Collected from the explain results of the tests (``testing.run_tests`` keeps each case's
trace), not from new instrumentation of the generated code. For each rule in force in a test:
whether its condition held (it fired) or not; for each exception (``overrides``), whether it
set its target aside; and for each condition inside it (each operand of an ``and``/``or``,
each comparison and other elementary test), whether it was seen true and seen false.

The trace records the elementary tests (atoms) of each rule with their values. The value of
each ``and``/``or`` operand is recomputed from them along the condition's tree, and what the
tree leaves open (a definition called with arguments) is inferred from the rule's outcome (an
``and`` that held had both operands true, an ``or`` that failed both false). The decision
short-circuits an ``or``: its right side is not evaluated when the left one holds, and such a
test counts no outcome for it, as branch coverage does in any language that short-circuits.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import attrs

from . import ir

#: The comparison operators, whose both outcomes are counted as a condition.
_COMPARE = frozenset({"=", "!=", "<", "<=", ">", ">=", "in"})


@attrs.define
class Condition:
    """One condition of a rule: an operand of ``and``/``or`` or an elementary test."""

    text: str
    kind: str  # comparison | operand | condition (any other elementary test)
    span: object
    seen: set[bool] = attrs.Factory(set)
    #: The condition itself, for a renderer that words it (the documentation).
    expr: ir.Expr | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def covered(self) -> int:
        return len(self.seen)

    def missing(self) -> tuple[bool, ...]:
        """The outcomes never seen: True, False, or both (in that order)."""
        return tuple(value for value in (True, False) if value not in self.seen)


@attrs.frozen
class Gap:
    """One outcome, or two, that the tests never saw: a record, worded by each renderer in
    its own language (``render/coverage.py`` for the report, ``doc/`` for the site).

    ``kind`` is ``never_fired`` (the rule never fired), ``never_failed`` (it was never seen
    not to fire), ``never_set_aside`` (an exception never set ``target`` aside) or
    ``condition`` (``condition`` was never seen as each value in ``missing``)."""

    kind: str
    rule: str
    span: object
    target: str | None = None
    condition: Condition | None = None
    missing: tuple[bool, ...] = ()


@attrs.define
class RuleCoverage:
    name: str
    document: str | None
    article: str
    citation: str
    span: object
    has_condition: bool
    conditions: list[Condition]
    overrides: list[str]
    run: int = 0  # tests in which the rule was in force
    fired: bool = False
    failed: bool = False
    set_aside: set[str] = attrs.Factory(set)  # targets seen set aside by this rule

    def outcomes(self) -> tuple[int, int]:
        """(seen, possible): firing, failing (when there is a condition), each exception, and
        both outcomes of each condition."""
        seen = int(self.fired) + len(self.set_aside & set(self.overrides))
        possible = 1 + len(self.overrides)
        if self.has_condition:
            seen, possible = seen + int(self.failed), possible + 1
        seen += sum(c.covered for c in self.conditions)
        possible += 2 * len(self.conditions)
        return seen, possible

    def untested(self) -> list[Gap]:
        """Each outcome the tests never saw, in the order of the rule's text."""
        out = []
        if not self.fired:
            out.append(Gap("never_fired", self.name, self.span))
        if self.has_condition and not self.failed:
            out.append(Gap("never_failed", self.name, self.span))
        for target in self.overrides:
            if target not in self.set_aside:
                out.append(Gap("never_set_aside", self.name, self.span, target=target))
        for c in self.conditions:
            missing = c.missing()
            if missing:
                out.append(Gap("condition", self.name, c.span, condition=c, missing=missing))
        return out


@attrs.define
class Coverage:
    rulebook: str
    tests: int
    rules: list[RuleCoverage]

    def rule_percent(self):
        return percent(sum(r.fired for r in self.rules), len(self.rules))

    def totals(self) -> tuple[int, int]:
        seen = possible = 0
        for r in self.rules:
            s, p = r.outcomes()
            seen, possible = seen + s, possible + p
        return seen, possible

    def condition_percent(self):
        return percent(*self.totals())


def percent(part: int, whole: int):
    """Rounded down to a tenth, so 99.96% never shows as 100%."""
    return 100.0 if whole == 0 else (part * 1000 // whole) / 10


def _article(citation: ir.Citation) -> str:
    articles = [n for unit, n in citation.parts if unit == "article"]
    return f"Art. {articles[0]}" if articles else citation.short() or "-"


def _conditions(e: ir.Expr, out: list[Condition], operand: bool = False, op=None) -> None:
    """The conditions of a tree, in source order. A chain ``a and b and c`` is three
    operands: the inner ``a and b`` of its tree is not one of its own."""
    if isinstance(e, ir.Binary) and e.op in ("and", "or"):
        if operand and e.op != op:
            out.append(Condition(e.text, "operand", e.span, expr=e))
        _conditions(e.left, out, True, e.op)
        _conditions(e.right, out, True, e.op)
    elif isinstance(e, ir.Unary) and e.op == "not":
        _conditions(e.operand, out, operand)
    elif isinstance(e, ir.If):
        _conditions(e.cond, out, True)
        _conditions(e.then, out, True)
        _conditions(e.otherwise, out, True)
    else:
        kind = "comparison" if isinstance(e, ir.Binary) and e.op in _COMPARE else "condition"
        out.append(Condition(e.text, kind, e.span, expr=e))


def _key(span) -> tuple:
    return (span.source.name, span.line, span.column, span.end_line, span.end_column)


class _Values:
    """The value of each node of one rule's condition in one test, from the rule's atoms."""

    def __init__(self, atoms, definitions):
        self.atoms = {}
        for a in atoms:
            if a.via is None:  # the rule's own tests, not those inside a definition it calls
                self.atoms.setdefault(_key(a.span), a.result)
        self.definitions = definitions
        self.found: dict[tuple, bool] = {}

    def up(self, e: ir.Expr, negated: bool = False):
        """Bottom up: True, False, or None (not evaluated, or not known from the trace)."""
        if isinstance(e, ir.Binary) and e.op in ("and", "or"):
            left = self.up(e.left, negated)
            if e.op == "or" and left is True:
                right = None  # short-circuited: the decision did not evaluate it
            else:
                right = self.up(e.right, negated)
            if e.op == "and":
                value = False if False in (left, right) else None if None in (left, right) else True
            else:
                value = True if True in (left, right) else None if None in (left, right) else False
        elif isinstance(e, ir.Unary) and e.op == "not":
            inner = self.up(e.operand, not negated)
            value = None if inner is None else not inner
        elif isinstance(e, ir.If):
            cond = self.up(e.cond, negated)
            then = self.up(e.then, negated) if cond is not False else None
            other = self.up(e.otherwise, negated) if cond is not True else None
            value = None if cond is None else then if cond else other
        elif isinstance(e, ir.Ref) and e.kind == "define":
            value = self.definitions.get(e.name)
            value = value if isinstance(value, bool) else None
        elif isinstance(e, ir.CallDef):
            value = None  # its tests carry the call's arguments: inferred from above, if at all
        else:
            got = self.atoms.get(_key(e.span))
            # A test under a ``not`` is recorded as it stands there, negated.
            value = None if got is None else got != negated
        if value is not None:
            self.found[_key(e.span)] = value
        return value

    def down(self, e: ir.Expr, value) -> None:
        """Top down: what the outcome above says of operands left unknown."""
        if value is None:
            return
        key = _key(e.span)
        self.found.setdefault(key, value)
        if isinstance(e, ir.Binary) and e.op in ("and", "or"):
            left, right = self.found.get(_key(e.left.span)), self.found.get(_key(e.right.span))
            if (e.op == "and") == value:  # an "and" that held, an "or" that failed: both sides
                self.down(e.left, value)
                self.down(e.right, value)
            elif e.op == "and" and left is True:
                self.down(e.right, False)
            elif e.op == "or" and left is False:
                self.down(e.right, True)
            elif e.op == "and" and right is True:
                self.down(e.left, False)
        elif isinstance(e, ir.Unary) and e.op == "not":
            self.down(e.operand, not value)


def measure(book, results) -> Coverage:
    """Coverage of the rulebook's rules by the test results (``testing.run_tests``)."""
    rb = book.rulebook
    rules: dict[str, RuleCoverage] = {}
    for name, rule in rb.rules.items():
        conditions: list[Condition] = []
        if rule.when is not None:
            _conditions(rule.when, conditions)
            if len(conditions) == 1 and _key(conditions[0].span) == _key(rule.when.span):
                conditions = []  # a condition of one test is the rule's firing and failing
        rules[name] = RuleCoverage(
            name,
            rule.document,
            _article(rule.citation),
            rule.citation.short(),
            rule.span,
            rule.when is not None,
            conditions,
            list(rule.overrides),
        )
    for result in results:
        trace = result.trace
        if trace is None:  # its facts were refused: it ran no rule
            continue
        for rt in trace.rules:
            if rt.status == "not_in_force":
                continue
            cov = rules[rt.name]
            cov.run += 1
            fired = rt.status in ("applied", "set_aside")
            cov.fired |= fired
            cov.failed |= not fired
            for blocker in rt.set_aside_by:
                rules[blocker].set_aside.add(rt.name)
            when = rb.rules[rt.name].when
            if when is None or not cov.conditions:
                continue
            values = _Values(rt.evidence, trace.definitions)
            values.up(when)
            values.down(when, fired)
            for c in cov.conditions:
                seen = values.found.get(_key(c.span))
                if seen is not None:
                    c.seen.add(seen)
    return Coverage(rb.name, len(results), list(rules.values()))


def report(coverages: list[Coverage], format: str) -> str:
    """The coverage of each rulebook tested, in ``format`` (text, markdown or json)."""
    import json

    from .render.coverage import coverage_json, render_markdown, render_text

    if format == "json":
        shown = [coverage_json(c) for c in coverages]
        return json.dumps(shown, ensure_ascii=False, indent=2)
    render = render_markdown if format == "markdown" else render_text
    return "\n\n".join(render(c) for c in coverages)


def threshold(text: str) -> Decimal | None:
    """``--fail-under``'s percentage, read exactly (``94.5``), or None if it is not 0 to 100."""
    text = text.strip()
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,10})?", text):  # 1e2 and NaN are not written
        return None  # as a percentage ("under the 1E+2% required": a seventh QA round)
    value = Decimal(text)
    return value if 0 <= value <= 100 else None


def under(coverages: list[Coverage], least: Decimal) -> list[str]:
    """A message for each rulebook whose outcome coverage, exactly, is under ``least``%."""
    out = []
    for c in coverages:
        seen, possible = c.totals()
        if possible and Fraction(seen * 100, possible) < Fraction(least):
            out.append(
                f"{c.rulebook}: coverage {c.condition_percent():.1f}% of outcomes seen, under "
                f"the {least}% required (--fail-under)"
            )
    return out
