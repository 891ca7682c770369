"""Built-in functions of the rule language, registered as a plugin like any other.

All are exact: they take and return ints and Fractions. Rounding is explicit and half-up
(四舍五入), the way amounts are rounded in Chinese legal practice.
"""

from __future__ import annotations

import datetime
import math
from fractions import Fraction

from .checker import FunctionSpec
from .hookspecs import hookimpl
from .types import (
    DATE,
    DECIMAL,
    INTEGER,
    Duration,
    ListType,
    MoneyType,
    Type,
    add_duration,
    is_numeric,
    normalize,
)


def _orderable(t: Type) -> bool:
    return is_numeric(t) or isinstance(t, MoneyType) or t.kind in ("date",)


def _min_max_signature(args: list[Type]) -> Type:
    if len(args) < 2:
        raise TypeError("takes two or more values")
    first = args[0]
    for t in args[1:]:
        if not (_orderable(t) and (t == first or (is_numeric(t) and is_numeric(first)))):
            raise TypeError(f"cannot compare {first.describe()} with {t.describe()}")
    if not _orderable(first):
        raise TypeError(f"cannot order {first.describe()}")
    if is_numeric(first) and any(t == DECIMAL for t in args):
        return DECIMAL
    return first


def _one_number(name: str, result: Type | None = None):
    def signature(args: list[Type]) -> Type:
        if len(args) != 1 or not (is_numeric(args[0]) or isinstance(args[0], MoneyType)):
            raise TypeError("takes one number or amount")
        return result if (result is not None and is_numeric(args[0])) else args[0]

    return signature


def _round_signature(args: list[Type]) -> Type:
    if len(args) != 2 or not (is_numeric(args[0]) or isinstance(args[0], MoneyType)):
        raise TypeError("takes a number or amount and a count of decimal places")
    if args[1] != INTEGER:
        raise TypeError("the number of decimal places must be a whole number")
    return args[0] if isinstance(args[0], MoneyType) else DECIMAL


def _two_dates(args: list[Type]) -> Type:
    if len(args) != 2 or args[0] != DATE or args[1] != DATE:
        raise TypeError("takes two dates")
    return INTEGER


def _size_signature(args: list[Type]) -> Type:
    if len(args) != 1 or not isinstance(args[0], ListType):
        raise TypeError("takes one list")
    return INTEGER


def round_half_up(value, places: int):
    """Round to ``places`` decimal places, halves away from zero: 2.5 -> 3, -2.5 -> -3."""
    if not 0 <= places <= 20:
        raise ValueError("decimal places must be between 0 and 20")
    scale = 10**places
    scaled = Fraction(value) * scale
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return normalize(Fraction(whole if scaled >= 0 else -whole, scale))


def years_between(start: datetime.date, end: datetime.date) -> int:
    """Whole years from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -years_between(end, start)
    # Agree with date arithmetic: n whole years have passed once start + n years <= end
    # (so 2000-02-29 + 18 years = 2018-02-28, and 18 years have passed on that day).
    years = end.year - start.year
    if add_duration(start, Duration(months=12 * years)) > end:
        years -= 1
    return years


@hookimpl
def ruleengine_functions():
    return [
        FunctionSpec("min", _min_max_signature, lambda *xs: min(xs), "the smallest value"),
        FunctionSpec("max", _min_max_signature, lambda *xs: max(xs), "the largest value"),
        FunctionSpec("abs", _one_number("abs"), abs, "the absolute value"),
        FunctionSpec("floor", _one_number("floor", INTEGER), math.floor, "round down"),
        FunctionSpec("ceil", _one_number("ceil", INTEGER), math.ceil, "round up"),
        FunctionSpec("round", _round_signature, round_half_up, "round half up to n places"),
        FunctionSpec("years_between", _two_dates, years_between, "whole years between dates"),
        FunctionSpec("days_between", _two_dates, lambda a, b: (b - a).days, "days from a to b"),
        FunctionSpec("size", _size_signature, len, "the number of items in a list"),
    ]
