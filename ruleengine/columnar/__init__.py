"""The columnar path: a batch of cases decided at once, over columns of integers (numpy).

The same checked tree as the per-case programs, compiled for one period into operations on
whole columns. Arithmetic stays exact and in integers: counts are integers, money and
decimals are scaled integers (fen: a hundredth), every value is a numerator over a
denominator known when compiling, and comparisons are cross-multiplied. No binary floating
point. Overflow is ruled out when compiling: each numeric input is given a bound (``CAPS``),
the largest value each operation can reach from those bounds is computed exactly, and the
program is made only if it stays within 64 bits; a case whose facts lie outside the bounds,
or are not already in plain form (a fraction of a fen, an enum member by its label, an unknown
field, a missing field without a default), is decided by the per-case path instead.

A rulebook qualifies when its inputs are counts, integers, amounts, yes/no facts, dates (day
numbers), enums, texts no rule reads and lists of records of those (``_List``: a column of
all the items for each field, and where each case's items start), and its rules use
arithmetic, comparisons, ``and``/``or``/``not``, ``if``, ``in``, ``min``/``max``,
``sum``/``count``/``any``/``all`` over a list, named definitions (called with constants, or
with an aggregate's item), exceptions, scale, value and set conclusions and ranges, and
``lighter`` blocks (``_lighter``: the rows of an earlier version's period evaluated again by
that period's program). A row in conflict, with a range running downward, or reading a value
no rule decided, is decided again one by one: the per-case path reports it. Otherwise
``compile`` says which construct blocks it and where (``Blocked``), and ``decide_chunk``
decides every case by the per-case path.

    program = columnar.compile(book, day)          # Program, or Blocked(construct, span)
    out = program.decide_columns(columns)          # {conclusion: array of values}
    rows = columnar.decide_chunk(book, records)    # one Decision (or the error) per record

The parts: ``base`` (bounds, column types, ``Blocked``), ``expressions`` (the checked tree's
expressions into functions of the columns), ``program`` (a period's steps, conclusions and
values: ``Program``), ``lighter`` (the law in time), ``reading`` (records into columns); here,
batches: which path each record takes, and its row.
"""

from __future__ import annotations

import bisect
import datetime
import itertools

from ..runtime import Decision
from . import program
from .base import CAPS, LIMIT, MAX_ITEMS, SCALE, SLICE, Blocked, np
from .program import Program
from .reading import Columns

__all__ = [
    "AGAIN",
    "CAPS",
    "COLUMNAR",
    "LIMIT",
    "MAX_ITEMS",
    "SCALE",
    "SLICE",
    "Blocked",
    "Columns",
    "Program",
    "available",
    "compile",
    "decide_chunk",
    "decide_cited",
    "how",
]


def available() -> bool:
    return np is not None


def compile(book, day: datetime.date) -> Program | Blocked:  # noqa: A001 - the package's verb
    """The columnar program of the book's period on ``day``, or why there is none."""
    if np is None:
        return Blocked("numpy is not installed (the 'columnar' extra)")
    return program.build(book, day)


#: The path of a case decided in columns, as ``how`` and the batch runner say it.
COLUMNAR = "columnar (numpy)"
#: Why a case the columns decided is decided again one by one.
AGAIN = (
    "a conflict between rules, a range running downward, or a value read where it is not "
    "decided (the per-case path reports it)"
)


def decide_chunk(book, records: list, day: datetime.date | None = None) -> list:
    """One row per record, in order: its ``Decision``, or the exception the per-case path
    raised for it (``FactsError``, ``EvaluationError``). The records of each period go through
    the columnar program when the rulebook qualifies; the others, and any record that does not
    fit in columns, one by one (``book.decide``). ``how(book, day)`` says which."""
    return [r if isinstance(r, BaseException) else r[0] for r in decide_cited(book, records, day)]


def decide_cited(book, records: list, day: datetime.date | None = None) -> list:
    """What a batch needs of each record, in order: ``(Decision, the rules that applied,
    the path it took)`` (the rules in the epoch's order, as ``book.decide_cited`` gives them;
    the path ``COLUMNAR``, or ``"one by one: "`` and why), or the exception the per-case path
    raised for it. Decided as ``decide_chunk`` says."""
    rows: list = [None] * len(records)
    groups: dict[datetime.date, list[int]] = {}
    for i, record in enumerate(records):
        try:
            when = book.as_of(record, day)
        except Exception as err:  # noqa: BLE001 - reported as the row, as decide would
            rows[i] = err
            continue
        groups.setdefault(when, []).append(i)
    for when, indices in groups.items():
        program = _program_for(book, when)
        if not isinstance(program, Program):
            _one_by_one(book, records, day, rows, indices, f"one by one: {program}")
            continue
        cols = program.columns([records[i] for i in indices])
        if cols.rows:
            again = _in_columns(program, cols, when, [indices[at] for at in cols.rows], rows)
            _one_by_one(book, records, day, rows, again, f"one by one: {AGAIN}")
        for at, why in zip(cols.rest, cols.why):
            _one_by_one(book, records, day, rows, [indices[at]], f"one by one: {why}")
    return rows


def _in_columns(program: Program, cols: Columns, when, targets: list[int], rows: list) -> list:
    """The rows decided in columns; returns those to decide one by one (``decide_rows``)."""
    out, applied, redo = program.decide_rows(cols, when)
    in_force = bool(program.epoch.rules)
    names = program.outputs
    columns = [out[n].tolist() for n in names]
    rules = program.epoch.rules
    cited: dict[bytes, tuple[str, ...]] = {}  # the rules of each pattern of flags, made once
    keys = np.packbits(applied, axis=1) if rules else np.zeros((len(targets), 0), np.uint8)
    again = [targets[j] for j in np.flatnonzero(redo).tolist()]
    for j, i in enumerate(targets):
        key = keys[j].tobytes()
        found = cited.get(key)
        if found is None:
            found = cited[key] = tuple(itertools.compress(rules, applied[j]))
        conclusions = {n: col[j] for n, col in zip(names, columns)}
        rows[i] = (Decision(when, conclusions, (), in_force), found, COLUMNAR)
    return again


def _one_by_one(book, records, day, rows: list, indices: list[int], path: str) -> None:
    for i in indices:
        try:
            decision, applied = book.decide_cited(records[i], day)
        except Exception as err:  # noqa: BLE001 - the row says what went wrong
            rows[i] = err
        else:
            rows[i] = (decision, applied, path)


def how(book, day: datetime.date) -> str:
    """In words: whether a batch on ``day`` goes through the columnar path, and if not why."""
    program = _program_for(book, day)
    if isinstance(program, Program):
        return f"{COLUMNAR}, cases that do not fit in columns one by one"
    return f"one by one: {program}"


def _program_for(book, day: datetime.date) -> Program | Blocked:
    """Compiled once for each period of the book."""
    cache = book.__dict__.setdefault("_columnar", {})
    index = bisect.bisect_right(book.changes, day)
    found = cache.get(index)
    if found is None:
        found = cache[index] = compile(book, day)
    return found
