"""The types of the rule language and the runtime values that carry them.

Runtime representation, chosen so that generated code can use plain Python operators:
integers are ``int``; decimals and money are ``int`` or ``fractions.Fraction`` (never float);
enum and scale members are their names (``str``); records are ``dict``; lists are ``tuple``;
texts are ``str`` or :class:`LocalText`; durations are :class:`Duration`.
"""

from __future__ import annotations

import calendar
import datetime
import functools
from fractions import Fraction
from typing import Any

import attrs


@attrs.frozen
class Type:
    """A primitive type: integer, decimal, bool, date, duration or text."""

    kind: str

    def describe(self) -> str:
        return self.kind


INTEGER = Type("integer")
DECIMAL = Type("decimal")
BOOL = Type("bool")
DATE = Type("date")
DURATION = Type("duration")
TEXT = Type("text")


@attrs.frozen
class MoneyType(Type):
    kind: str = "money"
    currency: str = "CNY"

    def describe(self) -> str:
        return f"money({self.currency})"


@attrs.frozen
class EnumType(Type):
    """An enumeration; an ordered one is a scale whose members run lowest first."""

    kind: str = "enum"
    name: str = ""
    members: tuple[str, ...] = ()
    ordered: bool = False
    labels: dict = attrs.field(factory=dict, eq=False, hash=False)

    def describe(self) -> str:
        return self.name

    @property
    def rank(self) -> dict[str, int]:
        return {m: i for i, m in enumerate(self.members)}


@functools.lru_cache(maxsize=1024)
def rank_of(scale: EnumType) -> dict[str, int]:
    """A scale's members by rank, made once for each scale: read it, never change it
    (``EnumType.rank`` makes a new dict at each use)."""
    return scale.rank


@attrs.frozen
class RecordType(Type):
    kind: str = "record"
    name: str = ""
    fields: dict = attrs.field(factory=dict, eq=False, hash=False)  # name -> FieldSpec

    def describe(self) -> str:
        return self.name


@attrs.frozen
class ListType(Type):
    kind: str = "list"
    element: Type = INTEGER
    #: The least value of each element where given as facts (``list of count``: 0); not part
    #: of the type's identity, as for a field's minimum.
    minimum: int | None = attrs.field(default=None, eq=False, hash=False)

    def describe(self) -> str:
        return f"list of {self.element.describe()}"


@attrs.frozen
class AnyType(Type):
    """The type of an empty list literal, compatible with any list."""

    kind: str = "any"


def is_numeric(t: Type) -> bool:
    return t.kind in ("integer", "decimal")


def assignable(target: Type, value: Type) -> bool:
    """Whether a value of type ``value`` may stand where ``target`` is declared.

    Like ``same_type``, except that an integer may not receive a decimal (1/2 is no count).
    """
    if target.kind == "integer" and value.kind == "decimal":
        return False
    if isinstance(target, ListType) and isinstance(value, ListType):
        return assignable(target.element, value.element)
    return same_type(target, value)


def same_type(a: Type, b: Type) -> bool:
    """Whether values of ``a`` and ``b`` can be compared or combined without conversion."""
    if is_numeric(a) and is_numeric(b):
        return True
    if isinstance(a, AnyType) or isinstance(b, AnyType):
        return True
    if isinstance(a, ListType) and isinstance(b, ListType):
        return same_type(a.element, b.element)
    return a == b


def runs_down(t: Type, low: Any, high: Any) -> bool:
    """Whether ``low .. high`` is a range written upside down (members by rank)."""
    if isinstance(t, EnumType):
        return t.rank[low] > t.rank[high]
    try:
        return low > high
    except (TypeError, ValueError):  # durations of months and of days do not compare
        return False


@attrs.frozen
class LocalText:
    """A text in Chinese and/or English; ``get`` falls back to the other language."""

    values: tuple[tuple[str, str], ...]

    def get(self, lang: str) -> str:
        d = dict(self.values)
        return d.get(lang) or d.get("") or next(iter(d.values()), "")

    def to_json(self) -> dict:
        return {k or "text": v for k, v in self.values}


@attrs.frozen(order=False)
class Duration:
    """A span of calendar time: months (years are twelve) and days (weeks are seven)."""

    months: int = 0
    days: int = 0

    @classmethod
    def of(cls, amount: int, unit: str) -> Duration:
        unit = unit.rstrip("s")
        return {
            "year": cls(months=12 * amount),
            "month": cls(months=amount),
            "week": cls(days=7 * amount),
            "day": cls(days=amount),
        }[unit]

    def _key(self, other: Duration) -> tuple[int, int]:
        if not self.months and not other.months:
            return self.days, other.days
        if not self.days and not other.days:
            return self.months, other.months
        raise ValueError(f"cannot compare {self} with {other}: months and days differ in length")

    def __lt__(self, other: Duration) -> bool:
        a, b = self._key(other)
        return a < b

    def __le__(self, other: Duration) -> bool:
        a, b = self._key(other)
        return a <= b

    def __gt__(self, other: Duration) -> bool:
        a, b = self._key(other)
        return a > b

    def __ge__(self, other: Duration) -> bool:
        a, b = self._key(other)
        return a >= b

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.months + other.months, self.days + other.days)

    def __str__(self) -> str:
        parts = []
        if self.months:
            y, m = divmod(self.months, 12)
            if y:
                parts.append(f"{y} year{'s' if y != 1 else ''}")
            if m:
                parts.append(f"{m} month{'s' if m != 1 else ''}")
        if self.days or not parts:
            parts.append(f"{self.days} day{'s' if self.days != 1 else ''}")
        return " ".join(parts)


def add_duration(day: datetime.date, span: Duration, sign: int = 1) -> datetime.date:
    """Calendar arithmetic: 2016-02-29 plus one year is 2017-02-28."""
    months = day.month - 1 + sign * span.months
    year = day.year + months // 12
    month = months % 12 + 1
    if not 1 <= year <= 9999:
        raise ValueError("date out of range")
    last = calendar.monthrange(year, month)[1]
    shifted = datetime.date(year, month, min(day.day, last))
    return shifted + datetime.timedelta(days=sign * span.days)


def normalize(value: int | Fraction) -> int | Fraction:
    """Integral fractions become ints, so 36/50 + 99/500 + 410/5000 prints as 1."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


def format_number(value: int | Fraction) -> str:
    """Exact decimal notation where it terminates, otherwise ``p/q``."""
    if isinstance(value, int):
        return str(value)
    return format_ratio(*value.as_integer_ratio())


def format_ratio(num: int, den: int) -> str:
    """``format_number(Fraction(num, den))`` for a fraction in lowest terms (den > 0), without
    making the Fraction: a trace writes many numbers, and each ``Fraction`` made or read
    through its properties costs more than the formatting itself."""
    if den == 1:
        return str(num)
    scale = _scales.get(den)
    if scale is None:
        scale = _scale(den)
        if len(_scales) < KEPT_SCALES:  # bounded: any number of denominators may come
            _scales[den] = scale
    if scale is _REPEATING:
        return f"{num}/{den}"
    # The denominator divides 10**places: the digits are the numerator scaled by the
    # quotient, in integers.
    places, times, unit = scale
    whole, part = divmod(abs(num) * times, unit)
    return f"{'-' if num < 0 else ''}{whole}.{str(part).zfill(places)}"


_REPEATING = ()
KEPT_SCALES = 256
#: The denominators written (a rulebook has few: 2, 4, 100, ...), each with how to write it:
#: (places, 10**places // den, 10**places), or _REPEATING when its decimals never end.
_scales: dict[int, tuple] = {}


def _scale(den: int) -> tuple:
    twos = fives = 0
    rest = den
    while rest % 2 == 0:
        rest //= 2
        twos += 1
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return _REPEATING
    places = max(twos, fives)
    return places, 10**places // den, 10**places
