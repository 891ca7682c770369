"""Records into columns: each input's raw value in the column's form (an integer, fen, a
code, a day number), or the record goes one by one, with why."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from ..facts import parse_date
from ..ir import MISSING
from ..types import EnumType, ListType, RecordType
from .base import MAX_ITEMS, SCALE, Cols, _List, np

if TYPE_CHECKING:
    from .program import Program


@attrs.define
class Columns:
    data: Cols
    rows: list[int]  # the index of each row's record
    rest: list[int]  # the records decided one by one
    #: For each of ``rest``, why (the field that does not fit, or what the record is).
    why: list[str] = attrs.Factory(list)


_PLAIN = re.compile(r"(-?[0-9]+)(?:\.([0-9]{1,2}))?")
_WHOLE = re.compile(r"-?[0-9]+")  # facts.py reads these digits as that whole number too


def _columns(program: Program, records: list) -> Columns:
    """The records as columns. Each record's own fields are read (most records give few of
    the inputs); the others take their default, read once (``Program.absent``)."""
    rb = program.rulebook
    specs = list(rb.inputs.items())
    known = frozenset(rb.inputs)
    read_of, absent = program.read_of, program.absent
    required = [name for name, v in absent.items() if v is None]
    got_rows: list[dict] = []
    rows, rest, why = [], [], []
    for i, record in enumerate(records):
        if type(record) is not dict:
            rest.append(i)
            why.append("facts that are not a record")
            continue
        if not known.issuperset(record):
            rest.append(i)
            why.append("a field the rulebook does not declare")
            continue
        got = absent.copy()
        for name, raw in record.items():
            v = read_of[name](raw)
            if v is None:
                break
            got[name] = v
        else:
            if not required or all(name in record for name in required):
                rows.append(i)
                got_rows.append(got)
                continue
        rest.append(i)
        # The first input that does not fit, in the rulebook's order.
        name, raw = next(
            (n, record.get(n, d))
            for n, d, read in program.readers
            if read(record.get(n, d)) is None
        )
        why.append(_why(name, raw))
    values = {name: [got[name] for got in got_rows] for name, _ in specs}
    data: Cols = {"__rows__": len(rows)}
    for name, spec in specs:
        if isinstance(spec.type, ListType):
            data[name] = _list_columns(spec.type.element, values[name])
            continue
        dtype = bool if spec.type.kind == "bool" else np.int64
        data[name] = np.array(values[name], dtype=dtype)
    return Columns(data, rows, rest, why)


def _why(name: str, raw: Any) -> str:
    """Why an input's value does not fit in its column (issue 9: text was said to be
    "missing ... or not in plain form" though it was there, small and plain)."""
    if raw is MISSING:
        return f"'{name}' missing"
    if type(raw) is str:
        return f"'{name}' given as text that is not a plain number within the columns' bounds"
    return f"'{name}' missing, out of the columns' bounds or not in plain form"


def _list_columns(record: RecordType, lists: list) -> _List:
    """Each case's items (tuples of their fields' values) as the columns of a ``_List``."""
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum([len(items) for items in lists], out=offsets[1:])
    flat = [item for items in lists for item in items]
    fields = {}
    for i, (name, spec) in enumerate(record.fields.items()):
        dtype = bool if spec.type.kind == "bool" else np.int64
        fields[name] = np.array([item[i] for item in flat], dtype=dtype)
    return _List(fields, offsets)


def _reader(spec, cap: int) -> Callable[[Any], Any]:
    """``read(raw)``: a raw value of this input in the column's form (an integer; fen; a
    code), or None: the record goes one by one. Chosen once for each input."""
    t = spec.type
    if t.kind == "bool":
        return lambda raw: raw if raw is True or raw is False else None
    if isinstance(t, EnumType):
        rank = t.rank
        return lambda raw: rank.get(raw) if type(raw) is str else None
    if t.kind == "date":
        return _day
    if t.kind == "text":
        return _text
    if isinstance(t, ListType):
        return _items_reader(t.element, cap)
    return lambda raw: _plain(raw, spec, cap)


def _items_reader(record: RecordType, cap: int) -> Callable[[Any], Any]:
    """``read(raw)``: a list of records as a list of tuples of their fields in column form,
    or None: the case goes one by one (not a list, too long, an item not a record, a field
    not declared, missing without a default or not in plain form)."""
    fields = [(name, spec.default, _reader(spec, cap)) for name, spec in record.fields.items()]
    known = frozenset(record.fields)

    def read(raw):
        if type(raw) is not list or len(raw) > MAX_ITEMS:
            return None
        out = []
        for item in raw:
            if type(item) is not dict or not known.issuperset(item):
                return None
            got = []
            for name, default, one in fields:
                v = one(item.get(name, default))
                if v is None:
                    return None
                got.append(v)
            out.append(tuple(got))
        return out

    return read


def _text(raw) -> int | None:
    """A text, which only rules that compare nothing read (an act's id): 0, that it is one
    (validation's test); None: one by one. Any use of a text by a rule blocks the program
    when compiling (a comparison of text values, a value computed from it)."""
    if type(raw) is not str:
        return None
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return 0


def _day(raw) -> int | None:
    """A date, or one written YYYY-MM-DD, as its day number; None: one by one."""
    if type(raw) is datetime.date:
        return raw.toordinal()
    day = parse_date(raw) if type(raw) is str else None
    return day.toordinal() if day is not None else None


def _plain(raw, spec, cap: int):
    """A raw number in the column's form (an integer; fen), or None: one by one."""
    t = spec.type
    if raw is MISSING:
        return None
    if t.kind == "integer":  # a whole number, or its plain digits as text (a CSV cell)
        v = raw if type(raw) is int else None
        if type(raw) is str and len(raw) <= 30 and _WHOLE.fullmatch(raw):
            v = int(raw)
    elif type(raw) is int:
        v = raw * SCALE
    elif type(raw) is str:
        m = _PLAIN.fullmatch(raw)
        if m is None or len(raw) > 30:
            return None
        whole, places = m.groups()
        v = int(whole + (places or "").ljust(2, "0"))
    elif type(raw) is Fraction and SCALE % raw.denominator == 0:
        v = raw.numerator * (SCALE // raw.denominator)
    else:
        return None
    if v is None or not -cap <= v <= cap:
        return None
    minimum = spec.minimum
    if minimum is not None and v < minimum * (1 if t.kind == "integer" else SCALE):
        return None
    return v
