"""What both evaluation paths share: exact operations, how conclusions combine, the decision.

The fast path (generated code) and the explain path (the interpreter) call these same
functions, so the meaning of an operation lives in one place.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import attrs

from dsl.diagnostics import Span

from .ir import MISSING
from .types import Duration, EnumType, add_duration


class EvaluationError(Exception):
    """A case could not be evaluated: division by zero, a parameter with no value on the
    date, a conclusion read while in conflict, ... Points at the rule text."""

    def __init__(self, message: str, span: Span | None = None):
        self.message = message
        self.span = span
        where = f"{span.location()}: " if span else ""
        super().__init__(where + message)


class Unset:
    """The value of a conclusion no rule decided (and with no default), or in conflict."""

    def __init__(self, name: str, why: str):
        self.name = name
        self.why = why

    def __repr__(self) -> str:
        return f"<{self.name}: {self.why}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unset) and (self.name, self.why) == (other.name, other.why)

    def __hash__(self) -> int:
        return hash((self.name, self.why))


def unreadable(value: Unset, span: Span):
    raise EvaluationError(f"conclusion '{value.name}' {value.why}", span)


def divide(a, b, span: Span):
    if b == 0:
        raise EvaluationError("division by zero", span)
    if type(a) is int and type(b) is int:
        return a // b if a % b == 0 else Fraction(a, b)
    result = Fraction(a) / Fraction(b)
    return result.numerator if result.denominator == 1 else result


# ------------------------------------------------------------------ exact pairs
# The fast path computes with exact fractions as (numerator, denominator) pairs of ints,
# denominator > 0, without reducing them: no Fraction objects, no gcd, until a value leaves
# an arithmetic expression (``p_val``). Comparisons cross-multiply, which is exact.


def p_of(x) -> tuple[int, int]:
    return (x, 1) if type(x) is int else (x.numerator, x.denominator)


def p_val(p: tuple[int, int]):
    n, d = p
    if d == 1:
        return n
    if n % d == 0:
        return n // d
    return Fraction(n, d)


def p_add(a, b):
    return (a[0] * b[1] + b[0] * a[1], a[1] * b[1])


def p_sub(a, b):
    return (a[0] * b[1] - b[0] * a[1], a[1] * b[1])


def p_mul(a, b):
    return (a[0] * b[0], a[1] * b[1])


def p_div(a, b, span: Span):
    if b[0] == 0:
        raise EvaluationError("division by zero", span)
    if b[0] < 0:
        return (-a[0] * b[1], -a[1] * b[0])
    return (a[0] * b[1], a[1] * b[0])


def p_neg(a):
    return (-a[0], a[1])


def p_ge(a, b) -> bool:
    return a[0] * b[1] >= b[0] * a[1]


def p_gt(a, b) -> bool:
    return a[0] * b[1] > b[0] * a[1]


def p_le(a, b) -> bool:
    return a[0] * b[1] <= b[0] * a[1]


def p_lt(a, b) -> bool:
    return a[0] * b[1] < b[0] * a[1]


def p_eq(a, b) -> bool:
    return a[0] * b[1] == b[0] * a[1]


def p_ne(a, b) -> bool:
    return a[0] * b[1] != b[0] * a[1]


def date_add(day: datetime.date, span_: Duration, where: Span, sign: int = 1) -> datetime.date:
    try:
        return add_duration(day, span_, sign)
    except (ValueError, OverflowError):
        shown = f"{day} {'+' if sign > 0 else '-'} {span_}"
        raise EvaluationError(f"{shown} is out of range", where) from None


def date_diff(a: datetime.date, b: datetime.date) -> Duration:
    return Duration(days=(a - b).days)


def compare_durations(a: Duration, op: str, b: Duration, where: Span) -> bool:
    try:
        return (
            {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
            if op in ("<", "<=", ">", ">=")
            else (a == b if op == "=" else a != b)
        )
    except ValueError as err:
        raise EvaluationError(str(err), where) from None


def extreme(func: str, values, where: Span):
    items = list(values)
    if not items:
        raise EvaluationError(f"{func} of an empty list", where)
    return max(items) if func == "max" else min(items)


def extreme_ranked(func: str, values, scale: EnumType, where: Span):
    items = list(values)
    if not items:
        raise EvaluationError(f"{func} of an empty list", where)
    rank = scale.rank
    pick = max if func == "max" else min
    return pick(items, key=rank.__getitem__)


def no_parameter_value(name: str, first: datetime.date | None, day: datetime.date, where: Span):
    since = f"; its first value holds from {first}" if first else ""
    raise EvaluationError(f"parameter '{name}' has no value on {day}{since}", where)


# ------------------------------------------------------------------ combining conclusions
@attrs.frozen
class Conflict:
    """Two or more rules gave different values to a single-valued conclusion."""

    conclusion: str
    claims: tuple[tuple[str, Any], ...]  # (rule, value)


def combine_range(
    name: str, claims: list[tuple[str, Any, Any]], scale: EnumType | None, where: Span | None = None
):
    """Ranges combine upward: the highest floor and the highest ceiling."""
    if not claims:
        return Unset(name, "was decided by no rule")
    key = scale.rank.__getitem__ if scale is not None else (lambda v: v)
    for rule, low, high in claims:
        if key(low) > key(high):
            raise EvaluationError(
                f"rule '{rule}' gives '{name}' a range from {low} down to {high}", where
            )
    low = max((c[1] for c in claims), key=key)
    high = max((c[2] for c in claims), key=key)
    return (low, high)


def combine_value(
    name: str, claims: list[tuple[str, Any]], default: Any, conflicts: list[Conflict]
):
    """One value, or a reported conflict naming every rule involved; never a silent pick."""
    if not claims:
        return Unset(name, "was decided by no rule") if default is MISSING else default
    first = claims[0][1]
    if all(value == first for _, value in claims[1:]):
        return first
    conflicts.append(Conflict(name, tuple(claims)))
    return Unset(name, f"is in conflict between rules {', '.join(r for r, _ in claims)}")


@attrs.frozen
class Decision:
    """What the fast path returns: the conclusions and any conflicts, nothing more."""

    as_of: datetime.date
    conclusions: dict[str, Any]
    conflicts: tuple[Conflict, ...] = ()
    in_force: bool = True

    def value(self, name: str) -> Any:
        v = self.conclusions[name]
        return None if isinstance(v, Unset) else v
