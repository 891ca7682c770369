"""What every part of the columnar path shares: the bounds, the column types, why a rulebook
does not qualify (``Blocked``), and the keys the steps keep their values under."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import attrs

from ..types import EnumType

try:
    import numpy as np
except ImportError:  # optional (the ``columnar`` extra): without it, every case goes one by one
    np = None


#: Largest magnitude a value may reach anywhere in the computation (int64, with room).
LIMIT = 2**62


#: Bounds tried for numeric inputs, in their scaled units, largest first: the first for
#: which no operation can leave 64 bits is used.
CAPS = (10**15, 10**12, 10**9, 10**6)


#: Money and decimals in hundredths (fen).
SCALE = 100


#: Rows computed at once (a slice of a larger batch).
SLICE = 4096


#: The most items of a list a case may have in columns (a longer one goes one by one): the
#: bound of a sum over it is this times the bound of an item.
MAX_ITEMS = 1000


@attrs.frozen
class Blocked:
    """Why a rulebook does not qualify: the construct, and where it is."""

    construct: str
    span: Any = None

    def __str__(self) -> str:
        where = f" at {self.span.location()}" if self.span is not None else ""
        return f"{self.construct}{where}"


class _Block(Exception):
    def __init__(self, construct: str, span=None):
        super().__init__(construct)
        self.blocked = Blocked(construct, span)


Cols = dict[str, Any]


Env = dict[Any, Any]


#: Where the steps mark the rows to decide one by one.
_REDO = ("redo",)


#: Where the steps find the as-of date, as a day number (a ``lighter`` block compares it).
_DAY = ("day",)


#: Why a program cannot be made with a bound: a smaller one is tried.
_OVERFLOW = "arithmetic that may leave 64 bits"


#: The key of an aggregate item's field in the items' columns: (_ITEM, field).
_ITEM = "item"


@attrs.frozen
class _List:
    """A list input of records as columns: each field's values of all the items, one after
    the other, and where each case's items start (``offsets``, one more than the cases)."""

    fields: dict[str, Any]
    offsets: Any

    def take(self, at) -> _List:
        """The items of the cases ``at`` (indices), in that order."""
        low, high = self.offsets[at], self.offsets[at + 1]
        counts = high - low
        offsets = np.zeros(len(at) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        index = np.repeat(low - offsets[:-1], counts) + np.arange(offsets[-1])
        return _List({k: v[index] for k, v in self.fields.items()}, offsets)

    def rows(self, start: int, end: int) -> _List:
        low, high = int(self.offsets[start]), int(self.offsets[end])
        fields = {k: v[low:high] for k, v in self.fields.items()}
        return _List(fields, self.offsets[start : end + 1] - low)


def _scalar(t) -> bool:
    """A type whose values fit in a column of integers (a text's column only says it is one:
    no rule may read it there, see ``_text``)."""
    return _numeric(t) or t.kind in ("bool", "date", "text") or isinstance(t, EnumType)


def _enum(t) -> bool:
    return isinstance(t, EnumType)


def _is_number(v) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


def _numeric(t) -> bool:
    return t.kind in ("integer", "decimal", "money")


def _rows(cols: Cols) -> int:
    return cols["__rows__"]


def _full_of(c: Cols, v):
    return v if isinstance(v, np.ndarray) else np.full(_rows(c), v, dtype=np.int64)
