"""How a table of counts of many values is shown as text: a grid, or its largest rows.

A grid of two conclusions (``diff``'s old value by new value, ``summary --by A,B``) is as
many cells as the product of their values: pi2017's fine amounts, one value a case, made a
grid of 1,000 x 1,000 cells for 2,000 cases (minutes and gigabytes to print, QA rounds five
and six). So a grid is drawn only while each side has at most ``MAX_GRID`` values; past
that, and for a one-way table of more than ``MAX_LISTED`` values, the text lists the
``MAX_LISTED`` largest rows and says how many are left out; JSON and CSV give every row
(only the pairs that occur), so nothing is computed or held per empty cell.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

#: Values a side of a grid may have; past this, the pairs are listed instead.
MAX_GRID = 12
#: The most rows such a list shows as text.
MAX_LISTED = 40


def as_grid(rows: int, columns: int) -> bool:
    """Whether two axes of this many values are drawn as a grid (else listed)."""
    return max(rows, columns) <= MAX_GRID


def largest(items: Iterable[T], order: Callable[[T], tuple]) -> tuple[list[T], int]:
    """The ``MAX_LISTED`` first items by ``order`` (the largest count first: a key such as
    ``(-persons, place)``), and how many are left out."""
    items = list(items)
    shown = heapq.nsmallest(MAX_LISTED, items, key=order)
    return shown, len(items) - len(shown)
