"""A case evaluated with some of its facts left as variables, recording every decision.

The evaluator walks the checked tree as the engine's own paths evaluate it (same plan, same
combination of conclusions, same runtime operations), except that the varied facts are
:class:`~ruleengine.analysis.linear.Lin` values. Every test the rules make on a value that
depends on a variable is decided at a concrete *point* (one whole value per variable) and the
constraint that held is recorded: the list of them (the *path*) is exactly the region of the
variables in which the evaluation takes the same course and so gives the same outcome.
Functions of a varied value are handled where their shape is known and piecewise linear
(``min``, ``max``, ``abs``, ``floor``, ``ceil``, ``round``, ``days_between``); anything else
that is not linear in the variables (a product of two of them, a division by one, a
plugin's function, a date moved by months) raises :class:`NotLinear` naming the expression,
and the caller falls back to a bounded search.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs

from .. import ir, lighter_eval, runtime
from ..ir import MISSING
from ..runtime import Conflict, EvaluationError, Unset
from ..types import Duration, EnumType, ListType, normalize
from .linear import Constraint, Lin, NotLinear, constraint

_COMPARE = ("=", "!=", "<", "<=", ">", ">=")
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}


@attrs.frozen
class Outcome:
    """What a case comes to in one region: every conclusion (a :class:`Lin` where it varies
    linearly with the facts there), the rules that applied, and any conflicts."""

    as_of: datetime.date
    conclusions: tuple[tuple[str, Any], ...]
    applied: frozenset[str]
    conflicts: tuple[Conflict, ...] = ()
    error: str | None = None  # the evaluation failed here (division by zero, ...)

    def value(self, name: str) -> Any:
        return dict(self.conclusions)[name]


class Path:
    """The decisions taken at ``point``: each one the constraint that held there."""

    def __init__(self, point: Sequence[int]):
        self.point = tuple(point)
        self.constraints: list[Constraint] = []

    def test(self, lin: Lin, relation: str) -> bool:
        """``lin relation 0`` at the point (``>=``, ``>``, ``<=``, ``<``, ``=``, ``!=``)."""
        if relation == "!=":
            return not self.test(lin, "=")
        held = constraint(lin, relation)
        if isinstance(held, bool):
            return held
        if held.holds(self.point):
            self.constraints.append(held)
            return True
        for other in held.negations():
            if other.holds(self.point):
                self.constraints.append(other)
                return False
        raise AssertionError("a constraint and its negation both fail")

    def value(self, lin: Lin) -> Fraction:
        return lin.at(self.point)


def _number(value: Any):
    """A constant :class:`Lin` as the engine's own value (an int or a Fraction)."""
    if isinstance(value, Lin) and value.constant:
        return normalize(value.const)
    return value


class Evaluator:
    """One evaluation of the case at one point (see the module's docstring)."""

    def __init__(self, book, facts: dict, path: Path, as_of, date_input: str | None):
        self.book = book
        self.rb = book.rulebook
        self.facts = facts
        self.path = path
        self.defines: dict[str, Any] = {}
        self.conclusions: dict[str, Any] = {}
        self.lighters: dict[str, tuple] = {}  # block -> (applied, at_act, at_decision)
        self.day = self._day(as_of, date_input)
        self.epoch = book.epoch(self.day)

    # ------------------------------------------------------------------ the date judged at
    def _day(self, as_of, date_input: str | None) -> datetime.date:
        if as_of is not None:
            return as_of
        value = self.facts.get(date_input) if date_input else None
        if isinstance(value, Lin):
            # The date itself varies: which period of the rulebook applies is a decision too.
            for change in self.book.changes:
                self.path.test(value - change.toordinal(), ">=")
            return datetime.date.fromordinal(int(self.path.value(value)))
        if isinstance(value, datetime.date):
            return value
        return datetime.date.today()

    # ------------------------------------------------------------------ the whole case
    def run(self) -> Outcome:
        rb, epoch = self.rb, self.epoch
        applies: dict[str, bool] = {}
        claims: dict[str, list[tuple[str, ir.Assignment]]] = {}
        conflicts: list[Conflict] = []
        for kind, name in epoch.plan:
            if kind == "define":
                self.defines[name] = self.ev(rb.definitions[name].body, {})
            elif kind == "rule":
                rule = rb.rules[name]
                fired = True if rule.when is None else bool(self.ev(rule.when, {}))
                blocked = any(applies.get(o) for o in epoch.overriders.get(name, []))
                applies[name] = fired and not blocked
                for a in rule.then:
                    claims.setdefault(a.conclusion, []).append((name, a))
            elif kind == "lighter":
                self.lighter(rb.lighters[name], conflicts)
            else:
                self.conclusions[name] = self.conclude(
                    name, claims.get(name, []), applies, conflicts
                )
        return Outcome(
            as_of=self.day,
            conclusions=tuple(self.conclusions.items()),
            applied=frozenset(n for n, a in applies.items() if a),
            conflicts=tuple(conflicts),
        )

    def lighter(self, block: ir.Lighter, conflicts: list[Conflict]) -> None:
        """A lighter block's step (lighter_eval): the case evaluated again on the day the
        act-date version is judged as of, on the same path, so the versions' outcomes and
        their comparison are decisions of the region too."""
        act = self.ev(block.act_date, {})
        if isinstance(act, Lin):  # which version was in force on the act date is a decision
            for since, _ in self.rb.parameters[block.versions].values:
                self.path.test(act - since.toordinal(), ">=")
            self.path.test(act - self.day.toordinal(), ">")
            act = datetime.date.fromordinal(int(self.path.value(act)))

        def evaluate(day: datetime.date):
            nested = Evaluator(self.book, self.facts, self.path, day, None)
            outcome = nested.run()
            values = tuple(outcome.value(c) for c in block.decides)
            taken = tuple(c for c in outcome.conflicts if c.conclusion in block.decides)
            return values, None, taken, nested.epoch.undecided

        def less(a, b, t) -> bool:
            if isinstance(t, EnumType):
                return t.rank[a] < t.rank[b]
            return self.compare(a, "<", b, t, block.span)

        current = tuple(self.conclusions[c] for c in block.decides)
        choice = lighter_eval.settle(
            self.rb, block, self.day, act, current, evaluate, less, self.epoch.undecided
        )
        lighter_eval.take_conflicts(block, choice, conflicts)
        for c, value in zip(block.decides, choice.values(), strict=True):
            self.conclusions[c] = value
        self.lighters[block.name] = choice.attributes()

    def conclude(self, name: str, claims, applies, conflicts: list[Conflict]) -> Any:
        c = self.rb.conclusions[name]
        values = []
        for rule, a in claims:
            if not applies.get(rule):
                continue
            value = self.ev(a.value, {})
            upper = self.ev(a.upper, {}) if a.upper is not None else None
            values.append((rule, value, upper))
        if c.kind == "highest":
            rank = c.type.rank
            best = rank[c.default]
            for _, value, _ in values:
                best = max(best, rank[value])
            return c.type.members[best]
        if c.kind == "set":
            out: frozenset = frozenset()
            for (_, value, _), (_, a) in zip(values, [x for x in claims if applies.get(x[0])]):
                out = out.union(value if isinstance(a.value.type, ListType) else (value,))
            return out
        if c.kind == "range":
            if not values:
                return Unset(name, "was decided by no rule")
            scale = c.type if isinstance(c.type, EnumType) else None
            for rule, low, high in values:
                if self.order(high, low, scale, c.span):
                    spans = {r: a.span for r, a in claims}
                    raise EvaluationError(
                        f"rule '{rule}' gives '{name}' a range from {low} down to {high}",
                        spans.get(rule, c.span),
                    )
            low = self.largest([v[1] for v in values], scale, c.span)
            high = self.largest([v[2] for v in values], scale, c.span)
            return (low, high)
        if not values:
            return Unset(name, "was decided by no rule") if c.default is MISSING else c.default
        first = values[0][1]
        if all(self.equal(v, first, c.span) for _, v, _ in values[1:]):
            return first
        conflicts.append(Conflict(name, tuple((r, v) for r, v, _ in values)))
        return Unset(name, f"is in conflict between rules {', '.join(r for r, _, _ in values)}")

    def order(self, a, b, scale: EnumType | None, span) -> bool:
        """``a < b`` (by rank for a scale)."""
        if scale is not None:
            return scale.rank[a] < scale.rank[b]
        return self.compare(a, "<", b, None, span)

    def largest(self, items: list, scale: EnumType | None, span):
        best = items[0]
        for item in items[1:]:
            if self.order(best, item, scale, span):
                best = item
        return best

    def equal(self, a, b, span) -> bool:
        if isinstance(a, Lin) or isinstance(b, Lin):
            return self.path.test(Lin.of(a) - Lin.of(b), "=")
        return a == b

    # ------------------------------------------------------------------ values
    def ev(self, e: ir.Expr, scope: dict[str, Any]) -> Any:
        if isinstance(e, ir.Const):
            return e.value
        if isinstance(e, ir.Ref):
            return self.ref(e, scope)
        if isinstance(e, ir.Attr):
            return self.ev(e.obj, scope)[e.field]
        if isinstance(e, ir.Unary):
            v = self.ev(e.operand, scope)
            if e.op == "not":
                return not v
            return _number(-Lin.of(v)) if isinstance(v, Lin) else -v
        if isinstance(e, ir.If):
            return self.ev(e.then if self.ev(e.cond, scope) else e.otherwise, scope)
        if isinstance(e, ir.ListE):
            return tuple(self.ev(x, scope) for x in e.items)
        if isinstance(e, ir.Binary):
            return self.binary(e, scope)
        if isinstance(e, ir.CallDef):
            d = self.rb.definitions[e.name]
            args = [self.ev(a, scope) for a in e.args]
            return self.ev(d.body, {p: v for (p, _), v in zip(d.params, args)})
        if isinstance(e, ir.CallFunc):
            return self.call(e, [self.ev(a, scope) for a in e.args])
        if isinstance(e, ir.Aggregate):
            return self.aggregate(e, scope)
        raise AssertionError(e)

    def ref(self, e: ir.Ref, scope):
        if e.kind == "local":
            return scope[e.name]
        if e.kind == "input":
            return self.facts[e.name]
        if e.kind == "define":
            return self.defines[e.name]
        if e.kind == "parameter":
            value = self.epoch.parameters[e.name]
            if value is MISSING:
                param = self.rb.parameters[e.name]
                first = param.values[0][0] if param.values else None
                runtime.no_parameter_value(e.name, first, self.day, e.span)
            return value
        if e.kind == "lighter":
            block, attr = e.name.split(".")
            value = self.lighters[block][ir.LIGHTER_ATTRIBUTES.index(attr)]
            if isinstance(value, Unset):
                runtime.no_version(value, e.span)
        else:
            value = self.conclusions[e.name]
        if isinstance(value, Unset):
            runtime.unreadable(value, e.span)
        return value

    def binary(self, e: ir.Binary, scope) -> Any:
        if e.op == "and":
            return self.ev(e.left, scope) and self.ev(e.right, scope)
        if e.op == "or":
            return self.ev(e.left, scope) or self.ev(e.right, scope)
        a, b = self.ev(e.left, scope), self.ev(e.right, scope)
        if not (isinstance(a, Lin) or isinstance(b, Lin)):
            return self.concrete(e, a, b)
        op = e.op
        if op in _COMPARE:
            return self.compare(a, op, b, e.left.type, e.span)
        if op == "in":
            raise NotLinear(f"'{e.text}' tests a varied value for membership", e.span)
        a, b = self.linear(a, e.left.type, e.span), self.linear(b, e.right.type, e.span)
        if op == "+":
            return _number(a + b)
        if op == "-":
            return _number(a - b)
        if op == "*":
            if a.constant:
                return _number(b.scaled(a.const))
            if b.constant:
                return _number(a.scaled(b.const))
            raise NotLinear(f"'{e.text}' multiplies two varied values", e.span)
        if op == "/":
            if not b.constant:
                raise NotLinear(f"'{e.text}' divides by a varied value", e.span)
            if b.const == 0:
                raise EvaluationError("division by zero", e.span)
            return _number(a.scaled(1 / b.const))
        raise AssertionError(op)

    def linear(self, value: Any, t, span) -> Lin:
        """A number, a varied number or a date as a :class:`Lin` (dates in days)."""
        if isinstance(value, Lin):
            return value
        if isinstance(value, datetime.date):
            return Lin.of(value.toordinal())
        if isinstance(value, Duration):
            if value.months:
                raise NotLinear("a varied date moved by months or years", span)
            return Lin.of(value.days)
        if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
            return Lin.of(value)
        raise NotLinear(f"a varied value meets a {type(value).__name__}", span)

    def compare(self, a, op: str, b, t, span) -> bool:
        if not (isinstance(a, Lin) or isinstance(b, Lin)):
            return {
                "=": lambda: a == b,
                "!=": lambda: a != b,
                "<": lambda: a < b,
                "<=": lambda: a <= b,
                ">": lambda: a > b,
                ">=": lambda: a >= b,
            }[op]()
        return self.path.test(self.linear(a, t, span) - self.linear(b, t, span), op)

    def concrete(self, e: ir.Binary, a, b) -> Any:
        """The engine's own meaning of an operation on known values (as the reference
        interpreter has it: scales by rank, durations, dates, exact division)."""
        op = e.op
        if op == "in":
            return a in b
        if e.scale is not None:
            rank = e.scale.rank
            a, b = rank[a], rank[b]
        lt, rt = e.left.type, e.right.type
        if lt.kind == "duration" and rt.kind == "duration" and op in _COMPARE:
            return runtime.compare_durations(a, op, b, e.span)
        if op == "/":
            return runtime.divide(a, b, e.span)
        if lt.kind == "date" and rt.kind == "duration":
            return runtime.date_add(a, b, e.span, 1 if op == "+" else -1)
        if lt.kind == "date" and rt.kind == "date" and op == "-":
            return runtime.date_diff(a, b)
        if op in _COMPARE:
            return self.compare(a, op, b, lt, e.span)
        return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b}[op]()

    # ------------------------------------------------------------------ functions
    def call(self, e: ir.CallFunc, args: list) -> Any:
        if not any(isinstance(a, Lin) for a in args):
            from ..codegen import _call

            return _call(self.rb.functions[e.name].impl, e.span, e.name, tuple(args))
        name = e.name
        if name in ("min", "max"):
            best = args[0]
            for item in args[1:]:
                if self.compare(item, "<" if name == "min" else ">", best, None, e.span):
                    best = item
            return best
        if name == "abs":
            (x,) = args
            return _number(-x) if self.path.test(x, "<") else x
        if name in ("floor", "ceil"):
            (x,) = args
            return self.step(x, 1, name, e.span)
        if name == "round":
            x, places = args
            if isinstance(places, Lin):
                raise NotLinear(f"'{e.text}' rounds to a varied number of places", e.span)
            scale = 10**places
            # Half up, away from zero: floor(|x| * scale + 1/2) / scale, with x's sign.
            negative = self.path.test(x, "<")
            magnitude = (-x if negative else x).scaled(scale) + Fraction(1, 2)
            whole = self.step(magnitude, 1, "floor", e.span)
            return normalize(Fraction(-whole if negative else whole, scale))
        if name == "days_between":
            a, b = (self.linear(v, None, e.span) for v in args)
            return _number(b - a)
        raise NotLinear(f"'{e.text}' calls {name}() on a varied value", e.span)

    def step(self, x: Lin, unit: int, how: str, span) -> int:
        """``floor``/``ceil`` of a varied value: whole where it stays between two steps."""
        value = self.path.value(x)
        n = math.floor(value) if how == "floor" else math.ceil(value)
        if how == "floor":
            self.path.test(x - n, ">=")
            self.path.test(x - (n + 1), "<")
        else:
            self.path.test(x - n, "<=")
            self.path.test(x - (n - 1), ">")
        return n

    # ------------------------------------------------------------------ aggregates
    def aggregate(self, e: ir.Aggregate, scope) -> Any:
        items = []
        for item in self.ev(e.iterable, scope):
            inner = dict(scope, **{e.var: item})
            if e.where is not None and not self.ev(e.where, inner):
                continue
            items.append(1 if e.func == "count" else self.ev(e.body, inner))
        if e.func in ("sum", "count"):
            if any(isinstance(v, Lin) for v in items):
                return _number(sum((Lin.of(v) for v in items), Lin.of(0)))
            return sum(items)
        if e.func == "any":
            return any(items)
        if e.func == "all":
            return all(items)
        if isinstance(e.type, EnumType):
            return runtime.extreme_ranked(e.func, items, e.type, e.span)
        if not any(isinstance(v, Lin) for v in items):
            return runtime.extreme(e.func, items, e.span)
        if not items:
            raise EvaluationError(f"{e.func} of an empty list", e.span)
        best = items[0]
        for item in items[1:]:
            if self.compare(item, ">" if e.func == "max" else "<", best, e.type, e.span):
                best = item
        return best


def evaluate(book, facts: dict, path: Path, as_of) -> Outcome:
    """The outcome of ``facts`` (holding :class:`Lin` values where they vary) at the path's
    point; the decisions taken are left in ``path``. A case the rules cannot evaluate there
    is an outcome with an ``error``; an expression that is not linear raises ``NotLinear``."""
    date_input = book.rulebook.date_input
    try:
        evaluator = Evaluator(book, facts, path, as_of, date_input)
    except EvaluationError as err:
        return Outcome(datetime.date.min, (), frozenset(), (), err.message)
    try:
        return evaluator.run()
    except EvaluationError as err:
        where = f"{err.span.location()}: " if err.span is not None else ""
        return Outcome(evaluator.day, (), frozenset(), (), where + err.message)
